"""``kit run``: execute a notebook with papermill into the outputs folder and collect its recorded figures."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from kit import figures, hashing, kernel, paths
from kit.errors import InputError, KitError
from kit.progress import enabled as progress_enabled

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class RunResult:
    """Where the executed notebook went, the figures it recorded, and its run manifest."""

    output: Path
    figures: list[dict]
    seconds: float
    manifest: Path | None = None


def parse_value(text: str) -> Any:
    """A CLI parameter value as a Python literal where it is one (``3``, ``0.5``, ``True``, ``None``), else text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The names in a notebook's ``parameters`` cell, with their inferred types and help."""
    import papermill

    return papermill.inspect_notebook(str(path))


def run_notebook(notebook: str | Path, parameters: dict[str, Any] | None = None, *,
                 output_dir: str | Path | None = None, progress: bool = True) -> RunResult:
    """Execute ``notebook`` with ``parameters`` (strings are read as literals) and return the result."""
    path = Path(notebook)
    if not path.is_file() or path.suffix != ".ipynb":
        raise InputError(f"No notebook at {path}. Give the path to a .ipynb file, e.g. notebooks/00_quickstart.ipynb.")
    params = {k: parse_value(v) if isinstance(v, str) else v for k, v in (parameters or {}).items()}
    known = notebook_parameters(path)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InputError(
            f"{path.name} has no parameter(s) {', '.join(unknown)}. "
            f"Its parameters are: {', '.join(known) or 'none (no cell tagged parameters)'}."
        )
    out_dir = Path(output_dir) if output_dir else paths.outputs_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
    run = execute(path, output, params, given=dict(parameters or {}), known=known, progress=progress)
    if run.status != "ok":
        raise KitError(run.message)
    return RunResult(output, run.figures, run.seconds, run.manifest)


@dataclass(frozen=True)
class Execution:
    """How one papermill execution ended, what it recorded, and its manifest."""

    notebook: Path
    output: Path
    status: str  # "ok" or "failed" (a cell raised)
    cell: int | None
    error_name: str | None
    error: str | None
    figures: list[dict]
    seconds: float
    manifest: Path

    @property
    def message(self) -> str:
        """One line saying where and how the run failed ("" when it did not)."""
        if self.status == "ok":
            return ""
        return (f"{self.notebook.name} failed in cell {self.cell}: {self.error_name}: {self.error}. "
                f"The partly executed notebook is at {self.output}.")


