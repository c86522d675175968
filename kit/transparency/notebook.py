"""What a capability's notebook says about itself: title, what it shows, who it is for, its limitations."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from kit.errors import InputError
from kit.transparency.cards import bullets

LIMITATIONS_HEADING = "## Limitations"


@dataclass(frozen=True)
class NotebookText:
    """The notebook's own words, as written in its markdown cells."""

    title: str
    what_it_shows: str
    who_it_is_for: str
    limitations: tuple[str, ...]


def _markdown_cells(path: Path) -> list[str]:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"Cannot read the notebook {path}: {exc}. Give a saved .ipynb file.") from None
    return ["".join(c.get("source", "")) for c in notebook.get("cells", []) if c.get("cell_type") == "markdown"]


def _labelled(text: str, label: str) -> str:
    """The paragraph that starts ``**Label.**`` without the label (and the list after it, if it ends with ':')."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    start = re.compile(rf"^\*\*{label}\.?\*\*\.?\s*", re.IGNORECASE)
    for i, block in enumerate(blocks):
        if start.match(block):
            found = [start.sub("", block)]
            while found[-1].endswith(":") and i + 1 < len(blocks) and not blocks[i + 1].startswith("**"):
                i += 1
                found.append(blocks[i])
            return " ".join(" ".join(found).split())
    return ""


def read_notebook(path: str | Path) -> NotebookText:
    """Parse the notebook's first markdown cell and its ``## Limitations`` cell."""
    cells = _markdown_cells(Path(path))
    intro = cells[0] if cells else ""
    title = next((line[2:].strip() for line in intro.splitlines() if line.startswith("# ")), Path(path).stem)
    limitations: tuple[str, ...] = ()
    for cell in cells:
        if cell.lstrip().startswith(LIMITATIONS_HEADING):
            body = cell.lstrip()[len(LIMITATIONS_HEADING):]
            limitations = tuple(" ".join(item.split()) for item in bullets(body))
            break
    return NotebookText(title, _labelled(intro, "What this shows"), _labelled(intro, "Who it is for"), limitations)
