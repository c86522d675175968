"""The record's content as plain blocks in the order of the ATRS v3 template: Tier 1, Tier 2 sections 2.1-2.4 here,
2.5 and 2.6 in ``data_spec``, the provenance of every figure in ``provenance``."""

from __future__ import annotations

from kit.transparency.blocks import NOT_MEASURED, REF, TODO, Block, bullets, heading, para, shown, table
from kit.transparency.capabilities import ROOT
from kit.transparency.collect import TransparencyFacts
from kit.transparency.data_spec import data_specification, risks
from kit.transparency.provenance import provenance
from kit.transparency.scrub import public_name

__all__ = ["NOT_MEASURED", "REF", "TODO", "Block", "blocks"]


def _known(value: str, prompt: str) -> str:
    """What the kit knows, else the prompt for the service owner."""
    return value or f"{TODO} {prompt}"


def _tier1(f: TransparencyFacts) -> list[Block]:
    return [
        heading(2, "Tier 1: Summary"),
        bullets(f"**Name:** {f.text.title}",
                f"**Description:** {_known(f.text.what_it_shows, 'a plain-English description of the tool.')}",
                f"**Website and contact:** {TODO} a web page about the tool and a contact email for questions.",
                f"**How it is used:** {TODO} where the tool sits in the service and who uses it. The prototype "
                f"notebook says it is for: {f.text.who_it_is_for or 'not stated'}",
                f"**Why it is used:** {TODO} the problem the service is solving and why this tool."),
    ]


def _owner_and_rationale(f: TransparencyFacts) -> list[Block]:
    version = f.run.kit_version if f.run else None
    how = f.tool.how if f.tool else ""
    return [
        heading(2, "Tier 2: Detailed information"),
        heading(3, "2.1 Owner and responsibility"),
        bullets(f"**Organisation, team and senior responsible owner:** {TODO} names and role titles.",
                "**Software:** built with fellowship-kit" + (f" {version}" if version else "")
                + ", open source; the model is run locally, not supplied as a service. "
                f"{TODO} any external supplier, its role, procurement route and its access to data."),
        heading(3, "2.2 Description and rationale"),
        bullets(f"**Detailed description:** {_known(how, 'how the tool works, step by step, beyond Tier 1.')}",
                f"**Scope:** {TODO} what the service will use the tool for, and what it must not be used for. The "
                "prototype was evaluated only on the data in 2.5.",
                f"**Benefits:** {TODO} the benefits the service expects, and how they will be measured.",
                f"**Previous process:** {TODO} the process the tool replaces or supports, how it was done before, "
                "and how the tool's results compare with it.",
                f"**Alternatives considered:** {TODO} non-algorithmic and other options, and why this one."),
        heading(3, "2.3 Decision-making process"),
        bullets(f"**Process integration:** {TODO} the decisions the tool informs and at which step.",
                "**Provided information:** " + (f"the tool gives: {f.tool.outputs} " if f.tool and f.tool.outputs
                                                else "") + f"{TODO} how this is shown to the people who use it.",
                f"**Frequency and scale of usage:** {TODO} how often the tool will be used and on how many items "
                "(documents, messages, cases) a day or month. Speed figures in 2.4, if any, were measured on one "
                "machine for the prototype and say nothing about the service's volume.",
                f"**Human decisions and review:** {TODO} who reviews the tool's output before it affects anyone, "
                "and how.",
                f"**Required training:** {TODO} the training staff need before using the tool and reviewing its "
                "output.",
                f"**Appeals and review:** {TODO} how a person can challenge a decision the tool informed."),
    ]


