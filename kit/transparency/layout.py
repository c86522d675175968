"""The record's content as plain blocks (headings, paragraphs, lists, tables) in ATRS order, for any renderer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kit.transparency.collect import TransparencyFacts, display_path

TODO = "TO COMPLETE by the service owner:"
NOT_MEASURED = "not measured yet"
REF = "[^run-1]"  # the footnote every figure carries: its run manifest, run time and model hash


@dataclass(frozen=True)
class Block:
    """One piece of the record: ``kind`` is heading, para, bullets, table or footnote."""

    kind: str
    text: str = ""
    level: int = 0
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _h(level: int, text: str) -> Block:
    return Block("heading", text, level)


def _p(text: str) -> Block:
    return Block("para", text)


def _ul(*items: str) -> Block:
    return Block("bullets", items=tuple(i for i in items if i))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> Block:
    return Block("table", header=header, rows=tuple(rows))


def shown(value: Any) -> str:
    """A figure as the main table shows it (4 significant digits for fractions)."""
    return f"{value:.4g}" if isinstance(value, float) else "none" if value is None else str(value)


def exact(value: Any) -> str:
    """A figure exactly as the run recorded it (JSON), for the provenance table."""
    return json.dumps(value, ensure_ascii=False)


def _tier1(f: TransparencyFacts) -> list[Block]:
    return [
        _h(2, "Tier 1: Summary"),
        _ul(f"**Name:** {f.text.title}",
            f"**Description:** {f.text.what_it_shows or TODO + ' a plain-English description of the tool.'}",
            f"**Website and contact:** {TODO} a web page about the tool and a contact email for questions.",
            f"**How it is used:** {TODO} where the tool sits in the service and who uses it. The prototype "
            f"notebook says it is for: {f.text.who_it_is_for or 'not stated'}",
            f"**Why it is used:** {TODO} the problem the service is solving and why this tool."),
    ]


def _owner_and_rationale(f: TransparencyFacts) -> list[Block]:
    version = f.run.kit_version if f.run else None
    return [
        _h(2, "Tier 2: Detailed information"),
        _h(3, "2.1 Owner and responsibility"),
        _ul(f"**Organisation, team and senior responsible owner:** {TODO} names and role titles.",
            "**Software:** built with fellowship-kit" + (f" {version}" if version else "")
            + ", open source; the model is run locally, not supplied as a service. "
            f"{TODO} any external supplier, its role, procurement route and its access to data."),
        _h(3, "2.2 Description and rationale"),
        _ul(f"**Scope:** {f.text.what_it_shows or TODO}",
            f"**Benefits:** {TODO} the benefits the service expects, and how they will be measured.",
            f"**Alternatives considered:** {TODO} non-algorithmic and other options, and why this one."),
        _h(3, "2.3 Decision-making process"),
        _ul(f"**Process integration:** {TODO} the decisions the tool informs and at which step.",
            f"**Human oversight:** {TODO} who reviews the tool's output before it affects anyone, and how.",
            f"**Appeals and review:** {TODO} how a person can challenge a decision the tool informed."),
    ]


def _model_rows(f: TransparencyFacts) -> list[tuple[str, ...]]:
    m = f.model
    if m is None:
        reason = f.run.model.get("error", "the run could not resolve a model") if f.run else "no model found"
        return [("Model", f"{TODO} the model ({reason}).")]
    checked = {True: " (matches the kit catalog's published checksum)",
               False: " (does NOT match the catalog's checksum)", None: ""}[m.catalog_sha256_matches]
    return [
        ("Name", m.title or m.name),
        ("Type", "Large language model (Llama-family architecture, GGUF file run by llama.cpp)"
         + (f", {m.quantization} quantization" if m.quantization else "")),
        ("Developer / source", m.developer or f"{TODO} who developed the model."),
        ("Licence", m.licence or f"{TODO} the model's licence (not in the kit's catalog)."),
        ("Version (file SHA-256)", f"`{m.sha256}`{checked}"),
        ("File", f"`{m.path}` (chosen by: {m.source})" + ("" if m.from_run else "; no run yet: the model the kit "
                                                          "would load now")),
        ("Context length", str(m.context_length) if m.context_length else "see the model card"),
        ("How it was trained", "Pre-trained and instruction-tuned by its developer; not trained or fine-tuned by "
         f"this project. {TODO} any fine-tuning done for the service."),
        ("Notes", m.notes or ""),
    ]


def _figures(f: TransparencyFacts) -> list[Block]:
    blocks = [_h(4, "Evaluation and performance figures")]
    if f.run is None:
        return blocks + [_p(f"Figures: {NOT_MEASURED}. Run `kit run {display_path(f.notebook)}` and draft again.")]
    if not f.run.figures:
        return blocks + [_p(f"The run {f.run.run_id} recorded no figures.")]
    rows = [(fig.name, shown(fig.value), fig.unit, fig.note, REF) for fig in f.run.figures]
    settings = ", ".join(f"{k}={v!r}" for k, v in f.run.parameters.items())
    return blocks + [
        _p(f"From the notebook's latest successful `kit run` ({f.run.run_id}, started {f.run.started_utc}), "
           f"with parameters: {settings or 'the defaults'}. Evaluation data is described in 2.5; figures on "
           "synthetic data are not real-world results."),
        _table(("Figure", "Value", "Unit", "Note", "Source"), rows),
    ]


def _tool(f: TransparencyFacts) -> list[Block]:
    run = f.run
    arch = ("A Jupyter notebook (`{}`) calling the kit's Python library; the model runs in-process through "
            "llama.cpp on the user's machine; no cloud service.").format(f.notebook.name)
    if run:
        arch += (f" Run with fellowship-kit {run.kit_version}, llama-cpp-python {run.llama_cpp_python_version}; "
                 f"notebook SHA-256 `{run.notebook_sha256}`.")
    return [
        _h(3, "2.4 Tool specification"),
        _ul(f"**System architecture:** {arch}",
            f"**Phase:** a prototype made with fellowship-kit. {TODO} the phase in the service (pre-deployment, "
            "beta/pilot, production or retired).",
            f"**Maintenance:** {TODO} who maintains and re-evaluates the tool, and how often."),
        _h(4, "Models"),
        _table(("Field", "Value"), _model_rows(f)),
        *_figures(f),
    ]


def _data(f: TransparencyFacts) -> list[Block]:
    blocks = [_h(3, "2.5 Data specification")]
    if not f.datasets:
        blocks.append(_p("The notebook uses no dataset of its own (only short example text written into it)."))
    for card in f.datasets:
        if not card.present:
            blocks.append(_p(f"**{card.title}:** the card {card.path} is missing on this machine. {TODO} describe it."))
            continue
        blocks += [_h(4, card.title), _table(("Field", "Value"), [
            ("Description", card.summary or "see the card"),
            ("Synthetic or real", card.kind),
            ("Licence", card.licence or f"{TODO} the licence (the card does not state one)."),
            ("Attribution", card.attribution or "none required"),
            ("How it was made / source", card.how_made or "see the card"),
            ("Dataset card", f"`{card.path}`"),
        ])]
        if card.limitations:
            blocks += [_p("Limitations stated in the card:"), _ul(*card.limitations)]
    blocks += [
        _ul(f"**Personal data:** the evaluation data above is what the prototype was tested on. {TODO} the data "
            "the service will process in use, whether it includes personal or special category data, and the "
            "lawful basis.",
            f"**Data sharing, retention and access:** {TODO} retention periods and who may access the run log, "
            "cache and outputs listed below.",
            f"**Data cleaning:** {TODO} any preparation of the service's own data."),
        _h(4, "Data flows"),
        _ul(*(f"**{flow.topic}:** {flow.statement}" for flow in f.data_flows)),
    ]
    return blocks


def _risks(f: TransparencyFacts) -> list[Block]:
    limits = f.text.limitations or (f"{TODO} the notebook has no '## Limitations' section; list what the tool "
                                    "cannot do.",)
    return [
        _h(3, "2.6 Risks, mitigations and impact assessments"),
        _p("Known limitations, as the notebook states them:"), _ul(*limits),
        _p("Impact assessments and other risks:"),
        _ul(f"**Data protection impact assessment (DPIA):** {TODO} whether one was done, its date and a link.",
            f"**Equality impact assessment (EqIA):** {TODO} whether one was done, its date and a link.",
            f"**Other risks and mitigations:** {TODO} risks in the service's own context and how they are handled."),
    ]


def _provenance(f: TransparencyFacts) -> list[Block]:
    blocks = [_h(2, "Provenance")]
    run = f.run
    if run is None:
        return blocks + [_p(f"No `kit run` of {f.notebook.name} was found: every figure is {NOT_MEASURED}.")]
    sha = run.model.get("sha256", "unknown")
    rows = [(fig.name, exact(fig.value), f"`{run.manifest}`", run.started_utc, f"`{sha}`") for fig in run.figures]
    blocks += [
        _table(("Figure", "Value as recorded", "Run manifest", "Run started (UTC)", "Model SHA-256"), rows)
        if rows else _p("The run recorded no figures."),
        _table(("Run", "Detail"), [
            ("Run id", run.run_id), ("Manifest", f"`{run.manifest}`"), ("Executed notebook", f"`{run.executed}`"),
            ("Started / finished (UTC)", f"{run.started_utc} / {run.finished_utc}"),
            ("Seconds", shown(run.seconds)), ("Notebook SHA-256", f"`{run.notebook_sha256}`"),
            ("Model", f"{run.model.get('name', 'unknown')}, SHA-256 `{sha}`"),
        ]),
    ]
    if f.notebook_changed_since_run:
        blocks.append(_p(f"Note: {f.notebook.name} has changed since this run (its SHA-256 differs from the one "
                         f"the manifest records). Run it again with `kit run` before relying on these figures."))
    if f.later_failed_runs:
        blocks.append(_p(f"Later runs that failed and are not used here: {', '.join(f.later_failed_runs)}."))
    blocks.append(Block("footnote", f"Run manifest `{run.manifest}`, started {run.started_utc} UTC, model SHA-256 "
                                    f"`{sha}`.", level=1))
    return blocks


def blocks(f: TransparencyFacts) -> list[Block]:
    """The whole record, in the standard's order, ending with the provenance of every figure."""
    source = f"its latest `kit run` ({f.run.run_id})" if f.run else f"no `kit run` yet (figures {NOT_MEASURED})"
    return [
        _h(1, f"Algorithmic transparency record (draft): {f.text.title}"),
        _p(f"Drafted by `kit transparency` on {f.generated_utc} from `{f.notebook.name}` and {source}, following "
           f"the {f.standard}. Every line marked '{TODO}' needs facts only the team running the service has; the "
           "kit does not guess them. Figures come from a prototype evaluated on the datasets in 2.5 and are not "
           "real-world results."),
        *_tier1(f), *_owner_and_rationale(f), *_tool(f), *_data(f), *_risks(f), *_provenance(f),
    ]
