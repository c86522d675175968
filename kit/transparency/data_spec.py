"""Sections 2.5 (data specification: each evaluation dataset from its card, the data flows) and 2.6 (risks) of the
record; what only the service knows is a prompt for its owner."""

from __future__ import annotations

from kit.transparency.blocks import TODO, Block, bullets, heading, para, table
from kit.transparency.capabilities import ROOT
from kit.transparency.cards import DatasetCard
from kit.transparency.collect import TransparencyFacts
from kit.transparency.scrub import public_name


def _card(card: DatasetCard) -> list[Block]:
    if not card.present:
        return [para(f"**{card.title}:** the card {public_name(card.path, ROOT)} is missing on this machine. "
                     f"{TODO} describe it.")]
    rows = [
        ("Source data name", card.title),
        ("Data description", card.summary or "see the card"),
        ("Data modality", card.modality),
        ("Data quantities", "; ".join(card.quantities) or "see the card"),
        ("Evaluation split", " ".join(card.splits) or "not described in the card: figures say which rows they "
                                                       "scored"),
        ("Synthetic or real", card.kind),
        ("Sensitive attributes", f"The card describes this data as {card.kind}. {TODO} whether the service's own "
                                 "data holds personal or special category data (for example health, ethnicity, "
                                 "religion) and which of those attributes the tool sees."),
        ("Data completeness and representativeness", "The card's own limitations are listed below. " + TODO
         + " how well this data stands for the documents and people the service will handle, and who or what it "
           "leaves out."),
        ("Data collection", card.how_made or "see the card"),
        ("Licence", card.licence or f"{TODO} the licence (the card does not state one)."),
        ("Attribution", card.attribution or "none required"),
        ("Dataset card", f"`{public_name(card.path, ROOT)}`"),
    ]
    blocks = [heading(4, card.title), table(("Field", "Value"), rows)]
    if card.limitations:
        blocks += [para("Limitations stated in the card:"), bullets(*card.limitations)]
    return blocks


def data_specification(f: TransparencyFacts) -> list[Block]:
    """2.5: every evaluation dataset from its card, then what only the service knows, then the data flows."""
    blocks = [heading(3, "2.5 Data specification")]
    if not f.datasets:
        blocks.append(para("The notebook uses no dataset of its own (only short example text written into it)."))
    for card in f.datasets:
        blocks += _card(card)
    return blocks + [
        bullets(f"**Personal data:** the evaluation data above is what the prototype was tested on. {TODO} the data "
                "the service will process in use, whether it includes personal or special category data, and the "
                "lawful basis.",
                f"**Data sharing, retention and access:** {TODO} retention periods and who may access the run log, "
                "cache and outputs listed below.",
                f"**Data cleaning:** {TODO} any preparation of the service's own data."),
        heading(4, "Data flows"),
        bullets(*(f"**{flow.topic}:** {flow.statement}" for flow in f.data_flows)),
    ]


def risks(f: TransparencyFacts) -> list[Block]:
    """2.6: the notebook's stated limitations, and the assessments only the service can name."""
    limits = f.text.limitations or (f"{TODO} the notebook has no '## Limitations' section; list what the tool "
                                    "cannot do.",)
    return [
        heading(3, "2.6 Risks, mitigations and impact assessments"),
        para("Known limitations, as the notebook states them:"), bullets(*limits),
        para("Impact assessments and other risks:"),
        bullets(f"**Data protection impact assessment (DPIA):** {TODO} whether one was done, its date and a link.",
                f"**Equality impact assessment (EqIA):** {TODO} whether one was done, its date and a link.",
                f"**Other risks and mitigations:** {TODO} risks in the service's own context and how they are "
                "handled."),
    ]
