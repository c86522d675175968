"""Render the record's blocks as a Word document with python-docx (footnote markers become numbered notes)."""

from __future__ import annotations

import re
from pathlib import Path

from kit.errors import KitError
from kit.transparency.blocks import REF, Block

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]^]+)\]\(([^)\s]+)\)")


def _plain(text: str) -> str:
    """Markdown inline marks as Word shows them: code marks dropped, links as ``text (address)``."""
    return _LINK.sub(r"\1 (\2)", text.replace(REF, "[1]").replace("`", ""))


def _runs(paragraph, text: str) -> None:
    """Add ``text`` to ``paragraph``, with ``**bold**`` parts in bold."""
    pieces = _BOLD.split(_plain(text))
    for i, piece in enumerate(pieces):
        if piece:
            paragraph.add_run(piece).bold = i % 2 == 1


def write(blocks: list[Block], path: str | Path) -> Path:
    """Write the record to ``path`` (.docx) and return it."""
    try:
        import docx
    except ImportError:
        raise KitError("Writing .docx needs python-docx. Run `pip install python-docx`, or use --format md.") from None
    document = docx.Document()
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(_plain(block.text), level=min(block.level - 1, 9))
        elif block.kind == "para":
            _runs(document.add_paragraph(), block.text)
        elif block.kind == "bullets":
            for item in block.items:
                _runs(document.add_paragraph(style="List Bullet"), item)
        elif block.kind == "table":
            table = document.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = _plain(text)
        elif block.kind == "footnote":
            document.add_heading("Notes", level=3)
            document.add_paragraph(f"[1] {_plain(block.text)}")
    path = Path(path)
    document.save(str(path))
    return path
