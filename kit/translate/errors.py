"""Errors the translation capability raises; each says what went wrong and how to fix it."""

from __future__ import annotations

from kit.errors import InputError, KitError


class TranslationError(KitError):
    """Base class for translation errors."""


class UnknownLanguageError(TranslationError):
    """A language code the kit does not support."""


class EmptyDocumentError(InputError, TranslationError):
    """A document with no text to translate."""


class BinaryFileError(InputError, TranslationError):
    """A file named as text that holds binary data or is not UTF-8."""


class CorruptDocxError(InputError, TranslationError):
    """A .docx file that python-docx cannot open."""


class UnsupportedFormatError(InputError, TranslationError):
    """A file extension the kit cannot translate."""


class GlossaryError(InputError, TranslationError):
    """A glossary that cannot be read: missing file, bad header or malformed line."""


class LanguageDetectionError(TranslationError):
    """``source="auto"`` could not tell which language a document is in."""
