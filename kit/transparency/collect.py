"""Gather what the kit knows about a capability into one frozen record: model, data, figures, flows, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kit import paths
from kit.hashing import sha256_file
from kit.errors import InputError, KitError
from kit.transparency.capabilities import ROOT, Capability, find
from kit.transparency.cards import DatasetCard, read_card
from kit.transparency.notebook import NotebookText, read_notebook
from kit.transparency.runs import Run, latest_run
from kit.transparency.scrub import public_name

STANDARD = "Algorithmic Transparency Recording Standard (UK), template v3.0"


@dataclass(frozen=True)
class ModelFacts:
    """The model a run used: identity from the run manifest, provenance from the kit's catalog."""

    name: str
    path: str
    sha256: str
    source: str  # how it was chosen: argument, KIT_MODEL, config or embedded
    title: str | None = None
    developer: str | None = None  # where the weights come from (the catalog's repository)
    licence: str | None = None
    quantization: str | None = None
    context_length: int | None = None
    notes: str | None = None
    catalog_sha256_matches: bool | None = None  # None: not a catalog model
    from_run: bool = True  # False: no run yet, this is the model the kit would load now


@dataclass(frozen=True)
class DataFlow:
    """One statement of where data goes (or does not go) when the capability runs."""

    topic: str
    statement: str


@dataclass(frozen=True)
class TransparencyFacts:
    """Everything ``kit transparency`` knows about one capability; the renderers read only this."""

    capability: str
    notebook: Path
    text: NotebookText
    model: ModelFacts | None
    run: Run | None
    later_failed_runs: tuple[str, ...]
    datasets: tuple[DatasetCard, ...]
    data_flows: tuple[DataFlow, ...]
    generated_utc: str
    standard: str = STANDARD
    notebook_changed_since_run: bool = False
    tool: Capability | None = None  # what the kit knows about the capability (how it works, model task, in, out)


def _catalog_facts(name: str, sha256: str) -> dict[str, Any]:
    from kit.runtime import catalog

    entries = catalog.load_catalog()
    entry = entries.get("smollm2-135m" if name == "embedded" else name)
    if entry is None:
        entry = next((e for e in entries.values() if e.sha256 == sha256), None)
    if entry is None:
        return {}
    return {"title": entry.title, "developer": entry.repo, "licence": entry.licence,
            "quantization": entry.quantization, "context_length": entry.context_length, "notes": entry.notes,
            "catalog_sha256_matches": entry.sha256 == sha256}


def model_facts(model: dict[str, Any], from_run: bool = True) -> ModelFacts | None:
    """A run manifest's model entry, completed from the catalog; None when the run could not resolve one."""
    if not model or "sha256" not in model:
        return None
    return ModelFacts(model.get("name", ""), model.get("path", ""), model["sha256"], model.get("source", ""),
                      from_run=from_run, **_catalog_facts(model.get("name", ""), model["sha256"]))


def _name(path: Any) -> str:
    """A stored path as the record may show it (repository-relative or the file name; never the local folder)."""
    return f"`{public_name(path, ROOT)}`" if path else "an unrecorded file"


def _on(value: Any) -> str:
    return "unknown" if value is None else "on" if value else "off"


def data_flows(run: Run | None, outputs: Path) -> tuple[DataFlow, ...]:
    """Where data goes when the capability runs, from the run's recorded settings (else the current ones)."""
    from kit.runner import storage_settings

    storage = run.storage if run and run.storage else storage_settings()
    when = "during the run" if run and run.storage else "now (no run recorded them)"
    params = run.parameters if run else {}
    server = params.get("server_url") or params.get("primary_url")
    flows = [
        DataFlow("Where the model runs", "On this machine, in-process through llama.cpp (llama-cpp-python"
                 + (f" {run.llama_cpp_python_version}" if run and run.llama_cpp_python_version else "")
                 + "). Prompts, documents and answers are not sent to any external service."
                 + (f" This run also used a llama-server at {server}; confirm it is on a machine the service "
                    "controls." if server else "")),
        DataFlow("Network", "None at run time. A model is downloaded only when a person runs "
                 "`kit models pull NAME` (from Hugging Face or a mirror set by KIT_HF_ENDPOINT), and its SHA-256 "
                 "is checked against the kit's catalog."),
        DataFlow("Run log", f"Every model call (time, model, settings, prompt, response, token counts, latency, "
                 f"cache hit) is written to a SQLite file readable only by the user ({_name(storage.get('run_log'))} "
                 "in the kit's data folder, KIT_HOME). "
                 f"Logging was {_on(storage.get('run_log_on'))} {when} (KIT_LOG)."),
        DataFlow("Response cache", f"Answers are cached by a hash of the prompt in {_name(storage.get('cache'))} "
                 "in the kit's data folder. "
                 f"Caching was {_on(storage.get('cache_on'))} {when} (KIT_CACHE); while redaction is on, an "
                 "answer holding personal data is not cached."),
        DataFlow("Redaction", f"Redaction of UK personal data in the run log and cache (KIT_REDACT, on by "
                 f"default) was {_on(storage.get('redaction_on'))} {when}."),
        DataFlow("Confidential mode", "Inside `kit.confidential()` nothing with text is written to disk: the "
                 "cache is skipped and the run log keeps timings only."
                 + (f" This run's `confidential` parameter was {params['confidential']}."
                    if "confidential" in params else "")),
        DataFlow("Outputs", f"Executed notebooks, their figures and run manifests are kept in the outputs folder "
                 f"({_name(outputs)}, KIT_OUTPUTS). "
                 "An executed notebook holds what its cells displayed, which can include text from the data."),
    ]
    return tuple(flows)


def _model_now() -> ModelFacts | None:
    from kit.runner import resolved_model

    return model_facts(resolved_model({}), from_run=False)


def collect(target: str | Path, outputs: str | Path | None = None, *, allow_no_run: bool = False,
            root: Path = ROOT) -> TransparencyFacts:
    """Gather the facts for ``target`` (a capability name or notebook path) from its latest ``kit run``.

    Raises:
        InputError: unknown capability, missing notebook, or (without ``allow_no_run``) no successful run.
    """
    capability, notebook = find(str(target), root)
    outputs = Path(outputs) if outputs else paths.outputs_dir()
    run, failed = latest_run(notebook.stem, outputs)
    if run is None and not allow_no_run:
        tried = f" Its runs there all failed: {', '.join(failed)}." if failed else ""
        raise InputError(
            f"{notebook.name} has no successful `kit run` in {outputs}.{tried} Run it first: "
            f"`kit run {display_path(notebook)}` (then draft again), point --outputs at the folder holding its runs, "
            "or pass --allow-no-run for a draft whose figures say 'not measured yet'."
        )
    try:
        model = model_facts(run.model) if run else _model_now()
    except KitError:
        model = None
    return TransparencyFacts(
        capability=capability.name, notebook=notebook.resolve(), text=read_notebook(notebook), model=model,
        run=run, later_failed_runs=failed if run else (), datasets=_cards(capability, root),
        data_flows=data_flows(run, outputs.resolve()),
        generated_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        notebook_changed_since_run=bool(run and run.notebook_sha256 != sha256_file(notebook)), tool=capability,
    )


def _cards(capability: Capability, root: Path) -> tuple[DatasetCard, ...]:
    return tuple(read_card((root / folder).resolve()) for folder in capability.datasets)


def display_path(notebook: Path) -> str:
    """The notebook path as a user would type it: relative to the current folder where it can be."""
    try:
        return str(notebook.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(notebook)
