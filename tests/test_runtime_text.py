"""Pure logic of the in-process runtime: stop strings over streamed pieces, settings, the overflow shortcut."""

from __future__ import annotations

import pytest

from kit.errors import ConfigError
from kit.model import _may_overflow
from kit.runtime.backends.loading import flash_attn_setting, prompt_chunk
from kit.runtime.backends.stops import StopText


def _feed(stops, pieces: list[bytes]) -> tuple[list[str], str, bool]:
    text = StopText(stops)
    shown = [text.add(p) for p in pieces]
    shown.append(text.finish())
    return shown, "".join(shown), text.stopped


def test_no_stops_passes_text_through():
    shown, joined, stopped = _feed([], [b"Hello", b", ", b"world"])
    assert joined == "Hello, world" and shown[:3] == ["Hello", ", ", "world"] and not stopped


def test_stop_string_split_across_pieces_is_never_shown():
    shown, joined, stopped = _feed(["</end>"], [b"one two", b" </", b"en", b"d> three"])
    assert joined == "one two " and stopped
    assert not any("<" in s for s in shown)


def test_held_back_text_is_released_when_it_is_not_a_stop():
    shown, joined, _ = _feed(["STOP"], [b"ST", b"ART", b" ST"])
    assert shown[0] == "" and joined == "START ST"


def test_earliest_of_several_stops_wins():
    _, joined, _ = _feed(["b", "a"], [b"xxab"])
    assert joined == "xx"


def test_utf8_split_between_tokens_is_joined():
    data = "café – ✓".encode()
    shown, joined, _ = _feed([], [data[i:i + 1] for i in range(len(data))])
    assert joined == "café – ✓" and all("\ufffd" not in s for s in shown)


def test_flash_attention_setting(monkeypatch):
    monkeypatch.delenv("KIT_FLASH_ATTN", raising=False)
    assert flash_attn_setting() == "auto"
    assert flash_attn_setting(False) == "off" and flash_attn_setting("ON") == "on"
    monkeypatch.setenv("KIT_FLASH_ATTN", "off")
    assert flash_attn_setting() == "off" and flash_attn_setting("auto") == "auto"
    with pytest.raises(ConfigError, match="use one of auto, on, off"):
        flash_attn_setting("fast")


def test_prompt_chunk(monkeypatch):
    monkeypatch.delenv("KIT_PROMPT_CHUNK", raising=False)
    assert prompt_chunk(None, on_gpu=False) == 64 and prompt_chunk(None, on_gpu=True) == 256
    monkeypatch.setenv("KIT_PROMPT_CHUNK", "128")
    assert prompt_chunk(None, on_gpu=False) == 128 and prompt_chunk(16, on_gpu=False) == 16
    monkeypatch.setenv("KIT_PROMPT_CHUNK", "lots")
    with pytest.raises(ConfigError, match="KIT_PROMPT_CHUNK='lots'"):
        prompt_chunk(None, on_gpu=False)
    with pytest.raises(ConfigError, match="between 1 and 4096"):
        prompt_chunk(0, on_gpu=False)


def test_short_prompts_skip_the_exact_count_long_ones_do_not():
    short = [{"role": "user", "content": "Name a city."}]
    assert not _may_overflow(short, 256, 4096)
    assert _may_overflow([{"role": "user", "content": "word " * 1000}], 256, 4096)
    assert _may_overflow(short, 4000, 4096)


def test_held_back_text_is_the_longest_end_that_starts_a_stop():
    stops = ["<ab", "b<b", "aa"]
    texts = [""]
    for _ in range(6):  # every text of up to 6 characters over the stops' alphabet and one other
        texts += [t + c for t in texts if len(t) == len(texts[-1]) for c in "ab<x"]
    for text in texts:
        held = StopText(stops)
        held.text = text
        expected = max((n for n in range(1, len(text) + 1) for s in stops if s.startswith(text[-n:])), default=0)
        assert held._held_back() == expected, text
