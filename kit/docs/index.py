"""The persisted index beside a folder: per-file fingerprints and sections, and the bm25s matrix.

The index copies the documents' text, so its folder is created 0700 and every file in it is 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import paths, store
from kit.docs.formats import READER_VERSION
from kit.docs.sections import Section
from kit.docs.tokens import TOKENIZER_VERSION, tokens

FORMAT = 1
MANIFEST = "manifest.json"
SECTIONS = "sections.json"
BM25_DIR = "bm25"


@dataclass
class FileEntry:
    """What the index knows about one file: its fingerprint and what reading it gave."""

    size: int
    mtime_ns: int
    sha256: str
    sections: list[Section] = field(default_factory=list)
    note: str = ""  # read with a note (e.g. decoded as cp1252)
    error: str = ""  # skipped, and why

    def as_json(self) -> dict[str, Any]:
        """The entry as JSON-ready data (sections as [id, heading, text])."""
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256, "note": self.note,
                "error": self.error, "sections": [[s.id, s.heading, s.text] for s in self.sections]}

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> FileEntry:
        """An entry read back from :meth:`as_json` data."""
        sections = [Section(sid, name, heading, text) for sid, heading, text in data["sections"]]
        return cls(int(data["size"]), int(data["mtime_ns"]), str(data["sha256"]), sections,
                   str(data["note"]), str(data["error"]))


class CorruptIndex(Exception):
    """The files under the index folder do not make a whole index (truncated, edited or half-written)."""


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def index_text(section: Section) -> list[str]:
    """The tokens a section is found by: its heading path and its text."""
    return tokens(f"{section.heading}\n{section.text}")


def build_bm25(sections: Sequence[Section]) -> Any:
    """A bm25s index over the sections, in order (row i is sections[i])."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([index_text(s) or ["\u2205"] for s in sections], show_progress=False)
    return retriever


def _versions() -> dict[str, int]:
    return {"format": FORMAT, "tokenizer": TOKENIZER_VERSION, "readers": READER_VERSION}


def save(folder: Path, entries: dict[str, FileEntry], retriever: Any) -> None:
    """Write the sections, the bm25s files and, last, a manifest holding every file's checksum."""
    if folder.is_symlink():  # a planted link would send the documents' text (and an rmtree) elsewhere
        raise OSError(f"{folder.name} is a link; the index is only written into a real folder")
    store.private_dir(folder)
    paths.write_atomic(folder / SECTIONS, json.dumps({n: e.as_json() for n, e in sorted(entries.items())},
                                                 ensure_ascii=False))
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".bm25-"))  # 0700, so its files are private from the start
    retriever.save(str(staging), show_progress=False)
    for part in staging.iterdir():  # bm25s writes with the umask's mode; its vocabulary holds the documents' words
        os.chmod(part, store.FILE_MODE)
    target = folder / BM25_DIR
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    checksums = {p.relative_to(folder).as_posix(): sha256_file(p)
                 for p in [folder / SECTIONS, *sorted(target.iterdir())]}
    manifest = {"versions": _versions(), "checksums": checksums,
                "sections": sum(len(e.sections) for e in entries.values())}
    paths.write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1))


def exists(folder: Path) -> bool:
    """True when an index was ever saved in ``folder``."""
    return (folder / MANIFEST).exists() or (folder / SECTIONS).exists() or (folder / BM25_DIR).exists()


def load(folder: Path) -> tuple[dict[str, FileEntry], Any]:
    """The saved entries and bm25s index; any missing, truncated or altered file raises CorruptIndex."""
    import bm25s

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("versions") != _versions():
            raise CorruptIndex("it was written by another version of the kit's readers or search")
        for name, digest in manifest["checksums"].items():
            if sha256_file(folder / name) != digest:
                raise CorruptIndex(f"{name} does not match its checksum (truncated or changed)")
        raw = json.loads((folder / SECTIONS).read_text(encoding="utf-8"))
        entries = {name: FileEntry.from_json(name, data) for name, data in raw.items()}
        retriever = bm25s.BM25.load(str(folder / BM25_DIR), show_progress=False, verbosity=0)
    except CorruptIndex:
        raise
    except Exception as exc:  # json, numpy and OS errors all mean the same here: the index is not usable
        raise CorruptIndex(f"{type(exc).__name__}: {str(exc)[:160]}") from None
    count = sum(len(e.sections) for e in entries.values())
    if count != manifest.get("sections") or int(retriever.scores["num_docs"]) != count:
        raise CorruptIndex("the section count does not match the search matrix")
    return entries, retriever