def execute(path: Path, output: Path, params: dict[str, Any], *, given: dict[str, Any] | None = None,
            known: dict[str, dict] | None = None, progress: bool = False) -> Execution:
    """Run ``path`` into ``output`` with papermill and write its manifest; a cell that raises is a failed run.

    ``params`` are passed as they are (already parsed); ``given`` is what the user typed, for the manifest.
    Anything else that stops the run (a dead kernel, Ctrl-C) is raised, after a manifest marked failed.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    known = known if known is not None else notebook_parameters(path)
    manifest = _Manifest(path, output, dict(params if given is None else given), params, known)
    started = time.perf_counter()
    status, cell, name, value = "ok", None, None, None
    try:
        with local_kernel() as kernel_options:
            papermill.execute_notebook(
                str(path), str(output), parameters=params, progress_bar=progress and progress_enabled(),
                kernel_name=kernel.name(),
                cwd=str(path.parent.resolve()), **kernel_options,
            )
    except PapermillExecutionError as exc:
        status, cell, name, value = "failed", exc.exec_count, exc.ename, exc.evalue
    except BaseException as exc:  # a dead kernel, Ctrl-C: still leave a manifest saying the run failed
        manifest.write("failed", collect_figures(output), time.perf_counter() - started,
                       f"{type(exc).__name__}: {exc}")
        raise
    found = collect_figures(output)
    seconds = time.perf_counter() - started
    run = Execution(path, output, status, cell, name, value, found, seconds, manifest_path(output))
    manifest.write(status, found, seconds, run.message or None)
    return run


IPC_AVAILABLE = os.name == "posix"  # ZeroMQ has no ipc:// sockets on Windows
TCP_NOTE = ("kit: this platform has no IPC sockets, so the notebook's kernel talks to kit run over TCP on "
            "127.0.0.1; Jupyter's \"without encryption\" warning means that local traffic, which never leaves "
            "this computer.")


@contextlib.contextmanager
def local_kernel() -> Iterator[dict[str, Any]]:
    """papermill options for a kernel reached over IPC sockets in a private folder, removed afterwards.

    Over IPC the kernel's traffic (code, outputs) goes through socket files only this user can open (the
    folder is 0700), never a TCP port another local user could connect to. Where IPC is not available
    (Windows) the kernel uses TCP on 127.0.0.1 and one line says what Jupyter's warning about it means.
    """
    if not IPC_AVAILABLE:
        print(TCP_NOTE, file=sys.stderr, flush=True)
        yield {}
        return
    from jupyter_client.manager import AsyncKernelManager

    # A short folder under the system's temporary one: a socket path must fit in ~100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="kit-kernel-"))  # mkdtemp makes it 0700

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(transport="ipc", ip=str(folder / "ipc"), connection_file=str(folder / "kernel.json"),
                             **kwargs)

    try:
        yield {"kernel_manager_class": IpcKernelManager}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def collect_figures(output: Path) -> list[dict]:
    """The figures in an executed (or partly executed) notebook, written beside it as ``.figures.json``."""
    try:
        found = figures.collect(json.loads(output.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []
    if found:
        output.with_suffix(".figures.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    return found


def manifest_path(output: str | Path) -> Path:
    """The run manifest beside an executed notebook: ``<stem>-<time>.run.json``."""
    return Path(output).with_suffix(".run.json")


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def resolved_model(parameters: dict[str, Any]) -> dict[str, Any]:
    """The model a run resolves (its ``model`` parameter, else the default chain), hashed, without loading it."""
    from kit.runtime import models

    choice = parameters.get("model")
    try:
        resolved = models.resolve(choice if isinstance(choice, str) and choice else None)
    except KitError as exc:
        return {"requested": choice, "error": str(exc)}
    facts = {"name": resolved.name, "path": str(resolved.path), "source": resolved.source,
             "sha256": hashing.cached_sha256(resolved.path)}
    server = parameters.get("server_url") or parameters.get("primary_url")
    if server:
        facts["note"] = f"answers may have come from the llama-server at {server}; this is the local model"
    return facts


def storage_settings() -> dict[str, Any]:
    """What the kit writes to disk during a run (the kernel inherits these settings) and where."""
    from kit import cache, redaction, runlog

    return {"run_log": str(paths.log_path()), "run_log_on": runlog.enabled_by_env(),
            "cache": str(paths.cache_path()), "cache_on": cache.enabled_by_env(),
            "redaction_on": redaction.enabled()}


class _Manifest:
    """Facts about one ``kit run``, known at the start, written as ``<run>.run.json`` when it ends."""

    def __init__(self, notebook: Path, output: Path, given: dict[str, Any], passed: dict[str, Any],
                 declared: dict[str, dict]):
        self.notebook, self.output = notebook, output
        effective = {name: parse_value(str(info.get("default"))) for name, info in declared.items()}
        effective.update(passed)
        self.facts: dict[str, Any] = {
            "manifest_version": MANIFEST_VERSION,
            "run_id": manifest_path(output).name,
            "notebook": {"path": str(notebook.resolve()),
                         "sha256": hashing.sha256_file(notebook)},
            "parameters": {"given": {k: v if isinstance(v, (int, float, bool, type(None))) else str(v)
                                     for k, v in given.items()},
                           "passed": _jsonable(passed), "effective": _jsonable(effective)},
            "started_utc": _utc_now(),
            "kit_version": _version("fellowship-kit"),
            "llama_cpp_python_version": _version("llama-cpp-python"),
            "model": resolved_model(effective),
            "storage": storage_settings(),
        }

    def write(self, status: str, found: list[dict], seconds: float, error: str | None = None) -> Path:
        """Write the manifest with the run's outcome; returns its path."""
        figures_file = self.output.with_suffix(".figures.json")
        self.facts.update(
            finished_utc=_utc_now(), seconds=round(seconds, 3), status=status, error=error,
            output=str(self.output.resolve()),
            figures_file=str(figures_file.resolve()) if found else None, figure_count=len(found),
        )
        target = manifest_path(self.output)
        target.write_text(json.dumps(self.facts, indent=2), encoding="utf-8")
        return target


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON can hold them (anything else as its repr)."""
    return {k: v if _is_json(v) else repr(v) for k, v in values.items()}


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def format_figures(found: list[dict]) -> str:
    """Recorded figures as an aligned two-column table."""
    width = max(len(f["name"]) for f in found)
    lines = []
    for f in found:
        value = f["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        lines.append(f"  {f['name']:<{width}}  {shown} {f.get('unit') or ''}".rstrip())
    return "\n".join(lines)
