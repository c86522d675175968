"""Static action cards: built from real ingested guidance, verbatim, saved, loaded and matched to questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kit.errors import InputError
from kit.grounding import is_verbatim
from kit.offline.cards import Card, action_lines, build_cards, load_cards, match_card, save_cards

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "datasets" / "offline" / "docs"

GUIDE = """# Fridge failure

Synthetic example, not clinical guidance.

## If the vaccine fridge alarm sounds

1. Do not open the fridge door.
2. Read the minimum and maximum temperatures and write them on the fridge log.
3. Phone the pharmacy cold-chain line on extension 4410.

Pharmacy decides whether the stock can be used.

## Moving stock

- Move stock into the spare fridge in the treatment room.
- Label it "quarantine, do not use" until pharmacy has checked it.

## Background

The fridges were bought in 2019. Nothing here is a step.
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from kit.docs import ingest

    folder = tmp_path_factory.mktemp("guidance")
    (folder / "fridge.md").write_text(GUIDE, encoding="utf-8")
    (folder / "phones.txt").write_text(
        "Telephones down\n\nSynthetic example, not clinical guidance.\n\nWhat to do\n\n"
        "1) Use the red analogue phone at the nurses' station.\n2) Runners carry urgent messages.\n", encoding="utf-8")
    return ingest(folder, index_dir=folder.parent / (folder.name + "-index"))


def test_cards_hold_the_guidance_steps_verbatim(store):
    cards = build_cards(store)
    by_title = {card.title: card for card in cards}
    alarm = next(card for title, card in by_title.items() if title.endswith("If the vaccine fridge alarm sounds"))
    assert alarm.document == "fridge.md"
    assert alarm.actions == ("1. Do not open the fridge door.",
                             "2. Read the minimum and maximum temperatures and write them on the fridge log.",
                             "3. Phone the pharmacy cold-chain line on extension 4410.")
    moving = next(card for title, card in by_title.items() if title.endswith("Moving stock"))
    assert moving.actions[1] == '- Label it "quarantine, do not use" until pharmacy has checked it.'
    assert not any(title.endswith("Background") for title in by_title)  # prose only: no card
    phones = next(card for card in cards if card.document == "phones.txt")
    assert phones.actions == ("1) Use the red analogue phone at the nurses' station.",
                              "2) Runners carry urgent messages.")
    for card in cards:  # every line is the section's own text
        section = store.section(card.section_id)
        assert section.document == card.document
        texts = [s.text for s in store.sections if s.document == card.document]
        assert all(any(is_verbatim(action, text) for text in texts) for action in card.actions)


def test_cards_survive_a_save_and_load(store, tmp_path):
    cards = build_cards(store)
    path = save_cards(cards, tmp_path / "cards" / "cards.json")
    assert load_cards(path) == cards
    assert not list(path.parent.glob("*.partial"))


def test_questions_find_the_right_card_and_unrelated_ones_find_none(store):
    cards = build_cards(store)
    assert match_card("The vaccine fridge alarm is going off, what do I do?", cards).title.endswith("alarm sounds")
    assert match_card("Where do I move the stock to?", cards).title.endswith("Moving stock")
    assert match_card("Who won the football on Saturday?", cards) is None
    assert match_card("", cards) is None and match_card("fridge", ()) is None


def test_bad_card_files_say_how_to_rebuild(tmp_path):
    with pytest.raises(InputError, match="No action cards at .*Rebuild them with"):
        load_cards(tmp_path / "missing.json")
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"format": "kit-action-cards", "cards": [{"title": "x"', encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read.*Rebuild"):
        load_cards(truncated)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"cards": "nope"}), encoding="utf-8")
    with pytest.raises(InputError, match="not a file of action cards"):
        load_cards(other)
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps({"format": "kit-action-cards", "cards": [{"title": "x"}]}), encoding="utf-8")
    with pytest.raises(InputError, match="damaged"):
        load_cards(damaged)


def test_action_lines_take_numbered_and_bulleted_lines_only():
    text = ("Intro line.\n  1. First step.\n2) Second\n(3) Third.\nStep 4: Fourth.\n• Bullet.\n- Dash.\n"
            "2019 was a year.\n")
    assert action_lines(text) == ["1. First step.", "2) Second", "(3) Third.", "Step 4: Fourth.", "• Bullet.",
                                  "- Dash."]
    wrapped = "1. Phone the laboratory and read the result back to\nthe caller before you write it down.\nA note.\n"
    assert action_lines(wrapped) == ["1. Phone the laboratory and read the result back to the caller before you "
                                     "write it down."]
    assert is_verbatim(action_lines(wrapped)[0], wrapped)


def test_the_project_corpus_gives_a_card_for_most_documents(tmp_path):
    from kit.docs import ingest

    store = ingest(CORPUS, index_dir=tmp_path / "index")
    cards = build_cards(store)
    assert len({card.document for card in cards}) >= 0.9 * len(store.documents)
    card = match_card("How do I take a 999 call on paper when CAD is down?", cards)
    assert card is not None and "call" in card.title.lower()
    assert all(isinstance(card, Card) and card.actions for card in cards)
