"""Reading and writing .docx files with python-docx: every paragraph and table cell, in document order.

A paragraph whose runs differ in formatting (a bold word, an italic phrase) becomes a unit whose text
holds a format switch (``kit.translate.inline``) wherever the formatting changes; the switches travel
through the model as placeholders, and the translation is written back as runs in those formats.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kit import limits
from kit.errors import KitError
from kit.translate.errors import CorruptDocxError
from kit.translate.inline import SWITCH_BASE, SWITCH_LIMIT, SWITCH_RE, strip_switches
from kit.translate.prompting import one_line
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
    # Per paragraph: a template run element for each format number (0: the paragraph's main format);
    # empty when the paragraph has one format (or hyperlinks, which keep the older one-run treatment).
    formats: list[list[Any]] = field(default_factory=list)


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
        LimitError: it would unzip to more than the kit's limit, or is a zip bomb (checked before unzipping).
    """
    docx = _import_docx()
    limits.check_docx(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
        walked = list(_walk(document))
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds for a damaged file
        raise CorruptDocxError(
            f"{name} is not a readable .docx ({type(exc).__name__}: {str(exc)[:120]}). "
            "Open it in Word or LibreOffice and save it again as .docx (not .doc)."
        ) from None
    paragraphs, units, formats = [], [], []
    for paragraph, in_table in walked:
        text, templates, simplified = _marked_text(paragraph)
        if strip_switches(text).strip():
            paragraphs.append(paragraph)
            units.append(Unit(_kind(paragraph, in_table), text.strip(), simplified))
            formats.append(templates)
    return DocxDocument(document, paragraphs, units, formats)


def _format_key(run: Any) -> bytes:
    """A run's character formatting, for comparison (its language tag aside)."""
    from docx.oxml.ns import qn
    from lxml import etree

    rpr = run._r.rPr
    if rpr is None:
        return b""
    rpr = copy.deepcopy(rpr)
    for tag in ("w:lang", "w:noProof", "w:rtl"):
        for child in rpr.findall(qn(tag)):
            rpr.remove(child)
    return etree.tostring(rpr) if len(rpr) else b""


def _marked_text(paragraph: Any) -> tuple[str, list[Any], bool]:
    """The paragraph's text with a format switch wherever its runs' formatting changes, the formats, and
    whether its mixed formatting cannot be kept (it holds hyperlinks: its text goes into one run)."""
    from docx.text.hyperlink import Hyperlink

    items = list(paragraph.iter_inner_content())
    runs = [run for item in items for run in (item.runs if isinstance(item, Hyperlink) else [item]) if run.text]
    mixed = len({_format_key(run) for run in runs}) > 1
    if not mixed or any(isinstance(item, Hyperlink) for item in items):
        return strip_switches(paragraph.text), [], mixed
    chars: dict[bytes, int] = {}
    for run in runs:
        chars[_format_key(run)] = chars.get(_format_key(run), 0) + len(run.text)
    base = max(chars, key=chars.get)
    keys = [base] + [key for key in dict.fromkeys(_format_key(run) for run in runs) if key != base]
    if len(keys) > SWITCH_LIMIT - SWITCH_BASE:
        return strip_switches(paragraph.text), [], True
    templates = [next(run._r for run in runs if _format_key(run) == key) for key in keys]
    pieces, current = [], 0
    for run in runs:
        number = keys.index(_format_key(run))
        if number != current:
            pieces.append(chr(SWITCH_BASE + number))
            current = number
        pieces.append(strip_switches(run.text))
    return "".join(pieces), templates, False


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


def _spans(text: str) -> list[tuple[int, str]]:
    """(format number, text) pieces of a unit's text, split at its format switches (format 0 first)."""
    spans, current, last = [], 0, 0
    for match in SWITCH_RE.finditer(text):
        spans.append((current, text[last:match.start()]))
        current, last = ord(match.group(0)) - SWITCH_BASE, match.end()
    spans.append((current, text[last:]))
    return [(number, piece) for number, piece in spans if piece]


def _write_runs(paragraph: Any, runs: list[Any], templates: list[Any], text: str) -> None:
    """Replace the paragraph's text with runs copied from the format templates, one per span."""
    from docx.oxml.ns import qn
    from docx.text.run import Run

    first = runs[0]._r
    for number, piece in _spans(text):
        element = copy.deepcopy(templates[number if number < len(templates) else 0])
        for child in list(element):
            if child.tag != qn("w:rPr"):
                element.remove(child)
        first.addprevious(element)
        Run(element, paragraph).text = piece
    for run in runs:  # runs that held only text, now carried by the new runs
        run._r.getparent().remove(run._r)


def write_docx(doc: DocxDocument, translations: Sequence[str], *, lang: str, rtl: bool = False,
               review: tuple[str, str, Sequence[str]] | None = None) -> bytes:
    """The document with each unit's paragraph holding its translation, as .docx bytes.

    A paragraph whose text is unchanged is left exactly as it was. One of a single format gets its
    translation in its first run (keeping that run's character style),
    the other runs emptied; a paragraph with format switches gets a run per span, in the span's format.
    Paragraph styles, list numbering and table layout are kept. ``review`` (title, lead, items) adds the
    review note as a last section.
    """
    from docx.text.hyperlink import Hyperlink

    formats = doc.formats or [[] for _ in doc.paragraphs]
    for paragraph, unit, text, templates in zip(doc.paragraphs, doc.units, translations, formats):
        if text in (unit.text, one_line(unit.text)):  # nothing translated: the paragraph stays exactly as it was
            continue
        runs = []
        for item in paragraph.iter_inner_content():
            runs.extend(item.runs if isinstance(item, Hyperlink) else [item])
        if not runs:
            continue
        if templates and SWITCH_RE.search(text):
            _write_runs(paragraph, [run for run in runs if run.text], templates, text)
        else:
            runs[0].text = strip_switches(text)
            for run in runs[1:]:
                run.text = ""
        _mark_direction(paragraph, lang, rtl)
    if review is not None:
        _add_review(doc.document, *review)
    doc.document.core_properties.language = lang
    out = io.BytesIO()
    doc.document.save(out)
    return out.getvalue()


def _add_review(document: Any, title: str, lead: str, items: Sequence[str]) -> None:
    """The review note as the document's last paragraphs, in English (tagged en-GB for spelling and voices)."""
    paragraphs = [document.add_paragraph()]
    heading = paragraphs[0].add_run(title)
    heading.bold = True
    paragraphs.append(document.add_paragraph(lead))
    paragraphs += [document.add_paragraph(f"{number}. {item}") for number, item in enumerate(items, 1)]
    for paragraph in paragraphs:
        _mark_direction(paragraph, "en-GB", False)


def docx_plain_text(units: Sequence[Unit], translations: Sequence[str]) -> str:
    """A plain-text rendering of a translated .docx: one paragraph or table cell per line."""
    lines = [("- " if unit.kind == "list_item" else "") + strip_switches(text)
             for unit, text in zip(units, translations)]
    return "".join(line + "\n" for line in lines)
