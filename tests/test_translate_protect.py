"""Protected tokens: the regexes, the placeholder round trip and the check on the output."""

from __future__ import annotations

import json

import pytest

from kit.translate.evaluate import default_dataset_dir
from kit.translate.protect import find_protected, has_words, missing_tokens, protect, restore


@pytest.mark.parametrize(("text", "kind", "token"), [
    ("quote reference REF-2024/00123.", "reference", "REF-2024/00123"),
    ("account CT-88812-01 is paid", "reference", "CT-88812-01"),
    ("notice PCN-WK4471902 was issued", "reference", "PCN-WK4471902"),
    ("your NI number AB123456C", "reference", "AB123456C"),
    ("parking zone C3 only", "reference", "C3"),
    ("pay £1,842.60 now", "money", "£1,842.60"),
    ("it costs £5.", "money", "£5"),
    ("a fee of 50p applies", "money", "50p"),
    ("on 14/03/2025 at", "date", "14/03/2025"),
    ("on 2025-03-14.", "date", "2025-03-14"),
    ("the 2025/26 bill", "date", "2025/26"),
    ("at 10:30, please", "time", "10:30"),
    ("from 9am", "time", "9am"),
    ("Cardiff CF10 9QK, Wales", "postcode", "CF10 9QK"),
    ("in SA31 7QK.", "postcode", "SA31 7QK"),
    ("call 029 2018 0457 today", "phone", "029 2018 0457"),
    ("call 03069 990123.", "phone", "03069 990123"),
    ("call +44 (0)29 2018 0457 now", "phone", "+44 (0)29 2018 0457"),
    ("email counciltax@example.gov.uk.", "email", "counciltax@example.gov.uk"),
    ("see https://www.example.gov.uk/pay.", "url", "https://www.example.gov.uk/pay"),
    ("(www.example.gov.uk/repairs)", "url", "www.example.gov.uk/repairs"),
    ("a 25% discount", "percentage", "25%"),
    ("within 21 days", "number", "21"),
    ("1,000 homes", "number", "1,000"),
])
def test_each_kind_of_token_is_found_whole(text, kind, token):
    found = find_protected(text)
    assert [(t.kind, t.text) for t in found] == [(kind, token)]


@pytest.mark.parametrize("text", ["Band D", "the 1st of May", "Dear Mr Jones,", "Year", "COVID"])
def test_ordinary_words_are_not_protected(text):
    assert [t.text for t in find_protected(text) if t.kind != "number"] == []
    assert "1st" not in [t.text for t in find_protected(text)]


def test_every_protected_token_in_the_dataset_is_found():
    folder = default_dataset_dir()
    for line in (folder / "segments.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found = [t.text for t in find_protected(row["en"])]
        for token in row["protected"]:
            assert token in found, (row["id"], token, found)
    for doc in json.loads((folder / "documents.json").read_text(encoding="utf-8")):
        text = (folder / f"{doc['name']}.md").read_text(encoding="utf-8")
        found = {t.text for t in find_protected(text)}
        assert set(doc["protected"]) <= found, doc["name"]


def test_placeholders_round_trip():
    text = "Pay £184.26 by 01/04/2025 quoting CT-88812-01 at https://www.example.gov.uk/pay or 03069 990123."
    masked = protect(text)
    assert masked.text == "Pay ⟦1⟧ by ⟦2⟧ quoting ⟦3⟧ at ⟦4⟧ or ⟦5⟧."
    assert masked.tokens == ("£184.26", "01/04/2025", "CT-88812-01", "https://www.example.gov.uk/pay", "03069 990123")
    assert restore(masked.text, masked.tokens) == text
    # The model may move placeholders around or pad them with spaces: they still come back.
    assert restore("Talwch ⟦ 1 ⟧ erbyn ⟦2⟧ (⟦3⟧)", masked.tokens) == "Talwch £184.26 erbyn 01/04/2025 (CT-88812-01)"
    # A placeholder the model invented stays visible rather than silently vanishing.
    assert restore("⟦9⟧", masked.tokens) == "⟦9⟧"


def test_extra_protected_terms_win_over_the_patterns():
    masked = protect("Ty Gwyn Community Centre, 8 Station Road", extra=["Ty Gwyn Community Centre"])
    assert masked.tokens == ("Ty Gwyn Community Centre", "8")


def test_missing_tokens_spots_altered_and_dropped_tokens():
    tokens = ("£184.26", "01/04/2025", "01/04/2025")
    assert missing_tokens("£184.26 le 01/04/2025 et 01/04/2025", tokens) == []
    assert missing_tokens("£184,26 le 01/04/2025", tokens) == ["£184.26", "01/04/2025"]


def test_has_words_ignores_placeholders_and_punctuation():
    assert not has_words("⟦1⟧")
    assert not has_words("⟦1⟧ – ⟦2⟧.")
    assert has_words("⟦1⟧ to ⟦2⟧")
