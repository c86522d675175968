"""HTML pieces the demo widgets share: escaping, message boxes, download links and the shared styles."""

from __future__ import annotations

import base64
import html
import mimetypes

# Scripts written right to left: their text needs dir="rtl" to read (and punctuate) correctly.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"})

MIME_TYPES = {
    ".txt": "text/plain;charset=utf-8",
    ".md": "text/markdown;charset=utf-8",
    ".csv": "text/csv;charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# One style sheet for every kit widget; plain colours and system fonts, so nothing is fetched.
STYLE = """
<style>
.kit-app { font-family: var(--jp-ui-font-family, system-ui, sans-serif); max-width: 100%; }
.kit-message { padding: 0.6em 0.9em; margin: 0.4em 0; border-radius: 3px; font-size: 1.05em; }
.kit-error { background: #fdecea; border-left: 5px solid #d4351c; color: #3d0c05; }
.kit-info { background: #eef4fa; border-left: 5px solid #1d70b8; color: #0b0c0c; }
.kit-ok { background: #e9f5ec; border-left: 5px solid #00703c; color: #0b0c0c; }
.kit-warn { background: #fff7e0; border-left: 5px solid #f47738; color: #0b0c0c; }
.kit-table { border-collapse: collapse; width: 100%; margin: 0.5em 0; table-layout: fixed; }
.kit-table th, .kit-table td { border: 1px solid #b1b4b6; padding: 0.45em 0.6em; vertical-align: top;
  text-align: start; white-space: pre-wrap; overflow-wrap: anywhere; }
.kit-table th { background: #f3f2f1; }
.kit-table col.kit-col-n { width: 3em; }
.kit-table col.kit-col-flags { width: 12em; }
.kit-table tr.kit-flagged td { background: #fff7e0; }
.kit-table tr.kit-flagged td:first-child { border-left: 5px solid #f47738; }
.kit-table td.kit-flags { white-space: normal; }
.kit-flag { display: inline-block; background: #f47738; color: #fff; border-radius: 3px; padding: 0.1em 0.4em;
  margin: 0 0.25em 0.25em 0; font-size: 0.9em; line-height: 1.3; cursor: help; }
.kit-flag-ok { color: #00703c; font-weight: 600; }
.kit-score { font-size: 0.85em; color: #505a5f; }
.kit-flag-details { font-size: 0.85em; margin: 0.2em 0; }
.kit-flag-details summary { cursor: pointer; color: #1d70b8; text-decoration: underline; }
.kit-flag-details ul { margin: 0.3em 0 0 0; padding-left: 1.1em; }
.kit-table tr td.kit-not-translated { background: #fdecea; white-space: normal; }
.kit-not-translated-note { color: #942514; }
.kit-reason { font-size: 0.9em; margin-top: 0.2em; }
.kit-model-output { font-size: 0.85em; margin-top: 0.3em; color: #505a5f; }
.kit-download { display: inline-block; margin: 0.4em 0; padding: 0.5em 1em; background: #00703c; color: #fff !important;
  text-decoration: none; border-radius: 3px; font-weight: 600; }
.kit-download:focus { outline: 3px solid #ffdd00; }
</style>
"""


def esc(text: object) -> str:
    """HTML-escape any user or model text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def message(text: str, kind: str = "info") -> str:
    """A message box: kind is "error", "info", "ok" or "warn". The text is escaped."""
    # Screen readers announce the change: an error at once (alert), anything else when they are idle (status).
    role = ' role="alert"' if kind == "error" else ' role="status"'
    return f'<div class="kit-message kit-{kind}"{role}>{esc(text)}</div>'


def mime_type(filename: str) -> str:
    """The MIME type for a download of this file name."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return MIME_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def download_link(data: bytes, filename: str, label: str) -> str:
    """A link that saves ``data`` as ``filename``: a data: URI, so it works with no server round trip."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<a class="kit-download" download="{esc(filename)}" '
            f'href="data:{mime_type(filename)};base64,{encoded}">{esc(label)}</a>')


def text_direction(language: str | None) -> str:
    """"rtl" for right-to-left languages (by ISO 639 code), else "ltr"."""
    return "rtl" if (language or "").split("-")[0].lower() in RTL_LANGUAGES else "ltr"
