"""The deterministic safeguarding check: 100% recall on the labelled set, simple negation, the data file."""

from __future__ import annotations

import json

import pytest
from fakes import FakeModel

from kit.admin.triage import evaluate as evaluate_triage
from kit.admin.triage import safeguarding, triage


def test_every_labelled_safeguarding_message_is_caught_and_no_labelled_safe_one_is_flagged():
    labels = evaluate_triage.load_labels()
    scores = evaluate_triage.safeguarding_scores(labels)
    assert labels.height >= 100 and scores["positives"] >= 20
    assert scores["recall"] == 1.0, f"missed: {scores['misses']}"
    assert scores["false_alarms"] == [] and scores["precision"] == 1.0


def test_a_model_that_says_low_urgency_never_lowers_a_safeguarding_message():
    labels = evaluate_triage.load_labels()
    risky = labels.filter(labels["safeguarding"]).head(12).to_dicts()
    calm = json.dumps({"category": "general_enquiry", "urgency": "low", "team": "Customer Services",
                       "reply": "Thank you for your email. Customer Services will reply within ten working days."})
    fake = FakeModel(replies=lambda messages: calm)
    for item in risky:
        result = triage(fake, item["text"], item_id=item["id"])
        assert (result.urgency, result.model_urgency) == ("urgent", "low"), item["id"]
        assert result.sources["urgency"] == "rule: safeguarding" and result.flags[0].startswith("Safeguarding words")
    assert len(fake.calls) == len(risky)  # the model was asked for its fields, never about safeguarding
    assert not any("safeguard" in m["content"].lower() for call in fake.calls for m in call)


@pytest.mark.parametrize("text, flagged, words", [
    ("I have been self-harming and feel suicidal.", True, ["self-harming", "suicidal"]),
    ("I have been self harming again", True, ["self harming"]),
    ("I don’t want to live like this", True, ["don’t want to live"]),
    ("We have no food and no heating.", True, ["no food", "no heating"]),
    ("The bailiffs are coming tomorrow; we'll be homeless tonight.", True, ["bailiffs are coming tomorrow",
                                                                            "homeless tonight"]),
    ("My neighbour hits her children.", True, ["hits her"]),
    ("Mam myśli samobójcze.", True, ["samobójcze"]),
    ("The inspection found no sign of abuse.", False, []),
    ("He has never been abusive or neglectful.", False, []),
    ("She denies any self-harm.", False, []),
    ("I'm not sure if he is hurting himself.", True, ["hurting himself"]),
    ("There is no damp, but my partner hits me.", True, ["hits me"]),
    ("My bin was missed on Tuesday.", False, []),
])
def test_phrases_stems_hyphens_apostrophes_and_negation(text, flagged, words):
    result = safeguarding.check(text)
    assert result.flagged is flagged
    assert [m.text for m in result.matches if not m.negated] == words


def test_negated_mentions_are_kept_for_a_reader_but_raise_nothing():
    result = safeguarding.check("The officer saw no sign of neglect.")
    assert [(m.text, m.negated) for m in result.matches] == [("neglect", True)]
    assert result.reason() == "" and result.categories == ()


def test_the_reason_names_the_words_and_their_categories():
    result = safeguarding.check("Since my wife died I don't want to live. We have nothing to eat.")
    assert result.categories == ("suicide", "basic_needs")
    assert "“don't want to live” (suicide)" in result.reason() and "set to urgent" in result.reason()


def test_the_phrase_file_format_categories_stems_and_never_negated_phrases():
    phrases = safeguarding.parse_phrases("# comment\n[test]\nflood*  # trailing note\nno water\n")
    assert [(p.text, p.category, p.negatable) for p in phrases] == [("flood*", "test", True), ("no water", "test", False)]
    result = safeguarding.check("not flooding, but there is no water", extra=phrases)
    assert [(m.text, m.negated) for m in result.matches] == [("flooding", True), ("no water", False)]
    assert len(safeguarding.phrases()) > 100 and {"suicide", "self_harm", "domestic_abuse", "neglect",
                                                  "child_at_risk", "basic_needs"} <= {p.category for p in
                                                                                      safeguarding.phrases()}
