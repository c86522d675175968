"""Translate many documents (a folder or a list of paths) or a polars column, resumably.

A state file beside the outputs records each finished document by the hash of its content and
settings, so a second run after an interruption skips what is done. The state holds hashes, counts
and (outside confidential mode) output file names, never document text.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kit import batch as kit_batch
from kit import limits, privacy
from kit import store as kit_store
from kit.errors import InputError, KitError
from kit.model import ChatModel
from kit.paths import write_atomic
from kit.translate.formats import EXTENSIONS
from kit.translate.glossary import Glossary, load_glossary
from kit.translate.languages import LANGUAGES, get_language
from kit.translate.translator import GlossaryLike, translate, translate_bytes

STATE_FILE = "translation_state.json"
STATE_VERSION = 1


def _documents(docs: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(docs, (str, Path)):
        folder = Path(docs)
        if not folder.is_dir():
            raise InputError(f"{folder} is not a folder. Give a folder of .txt/.md/.docx files or a list of paths.")
        # Skip earlier outputs ("letter.cy.md") in case the output folder is the input folder.
        return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS
                      and Path(p.stem).suffix.lstrip(".") not in LANGUAGES)
    paths = [Path(p) for p in docs]
    for path in paths:
        if not path.is_file():
            raise InputError(f"No file at {path}. Check the list of documents.")
    return paths


def _settings_key(model: ChatModel, target: str, source: str, glossary: Glossary | None, kw: Mapping[str, Any]) -> str:
    """A hash of everything besides the document that changes its translation."""
    payload = json.dumps({
        "model": model.info.sha256, "target": target, "source": source,
        "glossary": sorted(glossary.to_dict().items()) if glossary else None,
        "options": {k: repr(v) for k, v in sorted(kw.items())},
    }, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _State:
    """The resume file: finished documents by key, written atomically after each one."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.done: dict[str, dict[str, Any]] = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == STATE_VERSION:
                    self.done = dict(data.get("done", {}))
            except (OSError, ValueError):
                self.done = {}  # a damaged state file only means redoing work

    def finish(self, key: str, record: dict[str, Any]) -> None:
        """Record a finished document and write the state file (atomically, so a crash cannot corrupt it)."""
        with self.lock:
            self.done[key] = record
            write_atomic(self.path, json.dumps({"version": STATE_VERSION, "done": self.done}, indent=1))


def translate_batch(model: ChatModel, docs: str | Path | Iterable[str | Path], *, target: str, source: str = "auto",
                    glossary: GlossaryLike = None, output_dir: str | Path | None = None,
                    state_dir: str | Path | None = None, progress: bool = True, **kw: Any):
    """Translate every document, writing ``<name>.<target><ext>`` files; finished ones are skipped on a rerun.

    Args:
        docs: a folder (its .txt/.md/.docx files) or a list of paths.
        output_dir: where translations go (default: ``translated_<target>`` beside the first document).
        state_dir: where the resume state lives (default: ``output_dir``).
        **kw: passed to ``translate`` (``back_translate``, ``max_segment_tokens``, ``gen``, ``max_segments``,
            ``max_bytes``...); a document over a limit (``kit.limits``) is a failed row, the others are translated.

    Returns:
        A polars DataFrame: one row per document with its output, status, segments, flagged, not_translated
        (segments whose original is kept; the output ends with a review note listing them) and seconds.
    """
    import polars as pl

    paths = _documents(docs)
    target = get_language(target).code
    loaded = load_glossary(glossary) if glossary is not None else None
    out_dir = Path(output_dir) if output_dir is not None else (
        (paths[0].parent if paths else Path.cwd()) / f"translated_{target}"
    )
    kit_store.private_dir(out_dir)  # the translations hold the documents' text: a folder the kit makes is 0700
    state = _State(Path(state_dir or out_dir) / STATE_FILE)
    settings = _settings_key(model, target, source, loaded, kw)
    confidential = privacy.is_confidential()

    def run(path: Path) -> dict[str, Any]:
        output = out_dir / f"{path.stem}.{target}{path.suffix.lower()}"
        row = {"document": str(path), "output": str(output), "status": "skipped", "segments": None,
               "flagged": None, "not_translated": None, "seconds": 0.0, "error": None}
        try:  # a file over the limit costs its row, before it is read
            limits.check("translate_bytes", path.stat().st_size, path.name, override=kw.get("max_bytes"))
        except limits.LimitError as exc:
            return {**row, "status": "failed", "output": None, "error": str(exc)}
        data = path.read_bytes()
        key = hashlib.sha256(settings.encode() + hashlib.sha256(data).digest()).hexdigest()
        if key in state.done and output.is_file():
            done = state.done[key]
            return {**row, "segments": done["segments"], "flagged": done["flagged"],
                    "not_translated": done.get("not_translated")}
        started = time.perf_counter()
        try:
            result = translate_bytes(model, data, path.name, target=target, source=source, glossary=loaded,
                                     workers=1, **kw)
        except KitError as exc:
            return {**row, "status": "failed", "output": None, "error": str(exc)}
        result.save(output)
        record = {"segments": len(result.segments), "flagged": result.flagged,
                  "not_translated": len(result.not_translated)}
        if not confidential:
            record["output"] = output.name
        state.finish(key, record)
        return {**row, "status": "translated", "seconds": round(time.perf_counter() - started, 3), **record,
                "output": str(output)}

    rows = kit_batch.map(run, paths, model=model, progress=progress, desc=f"translate -> {target}")
    schema = {"document": pl.Utf8, "output": pl.Utf8, "status": pl.Utf8, "segments": pl.Int64,
              "flagged": pl.Int64, "not_translated": pl.Int64, "seconds": pl.Float64, "error": pl.Utf8}
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def translate_frame(frame, column: str, *, model: ChatModel, target: str, source: str = "auto",
                    glossary: GlossaryLike = None, progress: bool = True, **kw: Any):
    """Translate a text column of a polars DataFrame; adds ``<column>_<target>``, ``..._flags``, ``..._needs_review``.

    Empty or null cells stay null. Rows run concurrently when ``model.parallel > 1``.
    """
    import polars as pl

    if column not in frame.columns:
        raise InputError(f"No column {column!r} in the table. Its columns: {', '.join(frame.columns)}.")
    target = get_language(target).code
    loaded = load_glossary(glossary) if glossary is not None else None

    def run(text: Any) -> tuple[str | None, list[str] | None, bool | None]:
        if text is None or not str(text).strip():
            return None, None, None
        result = translate(model, str(text), target=target, source=source, glossary=loaded, workers=1, **kw)
        flags = sorted({flag for segment in result.segments for flag in segment.flags})
        return result.text, flags, result.flagged > 0

    results = kit_batch.map(run, frame.get_column(column).to_list(), model=model, progress=progress,
                            desc=f"translate {column} -> {target}")
    name = f"{column}_{target}"
    return frame.with_columns(
        pl.Series(name, [r[0] for r in results], dtype=pl.Utf8),
        pl.Series(f"{name}_flags", [r[1] for r in results], dtype=pl.List(pl.Utf8)),
        pl.Series(f"{name}_needs_review", [r[2] for r in results], dtype=pl.Boolean),
    )
