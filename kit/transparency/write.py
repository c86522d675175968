"""Draft the record for a capability and write it as Markdown and/or Word."""

from __future__ import annotations

from pathlib import Path

from kit import paths
from kit.errors import InputError
from kit.transparency import docx, markdown
from kit.transparency.capabilities import ROOT
from kit.transparency.collect import collect
from kit.transparency.layout import blocks
from kit.transparency.scrub import refuse_paths, scrub

FORMATS = ("md", "docx")


def parse_formats(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"md,docx"`` as a tuple of known formats; an unknown one raises an error naming the valid ones."""
    items = [p.strip().lower().lstrip(".") for p in (text.split(",") if isinstance(text, str) else text)]
    items = [p for p in items if p]
    bad = [p for p in items if p not in FORMATS]
    if bad or not items:
        raise InputError(f"Unknown format {', '.join(bad) or '(none given)'}. Use md, docx or md,docx.")
    return tuple(dict.fromkeys(items))


def draft(target: str | Path, *, outputs: str | Path | None = None, output_dir: str | Path | None = None,
          formats: str | tuple[str, ...] = FORMATS, allow_no_run: bool = False) -> list[Path]:
    """Write ``<notebook>-transparency.md``/``.docx`` for ``target`` (a capability or notebook) and return the paths.

    The record is for publication, so no local folder goes into it: every path is scrubbed to a name relative to
    the repository or a bare file name, and a record that still holds one is refused (nothing is written).

    Args:
        outputs: where ``kit run`` left the runs (default: the outputs folder, ``KIT_OUTPUTS``).
        output_dir: where the record goes (default: ``<outputs>/transparency``).
        allow_no_run: draft even when the notebook was never run (figures then say "not measured yet").
    """
    wanted = parse_formats(formats)
    facts = collect(target, outputs, allow_no_run=allow_no_run)
    content = scrub(blocks(facts), ROOT)
    text = refuse_paths(markdown.render(content), "transparency record")
    folder = Path(output_dir) if output_dir else Path(outputs or paths.outputs_dir()) / "transparency"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{facts.notebook.stem}-transparency"
    written = []
    if "md" in wanted:
        path = folder / f"{stem}.md"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if "docx" in wanted:
        written.append(docx.write(content, folder / f"{stem}.docx"))
    return written
