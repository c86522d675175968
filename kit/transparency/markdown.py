"""Render the record's blocks as Markdown (GitHub-flavoured: pipe tables and footnotes)."""

from __future__ import annotations

from kit.transparency.blocks import REF, Block


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(blocks: list[Block]) -> str:
    """The record as one Markdown document."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out.append(f"{'#' * block.level} {block.text}")
        elif block.kind == "para":
            out.append(block.text)
        elif block.kind == "bullets":
            out.append("\n".join(f"- {item}" for item in block.items))
        elif block.kind == "table":
            lines = ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(block.header)]
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
        elif block.kind == "footnote":
            out.append(f"{REF}: {block.text}")
    return "\n\n".join(out) + "\n"
