"""The planning view: evidence marked in the text (overlapping spans as one mark naming every field, never part of a
word), escaped, the same for the app and the notebook."""

from __future__ import annotations

import kit.planning as planning
from kit.planning.view import highlight, marks, record_html, show

ADDRESS = "6 Fairway Drive Ramsey Isle Of Man IM8 2BA"


def test_highlight_marks_overlapping_spans_and_escapes_text():
    html = highlight("a <b> c", [(0, 5, "works"), (2, 5, "storeys")])
    assert html == '<mark class="kit-evidence" data-fields="storeys works" title="Storeys, Works">a &lt;b&gt;</mark> c'


def test_nested_evidence_is_one_mark_for_the_whole_span_naming_both_fields():
    text = "Erection of 12 apartments"
    html = highlight(text, [(12, 25, "dwellings"), (15, 25, "works")])
    assert html == ('Erection of <mark class="kit-evidence" data-fields="dwellings works" '
                    'title="Net new dwellings, Works">12 apartments</mark>')
    assert html.count("<mark") == 1


def test_evidence_inside_a_word_marks_the_whole_word_and_separate_spans_stay_apart():
    text = "Erection of four storey building comprising 12 apartments"
    quoted_a = text.index("apartments")  # a model quoting "a" is found at the start of "apartments"
    found = marks(text, [(quoted_a, quoted_a + 1, "application_type"), (44, 57, "dwellings"), (12, 23, "storeys")])
    assert [(text[s:e], labels) for s, e, labels in found] == [
        ("four storey", ("storeys",)), ("12 apartments", ("application_type", "dwellings"))]
    alone = marks("Installation of signage", [(3, 4, "application_type")])
    assert [("Installation of signage"[s:e], labels) for s, e, labels in alone] == [
        ("Installation", ("application_type",))]


def test_a_record_shows_each_evidence_span_escaped_in_the_app_and_the_notebook():
    record = planning.extract(None, "Erection of 2 dwellings <b>now</b> (retrospective)", ADDRESS, method="parsers")
    page = record_html(record)
    assert ('<mark class="kit-evidence" data-fields="application_type dwellings works" '
            'title="Application type, Net new dwellings, Works">Erection of 2 dwellings</mark>') in page
    assert 'data-fields="retrospective" title="Retrospective">retrospective</mark>' in page
    assert '<mark class="kit-evidence" data-fields="postcode" title="Postcode">IM8 2BA</mark>' in page
    assert "&lt;b&gt;now&lt;/b&gt;" in page and "<b>now</b>" not in page
    shown = show(record.model_copy(update={"reference": "16/00001/B"})).data
    assert page in shown and "<b>16/00001/B</b>" in shown and "mark.kit-evidence" in shown  # the app's styles


def test_a_rejected_model_quote_is_never_marked_and_chained_spans_make_one_mark():
    from kit import planning
    from tests.fakes import FakeModel

    reply = ('{"application_type": "B", "type_quote": "a", "works": [], "dwellings": null, "dwellings_quote": null, '
             '"storeys": null, "storeys_quote": null, "settlement": null, "retrospective": false, '
             '"retrospective_quote": null}')
    text = "Erection of 12 apartments with associated parking and landscaping"
    record = planning.extract(FakeModel([reply]), text, "Main Road, Onchan, IM3 1AA", method="model")
    assert record.application_type is None and not record.evidence.get("application_type")
    assert any("cuts a word" in flag for flag in record.flags), record.flags
    assert "<mark" not in record_html(record).split("kit-description")[1].split("</div>")[0]
    # a span nested in another, and a third overlapping the second: one mark for the whole run, every field named
    found = marks(text, [(12, 25, "dwellings"), (15, 25, "works"), (20, 36, "storeys")])
    assert found == [(12, 41, ("dwellings", "storeys", "works"))]  # 36 falls inside "associated": whole word
