"""Verbatim grounding: spans are found only where the source really holds them."""

from kit.grounding import (
    CUTS_A_WORD,
    NO_CONTENT_WORD,
    NOT_IN_SOURCE,
    NOT_THE_VALUE,
    check_evidence,
    check_quotes,
    content_words,
    is_verbatim,
    locate,
)


def test_exact_span_is_located_with_source_offsets():
    text = "The applicant proposes thirty seven apartments on the site."
    span = locate("thirty seven apartments", text)
    assert span is not None
    assert text[span.start : span.end] == "thirty seven apartments" == span.text


def test_white_space_and_typographic_punctuation_fold_but_the_span_is_the_sources_own():
    text = "Erection of a  two\nstorey extension \u2013 the owner\u2019s garage"
    span = locate("two storey extension - the owner's", text)
    assert span is not None
    assert span.text == "two\nstorey extension \u2013 the owner\u2019s"


def test_words_not_in_the_source_are_not_verbatim():
    text = "Replacement windows to front elevation"
    assert not is_verbatim("replacement doors", text)
    assert not is_verbatim("Replacement  windows to rear", text)
    assert locate("   ", text) is None
    assert locate("", text) is None


def test_case_matters_unless_asked():
    assert locate("REPLACEMENT", "Replacement windows") is None
    assert locate("REPLACEMENT", "Replacement windows", ignore_case=True).text == "Replacement"


def test_check_quotes_names_the_first_source_that_holds_each_quote():
    sources = {"a": "Call the duty manager.", "b": "Use paper request forms."}
    checks = check_quotes(["paper request forms", "duty manager", "invented"], sources)
    assert [c.source_id for c in checks] == ["b", "a", None]
    assert [c.found for c in checks] == [True, True, False]


def test_a_quote_inside_a_word_is_not_evidence_but_the_same_words_on_boundaries_are():
    text = "Erection of 12 apartments with a garage"
    assert locate("a", text).start == 15  # inside "apartments": verbatim, but not whole words
    assert locate("a", text, whole_words=True).start == text.index(" a ") + 1
    assert locate("apart", text, whole_words=True) is None
    assert check_evidence("apart", text).reason == CUTS_A_WORD
    assert check_evidence("12 apartments", text).span.text == "12 apartments"


def test_a_quote_of_stop_words_punctuation_or_single_letters_is_not_evidence():
    text = "Erection of a dwelling, with a garage (retrospective)."
    for quote in ("a", "of a", "with a", ",", "(", "of"):
        check = check_evidence(quote, text)
        assert not check.ok and check.reason in (NO_CONTENT_WORD, CUTS_A_WORD), quote
    assert content_words("Erection of a dwelling") == ["erection", "dwelling"]
    assert content_words("12 no.") == ["12"] and content_words("of a") == []


def test_a_quote_that_does_not_state_the_value_is_rejected_and_every_reason_is_named():
    text = "Erection of twelve apartments"
    states_twelve = lambda span, source: "twelve" in span.text and source == text  # noqa: E731
    assert check_evidence("twelve apartments", text, states=states_twelve).ok
    assert check_evidence("apartments", text, states=states_twelve).reason == NOT_THE_VALUE
    assert check_evidence("thirteen", text).reason == NOT_IN_SOURCE
    assert check_evidence(None, text).reason == NOT_IN_SOURCE
    assert check_evidence("ERECTION", text, ignore_case=True).ok


def test_check_quotes_applies_the_evidence_rules_and_says_why_a_quote_failed():
    checks = check_quotes(["a", "paper"], {"a": "Use paper request forms."})
    assert [c.found for c in checks] == [False, True]
    assert checks[0].reason == CUTS_A_WORD and checks[1].reason == ""
