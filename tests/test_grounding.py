"""Verbatim grounding: spans are found only where the source really holds them."""

from kit.grounding import check_quotes, is_verbatim, locate


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
