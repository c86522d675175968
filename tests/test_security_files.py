"""Every file the kit makes that can hold user text is 0600 and every folder it makes 0700, whatever the umask."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from fakes import FakeModel
from test_docs_fixtures import make_folder
from kit import paths, store
from kit.admin.copilot.queue_db import open_queue
from kit.admin.triage.batch import ResultStore
from kit.cache import ResponseCache
from kit.cluster.store import ResumeStore
from kit.docs import ingest
from kit.offline.outbox import Outbox
from kit.planning.extraction.batch import _Store as ExtractionStore
from kit.runlog import CallRecord, RunLog


@pytest.fixture(autouse=True)
def permissive_umask():
    """A umask under which a plain open() or mkdir() makes files others can read (0644, 0755)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def test_the_umask_really_is_permissive(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    (tmp_path / "plain").mkdir()
    assert mode(tmp_path / "plain.txt") == 0o644 and mode(tmp_path / "plain") == 0o755


def test_the_helpers_make_private_files_and_folders(tmp_path):
    assert store.private_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    store.append_private(tmp_path / "c" / "log.jsonl", "one\n")
    store.append_private(tmp_path / "c" / "log.jsonl", "two\n")
    assert (tmp_path / "c" / "log.jsonl").read_text() == "one\ntwo\n"
    assert mode(tmp_path / "c" / "log.jsonl") == 0o600 and mode(tmp_path / "c") == 0o700
    older = tmp_path / "older.sqlite"
    older.write_bytes(b"")  # made 0644 by an older kit
    store.private_file(older)
    assert mode(older) == 0o600
    shared = tmp_path / "shared"
    shared.mkdir()
    store.private_dir(shared)
    assert mode(shared) == 0o755  # a folder that already exists is the user's: left as it is


def test_the_kit_folder_is_made_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_HOME", str(tmp_path / "new-home"))
    assert mode(paths.user_dir()) == 0o700


def test_run_log_cache_and_stores_are_owner_only(tmp_path):
    log = RunLog(tmp_path / "new" / "runlog.sqlite")
    log.write(CallRecord("m", "0" * 64, "fake", "chat", {}, [{"role": "user", "content": "hello"}], "hi"))
    ResponseCache(tmp_path / "cache.sqlite").put("k", "0" * 64, "an answer", 1, 1)
    ResumeStore(tmp_path / "cluster.sqlite")
    ResultStore(tmp_path / "triage.sqlite")
    extraction = ExtractionStore(tmp_path / "extraction" / "records.jsonl")
    extraction.add("k", {"description": "a rear extension"})
    made = ["new/runlog.sqlite", "cache.sqlite", "cluster.sqlite", "triage.sqlite", "extraction/records.jsonl"]
    assert {name: mode(tmp_path / name) for name in made} == {name: 0o600 for name in made}
    assert mode(tmp_path / "new") == mode(tmp_path / "extraction") == 0o700


def test_the_approval_queue_and_its_wal_files_are_owner_only(tmp_path):
    path = tmp_path / "copilot" / "queue.sqlite"
    open_queue(path)
    db = sqlite3.connect(path)  # an open connection keeps the -wal and -shm files in place
    db.execute("INSERT OR REPLACE INTO meta VALUES ('probe', 'x')")
    db.commit()
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert all(p.exists() for p in files)
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(path.parent) == 0o700
    db.close()


def test_outbox_files_and_a_new_folder_are_owner_only(tmp_path):
    path = tmp_path / "offline" / "outbox.sqlite"
    box = Outbox(path)
    box.put("incident-log", {"text": "Patient NHS 943 476 5919 fell on ward 7"})
    box.replay(lambda entry: None)  # a replay writes the lock file too
    made = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.replay-lock")]
    assert all(p.exists() for p in made)
    assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}
    assert mode(path.parent) == 0o700
    box.close()


def test_the_search_index_folder_is_0700_and_every_file_in_it_0600(tmp_path):
    folder = make_folder(tmp_path / "docs")
    ingest(folder)
    index = folder / ".kit-index"
    assert mode(index) == 0o700
    inside = list(index.rglob("*"))
    files = [p for p in inside if p.is_file()]
    assert len(files) >= 4  # manifest, sections and the bm25 matrix files
    assert {p.relative_to(index).as_posix(): mode(p) for p in files} == {
        p.relative_to(index).as_posix(): 0o600 for p in files}
    assert all(mode(p) == 0o700 for p in inside if p.is_dir())


def test_a_translation_folder_the_kit_makes_is_owner_only(tmp_path):
    from kit.translate.batch import translate_batch

    docs = tmp_path / "letters"
    docs.mkdir()
    (docs / "letter.txt").write_text("Your bin is collected on Tuesday.\n")
    model = FakeModel(replies=lambda messages: "Caiff eich bin ei gasglu ddydd Mawrth.")
    table = translate_batch(model, docs, target="cy", source="en", progress=False)
    out = Path(table["output"][0]).parent
    assert out == docs / "translated_cy" and mode(out) == 0o700
