"""Find a notebook's latest ``kit run`` manifest in the outputs folder and read the figures it points to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.errors import InputError


@dataclass(frozen=True)
class Figure:
    """One figure a run recorded with ``kit.record``, and the run it came from."""

    name: str
    value: Any
    unit: str
    note: str
    run_id: str


@dataclass(frozen=True)
class Run:
    """One finished ``kit run`` as its manifest records it."""

    run_id: str
    manifest: Path
    status: str
    started_utc: str
    finished_utc: str
    seconds: float | None
    parameters: dict[str, Any]
    model: dict[str, Any]
    storage: dict[str, Any]
    notebook_sha256: str
    executed: Path
    kit_version: str | None
    llama_cpp_python_version: str | None
    figures: tuple[Figure, ...]


def _manifests(stem: str, outputs: Path) -> list[dict]:
    pattern = re.compile(rf"^{re.escape(stem)}-\d{{8}}-\d{{6}}\.run\.json$")
    found = []
    for path in outputs.glob(f"{stem}-*.run.json") if outputs.is_dir() else ():
        if not pattern.match(path.name):
            continue
        try:
            facts = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a half-written or hand-broken manifest is not evidence of anything
        found.append({**facts, "_path": path})
    return sorted(found, key=lambda f: (f.get("started_utc", ""), f["_path"].name))


def _figures(facts: dict, manifest: Path) -> tuple[Figure, ...]:
    # the manifest names the figures file; beside the manifest is the fallback when the folder was moved
    named = Path(facts["figures_file"]) if facts.get("figures_file") else None
    beside = manifest.with_name(manifest.name.removesuffix(".run.json") + ".figures.json")
    for path in (named, beside):
        if path is not None and path.is_file():
            items = json.loads(path.read_text(encoding="utf-8"))
            return tuple(Figure(f["name"], f.get("value"), f.get("unit") or "", f.get("note") or "", manifest.name)
                         for f in items)
    if facts.get("figure_count"):
        raise InputError(f"The run {manifest.name} recorded {facts['figure_count']} figures but its figures file "
                         f"is missing ({beside}). Run the notebook again with `kit run`.")
    return ()


def _run(facts: dict) -> Run:
    manifest = facts["_path"]
    return Run(
        run_id=manifest.name, manifest=manifest.resolve(), status=facts.get("status", "unknown"),
        started_utc=facts.get("started_utc", ""), finished_utc=facts.get("finished_utc", ""),
        seconds=facts.get("seconds"), parameters=dict(facts.get("parameters", {}).get("effective", {})),
        model=dict(facts.get("model") or {}), storage=dict(facts.get("storage") or {}),
        notebook_sha256=facts.get("notebook", {}).get("sha256", ""), executed=Path(facts.get("output", "")),
        kit_version=facts.get("kit_version"), llama_cpp_python_version=facts.get("llama_cpp_python_version"),
        figures=_figures(facts, manifest),
    )


def latest_run(stem: str, outputs: str | Path) -> tuple[Run | None, tuple[str, ...]]:
    """The latest successful run of notebook ``stem`` in ``outputs``, and the ids of failed runs after it."""
    found = _manifests(stem, Path(outputs))
    ok = [f for f in found if f.get("status") == "ok"]
    if not ok:
        return None, tuple(f["_path"].name for f in found)
    latest = ok[-1]
    later_failed = tuple(f["_path"].name for f in found[found.index(latest) + 1:])
    return _run(latest), later_failed
