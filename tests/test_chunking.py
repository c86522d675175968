"""Token-bounded chunks on paragraph, sentence and word boundaries (pure logic: a word counter stands in)."""

from __future__ import annotations

import pytest

from kit.chunking import chunk_text


def words(text: str) -> int:
    return len(text.split())


def test_short_text_is_one_chunk():
    assert chunk_text("One short paragraph.", 50, words) == ["One short paragraph."]


def test_paragraphs_stay_whole_when_they_fit():
    text = "First para has five words.\n\nSecond para also five words.\n\nThird one here, five words."
    chunks = chunk_text(text, 6, words)
    assert "".join(chunks) == text
    assert [c.split()[0] for c in chunks] == ["First", "Second", "Third"]
    packed = chunk_text(text, 10, words)  # two paragraphs fit together in 10 words
    assert len(packed) == 2 and all(words(c) <= 10 for c in packed)


def test_long_paragraph_splits_on_sentences():
    text = "Alpha beta gamma. Delta epsilon zeta! Eta theta iota? Kappa lambda mu."
    chunks = chunk_text(text, 6, words)
    assert "".join(chunks) == text
    assert all(c.rstrip().endswith((".", "!", "?")) for c in chunks)


def test_arabic_and_urdu_sentence_marks_split():
    text = "جملة أولى هنا؟ جملة ثانية هنا. یہ تیسرا جملہ ہے۔ اور چوتھا۔"
    chunks = chunk_text(text, 4, words)
    assert "".join(chunks) == text and len(chunks) > 1


def test_overlong_sentence_splits_on_words():
    text = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_text(text, 10, words)
    assert "".join(chunks) == text
    assert [words(c) for c in chunks] == [10, 10, 5]


def test_empty_text_and_bad_budget():
    assert chunk_text("", 10, words) == []
    with pytest.raises(ValueError):
        chunk_text("x", 0, words)
