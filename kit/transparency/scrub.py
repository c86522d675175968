"""Keep local file-system paths out of a record meant for publication: a path inside the repository becomes its
name relative to the repository, any other a bare file name; what still looks like one refuses the write."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PureWindowsPath

from kit.errors import KitError

# file URIs; POSIX paths from the root or the home folder (not a URL's path: no word, ".", ":" or "/" before the
# slash); Windows drive and UNC paths. A segment stops at a space, a quote, a Markdown mark or a table pipe.
_SEGMENT = r"[^\s/\\`|*()\[\]<>\"',;]+"
ABSOLUTE = re.compile(
    r"file://\S+"
    rf"|(?<![\w.:/\\~-])~?/{_SEGMENT}(?:/{_SEGMENT})*/?"
    rf"|(?<![\w])[A-Za-z]:[\\/](?:{_SEGMENT}[\\/]?)*"
    rf"|\\\\{_SEGMENT}(?:\\{_SEGMENT})*"
)
_TRAILING = ".,:;!?"


def public_name(path: str | Path, root: Path) -> str:
    """What a record may say for ``path``: relative to the repository ``root`` when inside it, else the file name."""
    text = str(path)
    if text.startswith("file://"):
        text = text[len("file://"):]
    if re.match(r"^[A-Za-z]:[\\/]|^\\\\", text):
        return PureWindowsPath(text).name or "a local folder"
    local = Path(text).expanduser()
    if not local.is_absolute():
        return local.as_posix()
    try:
        return local.resolve().relative_to(root.resolve()).as_posix() or "the repository"
    except (ValueError, OSError):
        return local.name or "a local folder"


def scrub_text(text: str, root: Path) -> str:
    """``text`` with every absolute path in it replaced by its :func:`public_name`."""
    def rewrite(match: re.Match) -> str:
        found = match.group(0)
        core = found.rstrip(_TRAILING)
        return public_name(core, root) + found[len(core):]

    return ABSOLUTE.sub(rewrite, text)


def scrub(blocks: list, root: Path) -> list:
    """Every block's text, list items and table cells scrubbed (:func:`scrub_text`)."""
    def clean(text: str) -> str:
        return scrub_text(text, root)

    return [replace(b, text=clean(b.text), items=tuple(map(clean, b.items)), header=tuple(map(clean, b.header)),
                    rows=tuple(tuple(map(clean, row)) for row in b.rows)) for b in blocks]


def refuse_paths(text: str, what: str) -> str:
    """``text`` unchanged; raises when it still holds an absolute path, so the record is not written.

    Raises:
        KitError: naming the path, so it can be reported and fixed.
    """
    found = ABSOLUTE.search(text)
    if found:
        raise KitError(f"The {what} would contain the local path {found.group(0).rstrip(_TRAILING)!r}, so it was not "
                       "written. Report this as a kit bug; records must name files relative to the repository.")
    return text
