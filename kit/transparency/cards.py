"""Read a dataset card (``datasets/*/README.md``): title, summary, licence, attribution, synthetic or real, its
split, and how much data the folder holds."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_LICENCE_LINE = re.compile(r"\blicen[cs]e\**:\**\s*(.+)", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"Contains public sector information[^.*\n]*\.?")


@dataclass(frozen=True)
class DatasetCard:
    """What a dataset card says about one dataset, and where the card is."""

    path: Path
    title: str
    summary: str
    licence: str | None
    attribution: str | None  # the wording a real dataset's licence requires to be carried
    kind: str  # "synthetic", "real" or "real and synthetic"
    how_made: str | None
    limitations: tuple[str, ...]
    present: bool = True
    splits: tuple[str, ...] = ()  # the card's account of its tuning/held-out split (a section, or "Splits:" lines)
    quantities: tuple[str, ...] = ()  # records, rows and files in the folder (:func:`quantities`)
    modality: str = "unknown"  # "text" when every data file is a text or document format


def sections(text: str) -> dict[str, str]:
    """Each heading's text (lower case) mapped to the body below it, up to the next heading."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            current = match.group(2).strip().strip("`").lower()
            found.setdefault(current, [])
        else:
            found[current].append(line)
    return {k: "\n".join(v).strip() for k, v in found.items()}


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each on one line, blockquote markers removed."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(line.lstrip("> ").strip() for line in b.splitlines()).strip() for b in blocks if b.strip()]


def bullets(text: str) -> list[str]:
    """The list items of a Markdown body (continuation lines joined), or its paragraphs when it has none."""
    items: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if re.match(r"^([-*]|\d+\.)\s+", stripped):
            items.append(re.sub(r"^([-*]|\d+\.)\s+", "", stripped))
        elif stripped and items and line.startswith((" ", "\t")):
            items[-1] += " " + stripped
    return items or paragraphs(text)


def _table_summary(table: str) -> str:
    """A Markdown table (joined on one line) as ``first: second`` per body row."""
    rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in table.split("| |")]
    body = [r for r in rows[1:] if r and not set("".join(r)) <= set("-: ")]
    return "; ".join(f"{r[0]}: {r[1]}" if len(r) > 1 else r[0] for r in body) + "."


def _first_section(parts: dict[str, str], *starts: str) -> str | None:
    for heading, body in parts.items():
        if heading and body and heading.startswith(starts):
            return body
    return None


def _sentence(text: str) -> str:
    text = text.replace("*", "").strip()
    return re.split(r"(?<=[.:])\s", text, maxsplit=1)[0].rstrip(":").strip()


def _table_licences(text: str) -> list[str]:
    """The distinct values of a Markdown table's ``licence`` column (cards that licence file by file)."""
    found: list[str] = []
    column = None
    for line in text.splitlines():
        if not line.strip().startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        lowered = [c.lower() for c in cells]
        if column is None and ("licence" in lowered or "license" in lowered):
            column = lowered.index("licence" if "licence" in lowered else "license")
        elif column is not None and column < len(cells) and not set(cells[column]) <= set("-: "):
            if cells[column] not in found:
                found.append(cells[column])
    return found


def _licence(text: str, parts: dict[str, str]) -> str | None:
    section = _first_section(parts, "licence", "license")
    if section:
        return _sentence(paragraphs(section)[0])
    table = _table_licences(text)
    if table:
        return "; ".join(table)
    for line in text.splitlines():
        match = _LICENCE_LINE.search(line) if "|" not in line else None
        if match:
            return _sentence(match.group(1))
    return None


def _splits(text: str, parts: dict[str, str]) -> tuple[str, ...]:
    section = paragraphs(parts.get("splits", ""))[:1]
    return (*section, *(p.removeprefix("Splits:").strip() for p in paragraphs(text) if p.startswith("Splits:")))


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        if path.suffix == ".jsonl":
            return sum(1 for line in handle if line.strip())
        return max(0, sum(1 for row in csv.reader(handle) if any(cell.strip() for cell in row)) - 1)


def quantities(folder: str | Path) -> tuple[str, ...]:
    """How much data a dataset folder holds: records per JSONL file, rows per CSV file (after its first row), and
    the number of other files per folder; scripts, the card and subfolders with a card of their own left out."""
    folder = Path(folder)
    found, others = [], {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        owned = any((folder / parent / "README.md").is_file() for parent in rel.parents if str(parent) != ".")
        if not path.is_file() or owned or path.suffix == ".py" or path.name == "README.md":
            continue
        if path.suffix in (".jsonl", ".csv"):
            unit = "records" if path.suffix == ".jsonl" else "rows after the first"
            found.append(f"{rel.as_posix()}: {_rows(path):,} {unit}")
        else:
            others.setdefault(rel.parent.as_posix(), []).append(path.suffix or path.name)
    for parent, kinds in others.items():
        where = "the folder itself" if parent == "." else f"{parent}/"
        counted = ", ".join(f"{kinds.count(k)} {k}" for k in sorted(set(kinds)))
        found.append(f"{where}: {len(kinds)} files ({counted})")
    return tuple(found)


TEXT_KINDS = {".jsonl", ".json", ".csv", ".md", ".txt", ".docx", ".pdf", ".vtt", ".eml"}


def modality(folder: str | Path) -> str:
    """"text" when every data file in the folder is a text or document format, else "mixed (see the card)"."""
    kinds = {p.suffix for p in Path(folder).rglob("*") if p.is_file() and p.suffix != ".py"}
    return "text" if kinds and kinds <= TEXT_KINDS else "mixed (see the card)" if kinds else "unknown"


def read_card(folder: str | Path) -> DatasetCard:
    """Parse ``folder/README.md``; a missing folder gives a card marked not present (the record says so)."""
    folder = Path(folder)
    path = folder / "README.md"
    if not path.is_file():
        return DatasetCard(path, folder.name, "", None, None, "unknown", None, (), present=False)
    text = path.read_text(encoding="utf-8")
    parts = sections(text)
    title = next((m.group(2) for line in text.splitlines() if (m := _HEADING.match(line)) and m.group(1) == "#"),
                 folder.name)
    intro = paragraphs(parts.get(title.strip("`").lower(), "") or parts.get("", ""))
    if len(intro) > 1 and intro[0].endswith(":") and intro[1].startswith("|"):
        intro[0] += " " + _table_summary(intro[1])
    attribution = _ATTRIBUTION.search(text)
    lowered = text.lower()
    synthetic = "synthetic" in lowered
    real = attribution is not None or "(real" in lowered or "real public" in lowered
    kind = "real and synthetic" if synthetic and real else "real" if real else "synthetic" if synthetic else "unknown"
    how = _first_section(parts, "how it was made", "labels and how", "the real records")
    limits = _first_section(parts, "known limitations", "limits", "limitations", "what it is not")
    return DatasetCard(
        path=path, title=title.strip(), summary=intro[0] if intro else "",
        licence=_licence(text, parts), attribution=attribution.group(0).strip() if attribution else None,
        kind=kind, how_made=" ".join(paragraphs(how)[:2]) if how else None,
        limitations=tuple(bullets(limits)) if limits else (),
        splits=_splits(text, parts), quantities=quantities(folder), modality=modality(folder),
    )
