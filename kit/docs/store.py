"""Ingest a folder of documents into a searchable store, re-reading only the files that changed."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kit.docs import index
from kit.docs.formats import SUFFIXES, DocumentError, check_size, read_blocks
from kit.docs.index import CorruptIndex, FileEntry
from kit.docs.sections import Hit, Section, SkippedFile, to_sections
from kit.docs.tokens import tokens
from kit.errors import InputError, PromptError

INDEX_DIR = ".kit-index"


class DocStore:
    """Sections of a folder's documents and their BM25 index; ``report`` lists what was skipped and why."""

    def __init__(self, folder: Path, sections: Iterable[Section], retriever: Any,
                 report: Iterable[SkippedFile] = (), notes: Iterable[str] = (), *, index_dir: Path | None = None,
                 reread: Iterable[str] = ()):
        self.folder = folder
        self.index_dir = index_dir
        self.sections: tuple[Section, ...] = tuple(sections)
        self.report: tuple[SkippedFile, ...] = tuple(report)
        self.notes: tuple[str, ...] = tuple(notes)  # what happened to the index (rebuilt, could not be saved)
        self.reread: tuple[str, ...] = tuple(reread)  # documents read from disk this time (new or changed)
        self._retriever = retriever
        self._by_id = {section.id: section for section in self.sections}

    def __repr__(self) -> str:
        return (f"<DocStore {self.folder}: {len(self.documents)} documents, {len(self.sections)} sections, "
                f"{sum(f.skipped for f in self.report)} skipped>")

    def __len__(self) -> int:
        return len(self.sections)

    @property
    def documents(self) -> tuple[str, ...]:
        """The documents that gave sections (names relative to the folder)."""
        return tuple(dict.fromkeys(section.document for section in self.sections))

    def section(self, section_id: str) -> Section:
        """The section with this id; an unknown id is an InputError naming it."""
        try:
            return self._by_id[section_id]
        except KeyError:
            raise InputError(f"No section {section_id!r} in {self.folder}. Ids look like "
                             f"'{self.sections[0].id}'; list them with [s.id for s in store.sections].") from None

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` best-matching sections for ``query``, best first (sections sharing no word are left out)."""
        if not isinstance(query, str):
            raise PromptError(f"The search query must be text (str), not {type(query).__name__}.")
        if not query.strip():
            raise PromptError("The search query is empty. Type some words to look for.")
        if not isinstance(k, int) or k < 1:
            raise InputError(f"k must be a whole number of sections, at least 1 (got {k!r}).")
        words = tokens(query)
        if not words:
            return []
        scores = self._retriever.get_scores(words)
        best = scores.argsort()[::-1][:k]
        return [Hit(self.sections[i], float(scores[i])) for i in best if scores[i] > 0]


def _files(folder: Path, skip: Path) -> list[tuple[Path, str]]:
    """Every file under ``folder`` in walk order, each with why it is skipped ("" for a regular file to read).

    Hidden files and folders, Office lock files and the index folder are left out. Links are never followed:
    a link to a file is skipped (whether its target is outside or inside the folder, where the target is read
    under its own name), a link to a folder is not entered; both are reported, as are pipes and devices.
    """
    root = folder.resolve()
    found: list[tuple[Path, str]] = []
    for here, dirs, names in os.walk(folder):  # os.walk lists a linked folder but never enters it
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".") and Path(here, d) != skip):
            if Path(here, name).is_symlink():
                found.append((Path(here, name), "is a link to a folder; links are not followed, so nothing in it "
                                                "was read. Copy the folder in if its documents belong here."))
            else:
                kept.append(name)
        dirs[:] = kept
        found.extend((Path(here, n), _not_regular(Path(here, n), root))
                     for n in sorted(names) if not n.startswith(".") and not n.startswith("~$"))
    return found


def _not_regular(path: Path, root: Path) -> str:
    """Why ``path`` is not read ("" for a regular file): a link (to where, in words) or a special file."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return ""  # gone or unreadable: _read says which
    if stat.S_ISLNK(mode):
        target = Path(os.path.realpath(path))
        if not target.exists():
            return "cannot be read: it is a broken link (links are not followed)."
        if target.is_relative_to(root):
            return (f"is a link to {target.relative_to(root).as_posix()} in this folder; links are not followed "
                    "(the file it points to is read under its own name).")
        return ("is a link to a file outside this folder; links are not followed, so it was not read. "
                "Copy the file into the folder if it belongs in the guidance.")
    if not stat.S_ISREG(mode):
        return "is not a regular file (a pipe, socket or device); only regular files are read."
    return ""


def _read_inside(path: Path, root: Path) -> bytes:
    """The bytes of the regular file ``path``, refusing (OSError) a link or a file that resolves outside ``root``.

    Checked on the opened file, so a file swapped for a link after the folder was listed is refused too.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        opened = Path(f"/proc/self/fd/{fd}")
        real = Path(os.readlink(opened)) if opened.is_symlink() else Path(os.path.realpath(path))
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not real.is_relative_to(root):
            raise OSError(errno.EPERM, "it is a link or not a regular file inside the folder")
        return handle.read()


def _read(path: Path, name: str, size: int, mtime_ns: int, root: Path) -> FileEntry:
    """Read and section one file; whatever goes wrong becomes the entry's error, never an exception."""
    try:
        check_size(size, name)  # before reading: a huge file is skipped without being loaded into memory
    except DocumentError as exc:
        return FileEntry(size, mtime_ns, "", error=str(exc).removeprefix(name).strip(" :"))
    try:
        data = _read_inside(path, root)
    except OSError as exc:
        return FileEntry(size, mtime_ns, "", error=f"cannot be read ({exc.strerror or type(exc).__name__}); "
                                                     "check that it exists and that you may read it.")
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return FileEntry(size, mtime_ns, digest, error="is empty.")
    try:
        blocks, note = read_blocks(data, name)
    except DocumentError as exc:
        return FileEntry(size, mtime_ns, digest, error=str(exc).removeprefix(name).strip(" :"))
    sections = to_sections(name, blocks)
    if not sections:
        return FileEntry(size, mtime_ns, digest, note=note, error="holds no text (a scanned PDF needs OCR first).")
    return FileEntry(size, mtime_ns, digest, sections, note)


def _load(where: Path, notes: list[str]) -> tuple[dict[str, FileEntry], Any]:
    if not index.exists(where):
        return {}, None
    try:
        return index.load(where)
    except CorruptIndex as exc:
        notes.append(f"The search index in {where} was unusable ({exc}); it was rebuilt from the documents.")
        return {}, None


def ingest(folder: str | Path, *, index_dir: str | Path | None = None) -> DocStore:
    """Read a folder of .md, .txt, .docx and .pdf files into a searchable :class:`DocStore`.

    The index is kept in ``<folder>/.kit-index`` (or ``index_dir``); files whose size, time and SHA-256
    are unchanged are not read again. Unreadable, empty, binary and unsupported files are listed in
    ``store.report`` and skipped; a corrupt index is rebuilt and said so in ``store.notes``.

    Only regular files inside the folder are read. Links are never followed: each link to a file (pointing
    outside the folder or inside it) and each link to a folder (not entered) is listed in ``store.report``,
    so a link in a shared folder cannot bring another file's text into the search or its index. An index
    folder that is itself a link is neither read nor written (said in ``store.notes``).

    Raises:
        InputError: the folder is missing, or holds no document with any text.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise InputError(f"No documents folder at {folder}" + (" (it is a file)" if folder.exists() else "") +
                         ". Pass the folder that holds your .md, .txt, .docx or .pdf guidance.")
    where = Path(index_dir).expanduser() if index_dir is not None else folder / INDEX_DIR
    notes: list[str] = []
    linked = where.is_symlink()
    if linked:
        notes.append(f"The index folder {where} is a link, so it was neither read nor written (links are not "
                     "followed); the search works for this session only. Remove the link, or pass index_dir=.")
    cached, retriever = ({}, None) if linked else _load(where, notes)
    entries: dict[str, FileEntry] = {}
    report: list[SkippedFile] = []
    reread: list[str] = []
    for path, why_not in _files(folder, where):
        name = path.relative_to(folder).as_posix()
        if why_not:
            report.append(SkippedFile(name, why_not))
            continue
        if path.suffix.lower() not in SUFFIXES:
            report.append(SkippedFile(name, f"unsupported file type; use {', '.join(SUFFIXES)}."))
            continue
        try:
            info = path.lstat()
            size, mtime = info.st_size, info.st_mtime_ns
        except OSError:
            size, mtime = -1, -1
        old = cached.get(name)
        if old is not None and old.sha256 and (old.size, old.mtime_ns) == (size, mtime):
            entry = old
        else:
            entry = _read(path, name, size, mtime, folder.resolve())
            if old is not None and entry.sha256 and entry.sha256 == old.sha256:
                entry.sections, entry.note, entry.error = old.sections, old.note, old.error
            else:
                reread.append(name)
        entries[name] = entry
        if entry.error:
            report.append(SkippedFile(name, entry.error))
        elif entry.note:
            report.append(SkippedFile(name, entry.note, skipped=False))
    sections = [s for entry in entries.values() for s in entry.sections]
    if not sections:
        listed = "; ".join(f"{f.path}: {f.reason}" for f in report[:5])
        raise InputError(f"No readable documents in {folder}" + (f" (skipped {listed})" if listed else " (it is empty)")
                         + ". Add .md, .txt, .docx or .pdf files with some text.")
    changed = set(entries) != set(cached) or bool(reread) or any(
        (e.size, e.mtime_ns) != (cached[n].size, cached[n].mtime_ns) for n, e in entries.items())
    if retriever is None or changed:
        retriever = index.build_bm25(sections)
        try:
            if not linked:
                index.save(where, entries, retriever)
        except OSError as exc:
            notes.append(f"The search index could not be saved in {where} ({exc.strerror or exc}); it works for "
                         "this session only. Pass index_dir= a folder you may write to.")
    return DocStore(folder, sections, retriever, report, notes, index_dir=where, reread=reread)
