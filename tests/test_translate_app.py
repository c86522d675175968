"""The translation app, driven in Python: inputs, errors, progress and results, on the real model.

Only the HTML helpers run on hand-made results; everything the app claims to do runs SmolLM2 through
llama.cpp (its translations are poor; the tests check the plumbing, not the Welsh).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest

from kit import privacy
from kit.errors import KitError
from kit.translate import view as translate_view
from kit.translate.app import TranslateApp, translate_app
from kit.translate.result import SegmentResult, Translation
from kit.widgets import html
from kit.widgets.jobs import Job

NAMES = {"en": "English", "cy": "Welsh", "ur": "Urdu"}
WAIT_S = 240


def _segment(index: int, source: str, translation: str, flags: tuple[str, ...] = (), **kw) -> SegmentResult:
    fields = dict(detected_language="en", back_translation_chrf=55.0, length_ratio=1.0, needs_review=bool(flags))
    return SegmentResult(index, "paragraph", source, translation, flags, **{**fields, **kw})


def _result(segments, target="cy", fmt="text", text="Annwyl breswylydd") -> Translation:
    return Translation("en", target, fmt, text, tuple(segments))


def _file(name: str, data: bytes) -> dict:
    return {"name": name, "type": "", "size": len(data), "content": memoryview(data),
            "last_modified": dt.datetime.now(dt.timezone.utc)}


def _link_bytes(link_html: str) -> tuple[str, bytes]:
    match = re.search(r'download="([^"]+)" href="data:[^;]+(?:;charset=utf-8)?;base64,([^"]+)"', link_html)
    assert match, link_html
    return match.group(1), base64.b64decode(match.group(2))


# -- HTML helpers, on hand-made results ----------------------------------------------------------
def test_summary_says_how_many_segments_need_review():
    twelve = [_segment(i, f"s{i}", f"t{i}", ("glossary_missing",) if i in (3, 7) else ()) for i in range(12)]
    assert "2 of 12 segments need review (English to Welsh)" in translate_view.summary_html(_result(twelve), NAMES)
    assert "kit-warn" in translate_view.summary_html(_result(twelve), NAMES)
    one = [_segment(0, "s", "t", ("untranslated",))]
    assert "1 of 1 segment needs review" in translate_view.summary_html(_result(one), NAMES)
    clean = translate_view.summary_html(_result([_segment(0, "s", "t")]), NAMES)
    assert "0 of 1 segment need review" in clean and "kit-ok" in clean


def test_segment_table_escapes_text_highlights_flags_and_sets_direction():
    segments = [
        _segment(0, "<script>alert('x')</script> & co", 'سلام "دوست"', ("low_backtranslation", "new_check")),
        _segment(1, "Ref HB-1", "حوالہ HB-1", back_translation_chrf=None),
    ]
    table = translate_view.segments_html(_result(segments, target="ur"), NAMES)
    assert "<script>" not in table and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in table
    assert "&quot;دوست&quot;" in table
    rows = re.findall(r"<tr[^>]*data-index[^>]*>.*?</tr>", table)
    assert len(rows) == 2 and 'class="kit-flagged"' in rows[0] and "kit-flagged" not in rows[1]
    assert ">meaning may differ</span>" in rows[0] and '<span class="kit-flag" title="">new check</span>' in rows[0]
    assert "OK" in rows[1] and "back-translation match: 55/100" in rows[0]
    assert re.findall(r'<td class="kit-translation" lang="ur" dir="(\w+)"', table) == ["rtl", "rtl"]
    assert 'class="kit-source" lang="en" dir="ltr"' in rows[0]
    assert "<th>Translation (Urdu)</th>" in table


def test_download_link_holds_the_document_in_its_input_format():
    text_result = _result([_segment(0, "Hi", "Helo")], text="Helo\n")
    name, data = _link_bytes(translate_view.download_html(text_result))
    assert (name, data) == ("translation.cy.txt", b"Helo\n")
    assert 'href="data:text/plain;charset=utf-8;base64,' in translate_view.download_html(text_result)
    docx_result = Translation("en", "ur", "docx", "x", (), docx_bytes=b"PK\x03\x04fake")
    link = translate_view.download_html(docx_result, "Letter to resident.docx")
    assert _link_bytes(link) == ("Letter to resident.ur.docx", b"PK\x03\x04fake")
    assert "wordprocessingml" in link
    assert translate_view.output_filename(_result([], fmt="markdown"), "notes.md") == "notes.cy.md"


def test_a_segment_not_translated_says_so_instead_of_posing_as_a_translation():
    source = "Your bin collection day will change to Thursday from 5 January. Reference BC-7781."
    segments = [
        _segment(0, source, source, ("not_translated:empty",), back_translation_chrf=None, status="not_translated",
                 reason="empty"),
        _segment(1, "Pay £5 by Friday.", "Talwch erbyn dydd Gwener.", ("protected_missing:£5",)),
        _segment(2, "Thank you.", "Diolch.", ("not_translated:wrong_language",), detected_language="fr",
                 status="not_translated", reason="wrong_language", model_output="Merci beaucoup."),
    ]
    result = _result(segments)
    table = translate_view.segments_html(result, NAMES)
    rows = re.findall(r"<tr[^>]*data-index[^>]*>.*?</tr>", table)
    translation = re.search(r'<td class="kit-translation[^"]*"[^>]*>(.*?)</td>', rows[0]).group(1)
    assert "Not translated — original kept" in translation and source not in translation
    assert "The model gave no answer." in translation
    assert 'data-status="not_translated"' in rows[0] and "kit-row-not-translated" in rows[0]
    assert "missing" not in rows[0]  # no checks on an answer that is not shown
    # Each flag carries its explanation: on hover (title) and in an expandable note.
    money = "The amount £5 from the original is not in the translation: it was dropped or changed."
    assert f'title="{money}">missing £5</span>' in rows[1]
    assert "<details class=\"kit-flag-details\"><summary>What this means</summary>" in rows[1] and money in rows[1]
    assert "The model&#x27;s answer was in French, not Welsh." in rows[2] and "Merci beaucoup." in rows[2]
    summary = translate_view.summary_html(result, NAMES)
    assert "3 of 3 segments need review" in summary and "2 were not translated" in summary


def test_progress_label_names_the_pass():
    from kit.translate.passes import Stage
    from kit.translate.app import progress_label

    assert progress_label(3, 10) == "segment 3 of 10"
    assert progress_label(3, 10, Stage("translate", 3, 5, 1, 2)) == "Translating: segment 3 of 5 (pass 1 of 2)"
    assert progress_label(7, 10, Stage("back_translate", 2, 5, 2, 2)) == (
        "Checking by translating back: segment 2 of 5 (pass 2 of 2)")
    assert progress_label(3, 5, Stage("translate", 3, 5, 1, 1)) == "Translating: segment 3 of 5"


def test_flags_read_as_plain_words():
    assert translate_view.flag_text("protected_missing:HB-2024-0193")[0] == "missing HB-2024-0193"
    assert translate_view.flag_text("wrong_language:cy", NAMES)[0] == "looks like Welsh"
    assert translate_view.flag_text("glossary_missing:council tax")[0] == "glossary: council tax"
    assert translate_view.flag_text("untranslated")[0] == "not translated"


def test_text_direction_and_messages():
    assert [html.text_direction(c) for c in ("ur", "ar", "cy", "AR-eg", None)] == ["rtl", "rtl", "ltr", "rtl", "ltr"]
    assert html.message("<b>bad</b>", "error") == (
        '<div class="kit-message kit-error" role="alert">&lt;b&gt;bad&lt;/b&gt;</div>')


# -- jobs ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("background", [True, False])
def test_job_turns_errors_into_messages_and_carries_confidential_mode(background):
    errors, finished, seen = [], [], []
    job = Job(on_error=errors.append, on_finish=lambda: finished.append(True))

    def fail_kit():
        seen.append(privacy.is_confidential())
        raise KitError("The glossary line 3 is malformed.")

    with privacy.confidential():
        assert job.start(fail_kit, background=background)
    assert job.wait(10)
    assert job.start(lambda: 1 / 0, background=background)
    assert job.wait(10)
    assert seen == [True]
    assert errors[0] == "The glossary line 3 is malformed."
    assert errors[1].startswith("Something went wrong (ZeroDivisionError: division by zero)")
    assert "Traceback" not in errors[1]
    assert finished == [True, True] and not job.busy


def test_job_runs_one_at_a_time():
    import threading

    gate = threading.Event()
    job = Job(on_error=lambda message: None)
    assert job.start(gate.wait)
    assert job.busy and not job.start(lambda: None)
    gate.set()
    assert job.wait(10) and not job.busy


# -- the app: bad input --------------------------------------------------------------------------
@pytest.fixture
def app(model):
    return TranslateApp(model, default_target="cy")


def test_app_offers_the_languages_and_starts_as_configured(model):
    app = TranslateApp(model, confidential=True, default_target="ur")
    assert dict((code, name) for name, code in app.target.options)["cy"] == "Welsh"
    assert {"en", "cy", "fr", "pl", "ur", "ar"} <= {code for _, code in app.target.options}
    assert app.target.value == "ur" and app.source.value == "auto" and app.confidential.value is True
    assert app.message.value == "" and not app.button.disabled


def test_an_unknown_default_language_is_a_warning_not_a_crash(model):
    app = TranslateApp(model, default_target="xx")
    assert "kit-warn" in app.message.value and "&#x27;xx&#x27; is not offered" in app.message.value


def test_empty_text_asks_for_something_to_translate(app):
    app.text.value = "   \n "
    app.button.click()
    assert "nothing to translate" in app.message.value and "kit-error" in app.message.value
    assert not app.job.busy and not app.button.disabled and app.table.value == ""


def test_a_file_of_the_wrong_kind_is_refused_with_advice(app):
    app.upload.value = (_file("scan.pdf", b"%PDF-1.4 ..."),)
    assert "scan.pdf" in app.file_note.value  # the upload is acknowledged
    app.button.click()
    assert "reads .txt, .md and .docx" in app.message.value and app.table.value == ""
    app.upload.value = ()
    assert app.file_note.value == ""


def test_a_bad_glossary_names_its_line(app):
    app.text.value = "Council tax is due."
    app.glossary_upload.value = (_file("terms.csv", b"source,target\ncouncil tax,treth gyngor\nbin day\n"),)
    app.button.click()
    assert "terms.csv" in app.message.value and "line 3" in app.message.value
    assert not app.job.busy and app.table.value == ""


def test_a_corrupt_word_document_is_a_message_not_a_traceback(app):
    app.upload.value = (_file("letter.docx", b"this is not a zip file"),)
    assert app.run()
    assert app.wait(WAIT_S)
    assert "kit-error" in app.message.value and "Traceback" not in app.message.value
    assert "letter.docx" in app.message.value or "docx" in app.message.value.lower()
    assert not app.button.disabled and app.button.description == "Translate"
    assert app.table.value == "" and app.download.value == ""


def test_translate_app_shows_why_it_cannot_start(monkeypatch):
    import kit.translate.app as module

    def broken(*args, **kwargs):
        raise KitError("Voila kernel has no lingua models.")

    monkeypatch.setattr(module, "TranslateApp", broken)
    panel = translate_app()
    assert "cannot start" in panel.value and "no lingua models" in panel.value


# -- the app: real translations ------------------------------------------------------------------
def test_translates_pasted_text_with_progress_in_confidential_mode(app, monkeypatch):
    statuses, confidential_calls = [], []
    app.status.observe(lambda change: statuses.append(change["new"]), names="value")
    real_translate = app._translation.translate

    def spy(*args, **kwargs):
        confidential_calls.append(privacy.is_confidential())
        return real_translate(*args, **kwargs)

    monkeypatch.setattr(app._translation, "translate", spy)
    app.text.value = "Dear resident,\n\nYour bin collection day changes to Tuesday. Reference: BN-4471."
    app.confidential.value = True
    assert app.run()
    assert app.button.disabled and app.button.description == "Translating..."
    assert app.wait(WAIT_S), "the translation did not finish"

    assert confidential_calls == [True]
    assert app.message.value == "", app.message.value
    result = app.result
    assert result is not None and result.target_language == "cy" and len(result.segments) >= 2
    count = len(result.segments)  # each segment is translated (pass 1), then translated back as a check (pass 2)
    assert f"Translating: segment {count} of {count} (pass 1 of 2)" in statuses
    assert statuses.index(f"Translating: segment {count} of {count} (pass 1 of 2)") < statuses.index(
        f"Checking by translating back: segment {count} of {count} (pass 2 of 2)")
    assert app.progress.value == app.progress.max == 2 * count  # the bar: both passes, one right total
    assert re.search(rf"\d+ of {len(result.segments)} segments need", app.summary.value)
    assert "Your bin collection day changes to Tuesday" in app.table.value
    assert app.table.value.count('<td class="kit-translation') == len(result.segments)
    assert app.table.value.count("Not translated — original kept") == len(result.not_translated)
    name, data = _link_bytes(app.download.value)
    assert name == "translation.cy.txt" and data == result.to_bytes() and data.strip()
    assert not app.button.disabled and app.button.description == "Translate"
    assert app.status.value.startswith("Done:")


def test_translates_an_uploaded_word_document_into_its_own_format(app):
    import docx

    document = docx.Document()
    document.add_heading("Council tax", level=1)
    document.add_paragraph("Your reference is CT-2024-0193.")
    buffer = io.BytesIO()
    document.save(buffer)

    app.text.value = "This text is ignored because a document is uploaded."
    app.upload.value = (_file("reminder.docx", buffer.getvalue()),)
    app.target.value = "fr"
    assert app.run() and app.wait(WAIT_S)

    assert app.message.value == "", app.message.value
    assert app.result.format == "docx" and app.result.target_language == "fr"
    assert "This text is ignored" not in app.table.value
    assert "CT-2024-0193" in app.table.value
    assert set(re.findall(r'class="kit-translation" lang="fr" dir="(\w+)"', app.table.value)) == {"ltr"}
    name, data = _link_bytes(app.download.value)
    assert name == "reminder.fr.docx"
    translated = docx.Document(io.BytesIO(data))
    assert any(p.text.strip() for p in translated.paragraphs)


# -- limits and Stop -----------------------------------------------------------------------------
def test_an_upload_over_the_limit_is_refused_with_the_limit_named(app):
    assert "up to 20 MB" in app.upload.description
    app.upload.value = (_file("huge.txt", b"Dear resident, the bins go out on Monday.\n" * 714_286),)  # 30 MB
    assert "huge.txt&#x27; is 30,000,012 bytes, over the limit of 20,000,000 bytes" in app.file_note.value
    assert "KIT_MAX_UPLOAD_BYTES" in app.file_note.value and "kit-error" in app.file_note.value
    assert not app.run()
    assert "KIT_MAX_UPLOAD_BYTES" in app.message.value and not app.job.busy and app.table.value == ""


def test_stop_keeps_the_segments_translated_so_far(app):
    import time

    app.text.value = "\n\n".join(f"Notice {n}: the library opens at nine on Monday." for n in range(1, 9))
    pressed: list[float] = []

    def press_stop(change):  # the user presses Stop once two segments are translated
        if change["new"] >= 2 and not pressed:
            pressed.append(time.monotonic())
            app.stop_button.click()

    app.progress.observe(press_stop, names="value")
    assert not app.stop() and app.stop_button.layout.display == "none"  # nothing to stop yet, and no button
    assert app.run()
    assert app.stop_button.layout.display is None and not app.stop_button.disabled
    assert app.wait(WAIT_S), "the translation did not stop"
    stopped_in = time.monotonic() - pressed[0]
    result = app.result
    assert stopped_in < 10, f"{stopped_in:.1f} s from Stop to the end"
    assert len(result.segments) == 8 and result.stopped == 6
    assert all(s.reason == "stopped" and s.translation == s.source for s in result.segments[2:])
    assert app.status.value.startswith("Stopped after 2 of 8 segments")
    assert "Stopped after 2 of 8 segments" in app.summary.value
    assert app.table.value.count("Not translated — original kept") == len(result.not_translated) >= 6
    name, data = _link_bytes(app.download.value)
    assert name == "translation.cy.txt" and b"Notice 8: the library opens at nine on Monday." in data
    assert b"The translation was stopped before this segment was reached." in data
    assert app.stop_button.layout.display == "none" and not app.button.disabled
