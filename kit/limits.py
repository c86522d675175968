"""Size limits on what the kit reads, each checked before the work starts and each raised by an environment variable.

A limit is a whole number; ``KIT_MAX_...=0`` turns that limit off. A refusal is a :class:`LimitError` that names
the limit, the size measured and how to raise it. The table of limits is :data:`LIMITS` (README "Security").
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

from kit.errors import ConfigError, InputError

MB = 1_000_000


@dataclass(frozen=True)
class Limit:
    """One limit: its environment variable, its default, the unit it counts and what it bounds."""

    env: str
    default: int
    unit: str
    what: str
    keyword: str = ""  # the keyword argument that overrides it in the call, if any

    def value(self, override: int | None = None) -> int:
        """The limit in force: ``override`` if given, else the environment variable, else the default (0: none)."""
        if override is not None:
            return int(override)
        raw = os.environ.get(self.env, "").strip().replace("_", "")
        if not raw:
            return self.default
        if not raw.isdigit():
            raise ConfigError(f"{self.env}={os.environ[self.env]!r} is not a whole number of {self.unit}; set it to "
                              f"e.g. {self.default} (the default), or 0 for no limit.")
        return int(raw)


LIMITS: dict[str, Limit] = {
    "upload_bytes": Limit("KIT_MAX_UPLOAD_BYTES", 20 * MB, "bytes", "a file uploaded to an app"),
    "translate_bytes": Limit("KIT_MAX_TRANSLATE_BYTES", 20 * MB, "bytes", "a document to translate", "max_bytes"),
    "translate_segments": Limit("KIT_MAX_SEGMENTS", 2000, "segments", "one translation", "max_segments"),
    "docx_inflated_bytes": Limit("KIT_MAX_DOCX_INFLATED_BYTES", 200 * MB, "bytes (unzipped)", "a .docx file"),
    "zip_ratio": Limit("KIT_MAX_ZIP_RATIO", 100, "times its zipped size", "a .docx file's unzipped size"),
    "doc_bytes": Limit("KIT_MAX_DOC_BYTES", 50 * MB, "bytes", "a document in a kit.docs folder"),
    "pdf_pages": Limit("KIT_MAX_PDF_PAGES", 2000, "pages", "a PDF"),
    "transcript_bytes": Limit("KIT_MAX_TRANSCRIPT_BYTES", 5 * MB, "bytes", "a meeting transcript"),
    "minutes_model_lines": Limit("KIT_MAX_MINUTES_MODEL_LINES", 5000, "lines",
                                 "the lines the model reads for minutes", "max_model_lines"),
    "csv_bytes": Limit("KIT_MAX_CSV_BYTES", 100 * MB, "bytes", "a planning CSV"),
    "csv_cell_chars": Limit("KIT_MAX_CSV_CELL_CHARS", 100_000, "characters", "one cell of a planning CSV"),
}
ZIP_RATIO_FLOOR = 10 * MB  # below this unzipped size the ratio is not checked: small files cannot exhaust memory


class LimitError(InputError):
    """An input over one of the kit's size limits (``name``: its key in :data:`LIMITS`)."""

    def __init__(self, name: str, measured: int, allowed: int, subject: str, hint: str = ""):
        self.name, self.measured, self.allowed = name, measured, allowed
        limit = LIMITS[name]
        raise_it = f"set the environment variable {limit.env} to a larger number (0: no limit)"
        if limit.keyword:
            raise_it += f", or pass {limit.keyword}= to the call"
        super().__init__(f"{subject} is {measured:,} {limit.unit}, over the limit of {allowed:,} {limit.unit} for "
                         f"{limit.what}.{' ' + hint if hint else ''} To allow it, {raise_it}.")


def allowed(name: str, override: int | None = None) -> int:
    """The limit ``name`` in force (0: no limit)."""
    if name not in LIMITS:
        raise KeyError(f"No limit {name!r}; the limits are {', '.join(LIMITS)}.")
    return LIMITS[name].value(override)


def check(name: str, measured: int, subject: str, *, override: int | None = None, hint: str = "") -> None:
    """Raise :class:`LimitError` when ``measured`` is over the limit ``name`` (``subject`` names the input)."""
    most = allowed(name, override)
    if most and measured > most:
        raise LimitError(name, measured, most, subject, hint)


def over(name: str, measured: int, override: int | None = None) -> bool:
    """Whether ``measured`` is over the limit ``name`` (for callers that cut or skip instead of refusing)."""
    most = allowed(name, override)
    return bool(most) and measured > most


def check_docx(data: bytes, subject: str) -> None:
    """Refuse a .docx (any zip) whose unzipped size, read from its central directory before anything is
    decompressed, is over ``docx_inflated_bytes``, or is a zip bomb (over ``zip_ratio`` times its zipped size).

    Bytes that are not a zip pass: the reader says what is wrong with them.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    inflated = sum(member.file_size for member in members)
    check("docx_inflated_bytes", inflated, subject, hint="Split the document, or remove large pictures from it.")
    zipped = sum(member.compress_size for member in members) or 1
    if inflated > ZIP_RATIO_FLOOR:
        check("zip_ratio", inflated // zipped, f"{subject} unzips to {inflated:,} bytes from {zipped:,}: it",
              hint="Files that compress this much are built to exhaust memory (a 'zip bomb'); a real document "
                   "is rarely over 20 times.")


def websocket_message_bytes() -> int:
    """The largest websocket message the app server should take: twice the upload limit and 1 MB more.

    An upload reaches the kernel as one message; a message over the server's size is dropped before the
    app sees it (tornado's default is 10 MiB), so the server must take more than the upload limit for the
    app to say that a file is too large rather than lose it without a word.
    """
    most = allowed("upload_bytes")
    return 2 * most + MB if most else 1024 * MB
