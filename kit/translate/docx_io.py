"""Reading and writing .docx files with python-docx: every paragraph and table cell, in document order."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kit.errors import KitError
from kit.translate.errors import CorruptDocxError
from kit.translate.segments import Unit


def _import_docx():
    try:
        import docx
    except ImportError:
        raise KitError("python-docx is not installed. Install the kit's dependencies with `make install`.") from None
    return docx


@dataclass
class DocxDocument:
    """An opened .docx file and the paragraphs that hold its translatable units (one per unit)."""

    document: Any
    paragraphs: list[Any]
    units: list[Unit]


def _kind(paragraph: Any, in_table: bool) -> str:
    if in_table:
        return "table_cell"
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.startswith(("Heading", "Title", "Subtitle")):
        return "heading"
    ppr = paragraph._p.pPr
    if "List" in style or (ppr is not None and ppr.numPr is not None):
        return "list_item"
    return "paragraph"


def _walk(container: Any, in_table: bool = False) -> Iterator[tuple[Any, bool]]:
    """Paragraphs in reading order, descending into tables (each merged cell once) and nested tables."""
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            seen: set[int] = set()
            for row in item.rows:
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    yield from _walk(cell, True)
        else:
            yield item, in_table


def read_docx(data: bytes, name: str = "the .docx file") -> DocxDocument:
    """Open .docx bytes; the units are the non-empty paragraphs and table cells, in order.

    Raises:
        CorruptDocxError: the bytes are not a readable .docx (not a zip, or missing its document part).
    """
    docx = _import_docx()
    try:
        document = docx.Document(io.BytesIO(data))
        walked = list(_walk(document))
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds for a damaged file
        raise CorruptDocxError(
            f"{name} is not a readable .docx ({type(exc).__name__}: {str(exc)[:120]}). "
            "Open it in Word or LibreOffice and save it again as .docx (not .doc)."
        ) from None
    paragraphs, units = [], []
    for paragraph, in_table in walked:
        text = paragraph.text
        if text.strip():
            paragraphs.append(paragraph)
            units.append(Unit(_kind(paragraph, in_table), text.strip()))
    return DocxDocument(document, paragraphs, units)


# The elements the OOXML schema puts after w:bidi in a paragraph's properties, and after w:lang in a run's:
# a new element goes before them, as Word rejects misplaced ones.
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath", "w:rPrChange")


def _child(parent: Any, tag: str, successors: tuple[str, ...]) -> Any:
    """``parent``'s child ``tag``, added before ``successors`` when missing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert_element_before(found, *successors)
    return found


def _mark_direction(paragraph: Any, lang: str, rtl: bool) -> None:
    """Tag runs with the target language, and set right-to-left direction for Arabic-script targets."""
    from docx.oxml.ns import qn

    if rtl:
        _child(paragraph._p.get_or_add_pPr(), "w:bidi", _AFTER_BIDI)
    for run in paragraph._p.iter(qn("w:r")):
        rpr = run.get_or_add_rPr()
        if rtl:
            rpr.get_or_add_rtl()
        _child(rpr, "w:lang", _AFTER_LANG).set(qn("w:bidi") if rtl else qn("w:val"), lang)


def write_docx(doc: DocxDocument, translations: Sequence[str], *, lang: str, rtl: bool = False) -> bytes:
    """The document with each unit's paragraph holding its translation, as .docx bytes.

    The translation goes into the paragraph's first run (keeping that run's character style) and the
    other runs are emptied, so paragraph styles, list numbering and table layout are kept.
    """
    from docx.text.hyperlink import Hyperlink

    for paragraph, text in zip(doc.paragraphs, translations):
        runs = []
        for item in paragraph.iter_inner_content():
            runs.extend(item.runs if isinstance(item, Hyperlink) else [item])
        if not runs:
            continue
        runs[0].text = text
        for run in runs[1:]:
            run.text = ""
        _mark_direction(paragraph, lang, rtl)
    doc.document.core_properties.language = lang
    out = io.BytesIO()
    doc.document.save(out)
    return out.getvalue()


def docx_plain_text(units: Sequence[Unit], translations: Sequence[str]) -> str:
    """A plain-text rendering of a translated .docx: one paragraph or table cell per line."""
    lines = [("- " if unit.kind == "list_item" else "") + text for unit, text in zip(units, translations)]
    return "".join(line + "\n" for line in lines)
