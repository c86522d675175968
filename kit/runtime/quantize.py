"""Make a quantised GGUF locally with llama.cpp's llama-quantize: checked first, with progress, never a half file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kit import hashing, paths
from kit.errors import QuantizeError
from kit.progress import progress_bar
from kit.runtime import gguf, models, native
from kit.runtime.quant_types import (
    QuantType, estimate_bytes, file_type_name, is_quantized, output_name, parse_progress, parse_type,
    requantize_problem,
)

TOOL = "llama-quantize"
# Written into the new file's GGUF header (llama-quantize --override-kv), so the record travels with the file.
FROM_FILE, FROM_SHA256, TYPE_KEY, MADE_WITH = (
    "kit.quantized_from", "kit.quantized_from_sha256", "kit.quantize_type", "kit.quantized_with")
PROVENANCE_KEYS = (FROM_FILE, FROM_SHA256, TYPE_KEY, MADE_WITH)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Plan:
    """What :func:`quantize` will do, worked out and checked before llama-quantize runs."""

    source: Path
    source_type: str | None  # the source's type name, None where the kit does not know it
    target: QuantType
    output: Path
    name: str  # the name the result is registered under
    requantize: bool  # llama-quantize needs --allow-requantize (the source holds quantised tensors)
    needed_bytes: int


def tool_path(on_line: Callable[[str], None] | None = None) -> Path:
    """The llama-quantize binary; an install built before the kit shipped it gets just that tool built now."""
    path = native.tool_path(TOOL)
    if path is None:
        native.build(on_line=on_line, targets=(TOOL,))
        path = native.tool_path(TOOL)
    if path is None:
        raise QuantizeError(f"{TOOL} could not be built. Run `kit build-server` and look at its output.")
    return path


def plan(source: str | os.PathLike, qtype: str, *, name: str | None = None, allow_requantize: bool = False,
         force: bool = False, folder: Path | None = None) -> Plan:
    """Check a quantisation before running it: the type, the source, the requantise rule, the output, disk space."""
    target = parse_type(qtype)
    if source is None or not os.fspath(source).strip():
        raise QuantizeError("Say which model to quantise: a model name (`kit models list`) or a .gguf path.")
    src = models.resolve(source).path.resolve()
    header = gguf.read_header(src)
    source_type = file_type_name(header.metadata.get("general.file_type"))
    problem = requantize_problem(source_type, target)
    if problem and not allow_requantize:
        raise QuantizeError(problem)
    folder = Path(folder) if folder else paths.models_dir()
    output = (folder / output_name(src, target)).resolve()
    if output == src:
        raise QuantizeError(f"{src.name} is already {target.name}: the output would overwrite the source.")
    if output.exists() and not force:
        raise QuantizeError(
            f"{output} already exists. Load it with kit.load_model({str(output)!r}), or pass force=True "
            "(--force) to make it again."
        )
    name = name or output.name[: -len(".gguf")]
    registered = models.added_models().get(name)
    if name in models.known_names() and not force and (registered is None or Path(registered) != output):
        raise QuantizeError(
            f"A model called {name!r} already exists. Choose another name (--name), or pass force=True (--force)."
        )
    needed = estimate_bytes(header.file_size, source_type, target)
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise QuantizeError(
            f"Not enough disk space in {folder}: a {target.name} of {src.name} needs about {needed / 1e6:,.0f} MB "
            f"and {free / 1e6:,.0f} MB is free. Free some space, or set KIT_MODELS_DIR to a folder on a bigger disk."
        )
    requantize = allow_requantize or is_quantized(source_type)
    return Plan(src, source_type, target, output, name, requantize, needed)


def command(exe: Path, job: Plan, part: Path, provenance: dict[str, str], threads: int | None) -> list[str]:
    """The llama-quantize command line that writes ``job`` into ``part``."""
    cmd = [str(exe)]
    if job.requantize:
        cmd.append("--allow-requantize")
    for key, value in provenance.items():
        cmd += ["--override-kv", f"{key}=str:{value[:127]}"]  # llama.cpp keeps 127 characters
    cmd += [str(job.source), str(part), job.target.name]
    return cmd + ([str(threads)] if threads else [])


def quantize(source: str | os.PathLike, qtype: str, *, name: str | None = None, allow_requantize: bool = False,
             force: bool = False, threads: int | None = None, on_progress: Progress | None = None,
             progress: bool = False, on_build_line: Callable[[str], None] | None = None) -> Path:
    """Quantise a model (name or .gguf path) to ``qtype`` into the models folder, register it, return its path.

    Args:
        source: the higher-precision model: a catalog/added name, ``"embedded"`` or a .gguf path.
        qtype: a llama-quantize type such as ``"Q8_0"`` or ``"Q4_K_M"`` (see ``quant_types.TYPES``).
        name: the name to register it under (default: the new file's name without ``.gguf``).
        allow_requantize: also make types that are not lower precision than a quantised source (quality
            does not come back: only for tests and conversions you mean).
        force: replace an existing output file or name.
        threads: llama-quantize threads (default ``KIT_THREADS``, else all cores).
        on_progress: called with ``(tensors done, tensors in all)`` after each tensor.
        progress: show a tqdm bar on stderr when ``on_progress`` is not given.
        on_build_line: build output, where llama-quantize has to be built first (once, a few minutes; with
            ``progress`` and no callback, a percentage is printed).

    The new file is written under a temporary name and renamed only on success, so a failed or interrupted
    run leaves nothing behind. Its header records the source file, its SHA-256, the type and the llama.cpp
    version (``kit models info NAME`` shows them).
    """
    job = plan(source, qtype, name=name, allow_requantize=allow_requantize, force=force)
    exe = tool_path(on_build_line or (native.progress_printer(f"Building {TOOL}") if progress else None))
    provenance = {FROM_FILE: job.source.name, FROM_SHA256: hashing.cached_sha256(job.source),
                  TYPE_KEY: job.target.name, MADE_WITH: f"llama-cpp-python {native.llama_cpp_version()}"}
    threads = threads or _env_threads()
    part = job.output.with_name(f".{job.output.name}.{os.getpid()}.part")
    with _progress_sink(on_progress, progress, job) as report:
        try:
            _run(command(exe, job, part, provenance, threads), report)
            gguf.read_header(part)  # a file llama.cpp wrote but the kit cannot read is not a result
            part.replace(job.output)
        finally:
            part.unlink(missing_ok=True)
    models.add(job.output, name=job.name)
    return job.output


def _env_threads() -> int | None:
    value = os.environ.get("KIT_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _run(cmd: list[str], report: Progress) -> None:
    tail: deque[str] = deque(maxlen=12)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip())
            counts = parse_progress(line)
            if counts:
                report(*counts)
        code = proc.wait()
    except BaseException:  # interrupted: stop llama-quantize before the partial file is removed
        proc.kill()
        proc.wait()
        raise
    if code != 0:
        raise QuantizeError(_failure(tail, code))


def _failure(tail: deque[str], code: int) -> str:
    text = "\n".join(tail)
    if "requantizing from type" in text:
        return ("llama-quantize refused: the source holds quantised tensors. Quantise the F16 original, or "
                "pass allow_requantize=True (--allow-requantize) if you accept the loss of quality.")
    lines = [line.strip() for line in tail if line.strip()]
    reasons = [line for line in lines if "failed to quantize:" in line or "error" in line.lower()]
    last = (reasons or lines or ["no output"])[-1]
    return f"llama-quantize failed (exit code {code}): {last.strip()}"


class _progress_sink:
    """A context that turns tensor counts into the caller's callback, a tqdm bar, or nothing."""

    def __init__(self, on_progress: Progress | None, bar: bool, job: Plan):
        self.on_progress, self.want_bar, self.job, self.bar = on_progress, bar and on_progress is None, job, None

    def __enter__(self) -> Progress:
        return self.report

    def report(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total)
        elif self.want_bar:
            if self.bar is None:
                self.bar = progress_bar(total, f"{self.job.target.name} {self.job.source.name}", unit="tensor",
                                        file=sys.stderr)
            self.bar.update(done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
