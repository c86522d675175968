"""The response cache and the run log, on the real model."""

from __future__ import annotations

import os
import sqlite3
import stat

import kit
from kit import paths


def test_cached_rerun_is_identical_and_marked(kit_home):
    with kit.load_model() as model:
        first = model.chat("Suggest a title for a parking notice.", max_tokens=16)
        assert not model.last.cached
        second = model.chat("Suggest a title for a parking notice.", max_tokens=16)
        assert second == first and model.last.cached
        model.chat("Suggest a title for a parking notice.", max_tokens=17)  # other settings: a new entry
        assert not model.last.cached
    with sqlite3.connect(paths.cache_path()) as db:
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("KIT_CACHE", "off")
    with kit.load_model() as model:
        model.chat("Hello", max_tokens=4)
        model.chat("Hello", max_tokens=4)
        assert not model.last.cached
    with kit.load_model(cache=False) as model:
        model.chat("Hello", max_tokens=4)
        assert not model.last.cached


def test_log_records_every_call_and_is_private():
    with kit.load_model() as model:
        model.chat("What day is bin collection?", max_tokens=8)
        model.chat("What day is bin collection?", max_tokens=8)
    frame = kit.logs()
    assert frame.height == 2
    newest, oldest = frame.row(0, named=True), frame.row(1, named=True)
    assert newest["cached"] and not oldest["cached"]
    assert "bin collection" in oldest["prompt"] and oldest["response"]
    assert oldest["prompt_tokens"] > 0 and oldest["latency_s"] > 0 and oldest["model"] == "smollm2-135m"
    mode = stat.S_IMODE(os.stat(paths.log_path()).st_mode)
    assert mode == 0o600


def test_confidential_mode_writes_no_text():
    with kit.load_model() as model, kit.confidential():
        model.chat("Mrs Jones at 4 Elm Road has rent arrears of £420.", max_tokens=8)
        model.chat("Mrs Jones at 4 Elm Road has rent arrears of £420.", max_tokens=8)
        assert not model.last.cached  # the cache is neither read nor written
    row = kit.logs(1).row(0, named=True)
    assert row["confidential"] and row["prompt"] is None and row["response"] is None
    assert row["latency_s"] > 0
    with sqlite3.connect(paths.cache_path()) as db:
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0
    for file in paths.user_dir().rglob("*"):
        if file.is_file():
            assert b"Elm Road" not in file.read_bytes(), file


def test_redaction_hook_runs_before_writing():
    kit.set_redactor(lambda text: text.replace("Elm Road", "[ADDRESS]"))
    try:
        with kit.load_model(cache=False) as model:
            model.chat("Repair needed at 4 Elm Road.", max_tokens=4)
    finally:
        kit.set_redactor(None)
    row = kit.logs(1).row(0, named=True)
    assert "[ADDRESS]" in row["prompt"] and "Elm Road" not in row["prompt"]


def test_log_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("KIT_LOG", "off")
    with kit.load_model() as model:
        model.chat("Hello", max_tokens=4)
    assert kit.logs().height == 0


def test_a_log_written_before_reused_tokens_gains_the_column(tmp_path):
    from kit.runlog import CallRecord, RunLog, logs

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the table as kit wrote it before the prefix-cache split
        db.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, model TEXT,"
                   " model_sha256 TEXT, backend TEXT, kind TEXT, settings TEXT, prompt TEXT, response TEXT,"
                   " prompt_tokens INTEGER, completion_tokens INTEGER, latency_s REAL,"
                   " cached INTEGER NOT NULL DEFAULT 0, confidential INTEGER NOT NULL DEFAULT 0, error TEXT)")
        db.execute("INSERT INTO calls (time, model, prompt_tokens) VALUES (1.0, 'old', 10)")
    log = RunLog(path)
    log.write(CallRecord(model="new", model_sha256="x", backend="b", kind="chat", settings={}, prompt="p",
                         prompt_tokens=80, reused_tokens=64))
    rows = logs(path=path).sort("id")
    assert rows["model"].to_list() == ["old", "new"] and rows["reused_tokens"].to_list() == [None, 64]
