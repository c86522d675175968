"""Readers for .md, .txt, .docx and .pdf: each turns a file's bytes into headings and paragraphs, in order."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kit import limits
from kit.errors import InputError

SUFFIXES = (".md", ".txt", ".docx", ".pdf")
READER_VERSION = 2  # bump when any reader splits text differently: saved indexes are then rebuilt
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_LIST = re.compile(r"^\s*(?:[-*+\u2022]\s+|\d{1,3}[.)]\s+|[a-z][.)]\s+)")
_INLINE = (
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url) -> text
    (re.compile(r"(\*\*|__|`)"), ""),  # bold and code marks: models quote the words, not the marks
)


class DocumentError(InputError):
    """One document that cannot be read (ingest reports it and skips the file)."""


@dataclass(frozen=True)
class Block:
    """A heading (level 1-6) or a paragraph (level 0) of a document, as text."""

    level: int
    text: str


@dataclass(frozen=True)
class Decoded:
    """A file's text and, when it was not UTF-8, a note saying how it was read."""

    text: str
    note: str = ""


def decode(data: bytes, name: str) -> Decoded:
    """UTF-8 text (a BOM is dropped); Windows-1252 with a note when not UTF-8; binary data is refused."""
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{name} is binary data, not text. Save it as plain text (UTF-8), .docx or .pdf.")
    try:
        return Decoded(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        at = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise DocumentError(
            f"{name} is not UTF-8 (bad byte at position {at}) nor Windows-1252. Save it as UTF-8 text."
        ) from None
    return Decoded(text, f"not UTF-8 (bad byte at position {at}); it was read as Windows-1252 "
                         "(cp1252). Check its accents and symbols, or save it as UTF-8 to silence this note.")


def clean_inline(text: str) -> str:
    """Text without Markdown link and emphasis marks."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text.strip()


def looks_like_heading(line: str) -> bool:
    """A short line that starts with a capital or a number and does not end like a sentence or a list item."""
    line = line.strip()
    if not line or len(line) > 70 or len(line.split()) > 10 or _LIST.match(line) and not line[0].isdigit():
        return False
    if line[-1] in ".,;:!?" or not (line[0].isupper() or line[0].isdigit()):
        return False
    return any(ch.isalpha() for ch in line)


def _markup_blocks(text: str, plain: bool) -> list[Block]:
    """Blocks of Markdown or plain text: '#' and underlined headings, blank-line paragraphs.

    In plain text a paragraph that is one short title-like line is a heading too (level 1 at the top).
    """
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            joined = "\n".join(para).strip()
            if joined:
                if plain and len(para) == 1 and looks_like_heading(joined):
                    blocks.append(Block(1 if not blocks else 2, joined))
                else:
                    blocks.append(Block(0, clean_inline(joined) if not plain else joined))
            para.clear()

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fenced = False
    for line in lines:
        if line.strip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else _ATX.match(line)
        if heading:
            flush()
            blocks.append(Block(len(heading.group(1)), clean_inline(heading.group(2))))
        elif not fenced and _SETEXT.match(line) and len(para) == 1 and len(line.strip()) >= 3:
            level = 1 if line.strip()[0] == "=" else 2
            title = para.pop()
            flush()
            blocks.append(Block(level, clean_inline(title)))
        elif not line.strip() and not fenced:
            flush()
        else:
            para.append(line.rstrip())
    flush()
    return blocks


def read_markdown(data: bytes, name: str) -> tuple[list[Block], str]:
    """Blocks of a Markdown file, and a decoding note (empty for UTF-8)."""
    decoded = decode(data, name)
    return _markup_blocks(decoded.text, plain=False), decoded.note


def read_text(data: bytes, name: str) -> tuple[list[Block], str]:
    """Blocks of a plain-text file, and a decoding note (empty for UTF-8)."""
    decoded = decode(data, name)
    return _markup_blocks(decoded.text, plain=True), decoded.note


def read_docx(data: bytes, name: str) -> tuple[list[Block], str]:
    """Blocks of a .docx: Title and Heading styles are headings; list items and table rows are grouped."""
    limits.check_docx(data, name)
    try:
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        items = list(document.iter_inner_content())
    except ImportError:
        raise InputError("python-docx is not installed. Install the kit's dependencies with `make install`.") from None
    except Exception as exc:  # zipfile, lxml and python-docx raise many kinds for a damaged file
        raise DocumentError(f"{name} is not a readable .docx ({type(exc).__name__}). "
                            "Open it in Word or LibreOffice and save it again as .docx.") from None
    blocks: list[Block] = []
    group: list[str] = []

    def flush() -> None:
        if group:
            blocks.append(Block(0, "\n".join(group)))
            group.clear()

    for item in items:
        if isinstance(item, Table):
            flush()
            rows = [" | ".join(dict.fromkeys(c.text.strip() for c in row.cells)) for row in item.rows]
            if any(r.strip(" |") for r in rows):
                blocks.append(Block(0, "\n".join(r for r in rows if r.strip(" |"))))
            continue
        text = item.text.strip()
        if not text:
            flush()
            continue
        style = (item.style.name if item.style is not None else "") or ""
        # Title is level 1 and "Heading N" level N + 1, so headings sit under the title as they do in Word
        level = 1 if style == "Title" else int(style[-1]) + 1 if re.fullmatch(r"Heading [1-9]", style) else 0
        numbered = item._p.pPr is not None and item._p.pPr.numPr is not None
        if level:
            flush()
            blocks.append(Block(min(level, 6), text))
        elif "List" in style or numbered:
            group.append(text)
        else:
            flush()
            blocks.append(Block(0, text))
    flush()
    return blocks, ""


def _split_long(lines: list[str], words: int = 120) -> list[str]:
    """Body lines as paragraphs: one per run of lines, split after sentence ends once past ``words`` words."""
    paras, current, count = [], [], 0
    for line in lines:
        current.append(line)
        count += len(line.split())
        if count >= words and line.rstrip()[-1:] in ".!?":
            paras.append("\n".join(current))
            current, count = [], 0
    if current:
        paras.append("\n".join(current))
    return paras


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Hold back a library's log warnings (pypdf logs every damaged byte; the report says it once)."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def read_pdf(data: bytes, name: str) -> tuple[list[Block], str]:
    """Blocks of a PDF's text layer (pypdf): title-like lines are headings, the lines under each a paragraph.

    Wrapped lines are joined with a space; a line that starts a list item starts a new line.
    """
    try:
        from pypdf import PdfReader

        with _quiet("pypdf"):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise DocumentError(f"{name} is an encrypted PDF. Save an unprotected copy to search it.")
            limits.check("pdf_pages", len(reader.pages), name, hint="Split the PDF, or save its text as .txt.")
            pages = [page.extract_text() or "" for page in reader.pages]
    except ImportError:
        raise InputError("pypdf is not installed. Install the kit's dependencies with `make install`.") from None
    except (DocumentError, limits.LimitError):
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise DocumentError(f"{name} is not a readable PDF ({type(exc).__name__}). "
                            "Open it and export it again as PDF, or save the text as .txt or .docx.") from None
    blocks: list[Block] = []
    body: list[str] = []

    def flush() -> None:
        blocks.extend(Block(0, para) for para in _split_long(body))
        body.clear()

    for page in pages:
        for line in page.replace("\r", "\n").split("\n"):
            line = line.strip()
            if not line:
                continue
            if looks_like_heading(line):
                flush()
                blocks.append(Block(1 if not blocks else 2, line))
            elif body and not _LIST.match(line):  # a wrapped line continues the one before it
                body[-1] = f"{body[-1]} {line}"
            else:
                body.append(line)
    flush()
    return blocks, ""


READERS: dict[str, Callable[[bytes, str], tuple[list[Block], str]]] = {
    ".md": read_markdown, ".txt": read_text, ".docx": read_docx, ".pdf": read_pdf,
}


def read_blocks(data: bytes, name: str) -> tuple[list[Block], str]:
    """The blocks of a document by its file extension, and a note about its reading (or '').

    Raises:
        DocumentError: an unsupported, unreadable or too large document (``kit.limits``: ``KIT_MAX_DOC_BYTES``,
            ``KIT_MAX_DOCX_INFLATED_BYTES``, ``KIT_MAX_PDF_PAGES``).
    """
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in READERS:
        raise DocumentError(f"{name}: unsupported file type; use {', '.join(SUFFIXES)}.")
    check_size(len(data), name)
    try:
        return READERS[suffix](data, name)
    except limits.LimitError as exc:  # ingest reports a DocumentError and skips the file, the others are read
        raise DocumentError(str(exc)) from None


def check_size(size: int, name: str) -> None:
    """Raise :class:`DocumentError` when a document of ``size`` bytes is over ``KIT_MAX_DOC_BYTES``."""
    try:
        limits.check("doc_bytes", size, name, hint="Split the document, or remove large pictures from it.")
    except limits.LimitError as exc:
        raise DocumentError(str(exc)) from None
