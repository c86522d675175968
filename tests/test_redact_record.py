"""Redaction plugged into the run log and the response cache, on the real model: no personal data on disk."""

from __future__ import annotations

import sqlite3

import pytest

import kit
from kit import paths
from kit.cache import ResponseCache
from kit.redaction import contains_personal_data

pytestmark = pytest.mark.model

PROMPT = "Mrs Okafor, NHS number 943 476 5919, phone 07700 900123, asks when her bins are collected."


def _disk_bytes() -> bytes:
    return b"".join(f.read_bytes() for f in paths.user_dir().rglob("*") if f.is_file())


def test_the_run_log_holds_placeholders_not_personal_data():
    with kit.load_model(cache=False) as model:
        model.chat(PROMPT, max_tokens=8)
    row = kit.logs(1).row(0, named=True)
    assert "[NAME_1]" in row["prompt"] and "[NHS_NUMBER_1]" in row["prompt"] and "[PHONE_1]" in row["prompt"]
    assert "bins are collected" in row["prompt"]
    disk = _disk_bytes()
    for secret in (b"Okafor", b"943 476 5919", b"07700 900123"):
        assert secret not in disk


def test_turning_redaction_off_logs_the_text(monkeypatch):
    monkeypatch.setenv("KIT_REDACT", "off")
    with kit.load_model(cache=False) as model:
        model.chat(PROMPT, max_tokens=4)
    assert "Okafor" in kit.logs(1).row(0, named=True)["prompt"]


def test_the_cache_does_not_keep_a_response_holding_personal_data(monkeypatch):
    cache = ResponseCache()
    cache.put("k1", "sha", "Write to Mrs Okafor at okafor@example.com.", 5, 5)
    cache.put("k2", "sha", "Bins are collected on Tuesdays.", 5, 5)
    assert cache.get("k1") is None and cache.get("k2") == ("Bins are collected on Tuesdays.", 5, 5)
    monkeypatch.setenv("KIT_REDACT", "off")
    cache.put("k1", "sha", "Write to Mrs Okafor at okafor@example.com.", 5, 5)
    assert cache.get("k1") is not None
    with sqlite3.connect(paths.cache_path()) as db:
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2


def test_a_model_answer_echoing_personal_data_is_not_cached():
    prompt = "Repeat exactly: Call 07700 900123."
    with kit.load_model() as model:
        first = model.chat(prompt, max_tokens=24)
        model.chat(prompt, max_tokens=24)
        echoed = contains_personal_data(first)
        assert model.last.cached is not echoed
    assert b"07700 900123" not in _disk_bytes()
