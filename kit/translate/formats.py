"""Input formats: which format a file name means, and reading uploaded bytes as checked text."""

from __future__ import annotations

from pathlib import Path

from kit.translate.errors import BinaryFileError, EmptyDocumentError, UnsupportedFormatError

EXTENSIONS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".docx": "docx"}
FORMATS = ("text", "markdown", "docx")


def format_for(filename: str | Path) -> str:
    """The format (``text``, ``markdown`` or ``docx``) a file name's extension stands for."""
    suffix = Path(filename).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    hint = " Save it as .docx first." if suffix in (".doc", ".odt", ".rtf", ".pdf") else ""
    raise UnsupportedFormatError(
        f"Cannot translate {Path(filename).name!r}: the extension {suffix or '(none)'!r} is not supported."
        f"{hint} Supported: {', '.join(EXTENSIONS)}."
    )


def decode_text(data: bytes, name: str = "the file") -> str:
    """UTF-8 text from bytes (a byte-order mark is dropped, Windows line endings become ``\\n``).

    Raises:
        BinaryFileError: the bytes hold NUL characters or are not valid UTF-8.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BinaryFileError(
            f"{name} holds binary data (a NUL byte at offset {nul}), not text. "
            "Give a .txt/.md file saved as UTF-8 text, or a .docx file with the .docx extension."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BinaryFileError(
            f"{name} is not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}). "
            "Save it as UTF-8 (in Notepad: Save as > Encoding: UTF-8), or decode it yourself, "
            "e.g. data.decode('cp1252'), and call translate() on the text."
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_not_empty(text: str, name: str = "The document") -> None:
    """Raise :class:`EmptyDocumentError` when there is no text to translate."""
    if not text.strip():
        raise EmptyDocumentError(f"{name} is empty: there is no text to translate.")