def _model_rows(f: TransparencyFacts) -> list[tuple[str, ...]]:
    tool = f.tool
    about = [
        ("Model task", _known(tool.task if tool else "", "what the model is asked to do.")),
        ("Model input", _known(tool.inputs if tool else "", "what the model is given.")),
        ("Model output", _known(tool.outputs if tool else "", "what the model returns.")),
        ("Model performance", "The figures below, from the notebook's latest `kit run`." if f.run and f.run.figures
         else f"{NOT_MEASURED}: no recorded figures."),
        ("Datasets", "; ".join(card.title for card in f.datasets)
         or "none of its own (short examples in the notebook)"),
        ("Dataset purposes", "Evaluation of the prototype only: the model was not trained or fine-tuned on them."
         if f.datasets else "none"),
    ]
    m = f.model
    if m is None:
        reason = f.run.model.get("error", "the run could not resolve a model") if f.run else "no model found"
        return [("Model name", f"{TODO} the model ({reason}).")] + about
    checked = {True: " (matches the kit catalog's published checksum)",
               False: " (does NOT match the catalog's checksum)", None: ""}[m.catalog_sha256_matches]
    return [
        ("Model name", m.title or m.name),
        ("Model version (file SHA-256)", f"`{m.sha256}`{checked}"),
        *about[:3],
        ("Model architecture", "Large language model (Llama-family architecture, GGUF file run by llama.cpp)"
         + (f", {m.quantization} quantization" if m.quantization else "")),
        ("Developer / source", m.developer or f"{TODO} who developed the model."),
        ("Licence", m.licence or f"{TODO} the model's licence (not in the kit's catalog)."),
        ("File", f"`{public_name(m.path, ROOT)}` (chosen by: {m.source})"
         + ("" if m.from_run else "; no run yet: the model the kit would load now")),
        ("Context length", str(m.context_length) if m.context_length else "see the model card"),
        ("How it was trained", "Pre-trained and instruction-tuned by its developer; not trained or fine-tuned by "
         f"this project. {TODO} any fine-tuning done for the service."),
        ("Notes", m.notes or ""),
        *about[3:],
    ]


def _figures(f: TransparencyFacts) -> list[Block]:
    blocks = [heading(4, "Evaluation and performance figures")]
    if f.run is None:
        return blocks + [para(f"Figures: {NOT_MEASURED}. Run `kit run {public_name(f.notebook, ROOT)}` and draft "
                              "again.")]
    if not f.run.figures:
        return blocks + [para(f"The run {f.run.run_id} recorded no figures.")]
    rows = [(fig.name, shown(fig.value), fig.unit, fig.note, REF) for fig in f.run.figures]
    settings = ", ".join(f"{k}={v!r}" for k, v in f.run.parameters.items())
    return blocks + [
        para(f"From the notebook's latest successful `kit run` ({f.run.run_id}, started {f.run.started_utc}), "
             f"with parameters: {settings or 'the defaults'}. Each note says how many items were scored and from "
             "which split (held-out rows are ones the rules and prompts were not tuned on). Evaluation data is "
             "described in 2.5; figures on synthetic data are not real-world results."),
        table(("Figure", "Value", "Unit", "Note", "Source"), rows),
    ]


def _tool(f: TransparencyFacts) -> list[Block]:
    run = f.run
    arch = (f"A Jupyter notebook (`{f.notebook.name}`) calling the kit's Python library; the model runs in-process "
            "through llama.cpp on the user's machine; no cloud service.")
    if run:
        arch += (f" Run with fellowship-kit {run.kit_version}, llama-cpp-python {run.llama_cpp_python_version}; "
                 f"notebook SHA-256 `{run.notebook_sha256}`.")
    return [
        heading(3, "2.4 Tool specification"),
        bullets(f"**System architecture:** {arch}",
                f"**Phase:** a prototype made with fellowship-kit. {TODO} the phase in the service "
                "(pre-deployment, beta/pilot, production or retired).",
                f"**Maintenance:** {TODO} who maintains and re-evaluates the tool, and how often."),
        heading(4, "Models"),
        table(("Field", "Value"), _model_rows(f)),
        *_figures(f),
    ]


def blocks(f: TransparencyFacts) -> list[Block]:
    """The whole record, in the standard's order, ending with the provenance of every figure."""
    source = f"its latest `kit run` ({f.run.run_id})" if f.run else f"no `kit run` yet (figures {NOT_MEASURED})"
    return [
        heading(1, f"Algorithmic transparency record (draft): {f.text.title}"),
        para(f"Drafted by `kit transparency` on {f.generated_utc} from `{f.notebook.name}` and {source}, following "
             f"the {f.standard}. Every line marked '{TODO}' needs facts only the team running the service has; the "
             "kit does not guess them. Figures come from a prototype evaluated on the datasets in 2.5 and are not "
             "real-world results. Files are named relative to the repository or by name alone: no local folder is "
             "given."),
        *_tier1(f), *_owner_and_rationale(f), *_tool(f), *data_specification(f), *risks(f), *provenance(f),
    ]
