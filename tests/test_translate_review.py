"""Segments without a usable translation, flags that describe what is shown, formatting kept or flagged, and
progress over both passes: the translation logic with a scripted model (the real model: test_translate_model)."""

from __future__ import annotations

import io
import re

import pytest
from fakes import FakeModel

from kit.translate import flags, translate, translate_bytes
from kit.translate.errors import TranslationError
from kit.translate.inline import find_markdown
from kit.translate.protect import protect, restore_checked

BIN_DAY = "Your bin collection day will change to Thursday from 5 January. Reference BC-7781."
WELSH = "Bydd eich diwrnod casglu biniau yn newid i ddydd Iau o ⟦1⟧ Ionawr. Cyfeirnod ⟦2⟧."


def data_block(messages: list[dict]) -> str:
    """The segment the prompt asks to translate (inside the <text> block of the last message)."""
    return re.search(r"<text>\n(.*)\n</text>$", messages[-1]["content"], re.S).group(1)


def rewriting(fn):
    """A FakeModel whose answer is ``fn(segment)``; back-translations (into English) echo the source text."""
    return FakeModel(replies=lambda messages: fn(data_block(messages)))


# -- a segment with no usable translation ----------------------------------------------------------
def test_an_empty_answer_is_not_translated_and_says_so():
    # The case: the model answered nothing, and the checks used to run on that empty answer.
    result = translate(rewriting(lambda s: ""), BIN_DAY, target="cy", source="en", back_translate=False)
    (segment,) = result.segments
    assert (segment.status, segment.reason) == ("not_translated", "empty")
    assert segment.translation == BIN_DAY and not segment.translated
    assert segment.flags == ("not_translated:empty",)  # no "missing 5" about text that is plainly there
    assert segment.needs_review and result.not_translated == (segment,)
    assert result.text == BIN_DAY  # the document keeps the original, and nothing else
    document = result.to_bytes().decode("utf-8")
    assert document.startswith(BIN_DAY + "\n\n")
    assert "Translation review (remove this section before sending)" in document
    assert f"1. Segment 1 (paragraph): “{BIN_DAY}” — The model gave no answer." in document
    assert "1 of 1 segment was not translated" in document


@pytest.mark.parametrize(("answer", "reason", "detected"), [
    (BIN_DAY.replace("5", "⟦1⟧").replace("BC-7781", "⟦2⟧"), "echo", "en"),
    ("Votre jour de collecte des poubelles changera à partir du ⟦1⟧ janvier. Référence ⟦2⟧.", "wrong_language",
     "fr"),
    ("⟦1⟧ ⟦2⟧", "empty", None),
])
def test_echoed_or_wrong_language_answers_are_not_translations(answer, reason, detected):
    result = translate(rewriting(lambda s: answer), BIN_DAY, target="cy", source="en")
    (segment,) = result.segments
    assert (segment.status, segment.reason, segment.detected_language) == ("not_translated", reason, detected)
    assert segment.translation == BIN_DAY and segment.model_output and segment.flags == (f"not_translated:{reason}",)
    assert segment.back_translation is None and segment.back_translation_chrf is None


def test_a_real_translation_gets_the_checks_and_keeps_its_text():
    result = translate(rewriting(lambda s: WELSH.replace("⟦2⟧", "BC-7718")), BIN_DAY, target="cy", source="en",
                       back_translate=False)
    (segment,) = result.segments
    assert segment.status == "translated" and segment.translated
    assert segment.translation == "Bydd eich diwrnod casglu biniau yn newid i ddydd Iau o 5 Ionawr. Cyfeirnod BC-7718."
    assert segment.flags == ("protected_missing:BC-7781",)  # the changed reference, which really is missing
    assert result.to_bytes() == result.text.encode("utf-8")  # nothing to list: no review note


def test_a_model_error_costs_one_segment_and_every_error_is_reported():
    def answer(segment):
        if "Thursday" in segment:
            raise RuntimeError("llama_decode returned -1")
        return "Annwyl breswylydd,"

    result = translate(rewriting(answer), f"Dear resident,\n\n{BIN_DAY}\n", target="cy", source="en",
                       back_translate=False)
    first, second = result.segments
    assert first.status == "translated" and first.translation == "Annwyl breswylydd,"
    assert (second.status, second.reason, second.error) == ("not_translated", "model_error",
                                                            "RuntimeError: llama_decode returned -1")
    assert result.text == f"Annwyl breswylydd,\n\n{BIN_DAY}\n"
    assert "The model could not be run for it (RuntimeError: llama_decode returned -1)." in result.review_summary()

    def broken(segment):
        raise RuntimeError("the server went away")

    with pytest.raises(TranslationError, match="failed on every segment.*the server went away"):
        translate(rewriting(broken), BIN_DAY, target="cy", source="en", back_translate=False)


def test_a_failed_back_translation_keeps_the_translation_and_flags_it_unchecked():
    def answer(messages):
        if "into English" in messages[0]["content"]:
            raise RuntimeError("context full")
        return WELSH

    result = translate(FakeModel(replies=answer), BIN_DAY, target="cy", source="en")
    (segment,) = result.segments
    assert segment.status == "translated" and segment.translation.startswith("Bydd eich diwrnod")
    assert segment.flags == ("backtranslation_failed",) and segment.error == "RuntimeError: context full"
    (described,) = flags.explain(segment, source="en", target="cy")
    assert described.label == "not checked" and "(RuntimeError: context full)" in described.explanation


def test_markdown_review_note_escapes_the_quoted_original():
    result = translate(rewriting(lambda s: ""), "Read **this** and [that](https://x.gov.uk).\n", target="cy",
                       source="en", format="markdown", back_translate=False)
    note = result.review_summary()
    assert note.startswith("---\n\n## Translation review")
    assert "“Read \\*\\*this\\*\\* and \\[that\\](https://x.gov.uk).”" in note
    assert result.text == "Read **this** and [that](https://x.gov.uk).\n"


# -- progress over both passes -------------------------------------------------------------------
def test_progress_reports_each_pass_and_one_right_total():
    plain, staged = [], []
    translate(rewriting(lambda s: "Helo yno, bawb."), "Hello there.\nGoodbye now.", target="cy", source="en",
              progress=lambda done, total: plain.append((done, total)))
    assert plain == [(1, 4), (2, 4), (3, 4), (4, 4)]
    translate(rewriting(lambda s: "Helo yno, bawb."), "Hello there.\nGoodbye now.", target="cy", source="en",
              progress=lambda done, total, stage=None: staged.append((done, total, stage.name, stage.done,
                                                                      stage.total, stage.number, stage.passes)))
    assert staged == [(1, 4, "translate", 1, 2, 1, 2), (2, 4, "translate", 2, 2, 1, 2),
                      (3, 4, "back_translate", 1, 2, 2, 2), (4, 4, "back_translate", 2, 2, 2, 2)]


def test_segments_not_translated_are_not_translated_back():
    model = rewriting(lambda s: "" if "Goodbye" in s else "Helo yno, bawb.")
    result = translate(model, "Hello there.\nGoodbye now.", target="cy", source="en")
    assert len(model.calls) == 3  # two forward, one back (the empty answer is not sent back)
    assert [s.status for s in result.segments] == ["translated", "not_translated"]


# -- Markdown inline formatting -----------------------------------------------------------------
def test_markdown_marks_are_found_and_plain_text_is_left_alone():
    marks = find_markdown("Pay **by Friday** or see [the guide](https://x.gov.uk) and `form_A`.")
    assert [(m.kind, m.text, m.fallback) for m in marks] == [
        ("emphasis", "**", ""), ("emphasis", "**", ""), ("link", "[", ""), ("link", "](", " ("),
        ("url", "https://x.gov.uk", None), ("link", ")", ")"), ("code", "`form_A`", None),
    ]
    for text in ("2 * 3 * 4", "file_name_here", "a * b", "snake_case and other_word"):
        assert find_markdown(text) == [], text
    assert [m.text for m in find_markdown("***both***")] == ["***", "***"]  # adjacent marks travel as one


def test_restore_keeps_formatting_only_when_every_mark_is_in_place():
    masked = protect("Pay **£5** by *Friday*.", markdown=True)
    assert masked.text == "Pay ⟦1⟧⟦2⟧⟦3⟧ by ⟦4⟧Friday⟦5⟧."
    assert masked.content == ("£5",)
    assert restore_checked("Talwch ⟦1⟧⟦2⟧⟦3⟧ erbyn ⟦4⟧dydd Gwener⟦5⟧.", masked) == (
        "Talwch **£5** erbyn *dydd Gwener*.", True)
    assert restore_checked("Talwch ⟦1⟧⟦2⟧ erbyn ⟦4⟧dydd Gwener⟦5⟧.", masked) == (
        "Talwch £5 erbyn dydd Gwener.", False)  # a lost mark: no stray ** left behind
    assert restore_checked("Talwch ⟦3⟧⟦2⟧⟦1⟧ erbyn ⟦4⟧dydd Gwener⟦5⟧.", masked)[1] is False  # out of order


def test_markdown_emphasis_and_links_are_kept_through_the_model():
    model = rewriting(lambda s: s.replace("Pay", "Talwch").replace("by", "erbyn").replace("see", "gweler")
                      .replace("the guide", "y canllaw"))
    result = translate(model, "Pay **£5** by *Friday*, see [the guide](https://x.gov.uk/pay).\n", target="cy",
                       source="en", format="markdown", back_translate=False)
    assert data_block(model.calls[0]) == "Pay ⟦1⟧⟦2⟧⟦3⟧ by ⟦4⟧Friday⟦5⟧, see ⟦6⟧the guide⟦7⟧⟦8⟧⟦9⟧."
    assert result.text == "Talwch **£5** erbyn *Friday*, gweler [y canllaw](https://x.gov.uk/pay).\n"
    assert result.segments[0].flags == ()


def test_lost_markdown_formatting_is_flagged_and_left_well_formed():
    model = rewriting(lambda s: "Talwch ⟦2⟧ erbyn dydd Gwener, gweler y canllaw ⟦8⟧.")
    result = translate(model, "Pay **£5** by *Friday*, see [the guide](https://x.gov.uk/pay).\n", target="cy",
                       source="en", format="markdown", back_translate=False)
    assert result.text == "Talwch £5 erbyn dydd Gwener, gweler y canllaw https://x.gov.uk/pay.\n"
    assert "*" not in result.text and "[" not in result.text
    assert result.segments[0].flags == ("formatting_simplified",)


def test_a_code_span_is_kept_exactly_and_never_sent_as_words():
    model = rewriting(lambda s: s.replace("Type", "Teipiwch").replace("now", "nawr"))
    result = translate(model, "Type `kit serve --port 8080` now.\n", target="cy", source="en", format="markdown",
                       back_translate=False)
    assert "kit serve" not in data_block(model.calls[0])
    assert result.text == "Teipiwch `kit serve --port 8080` nawr.\n"


# -- .docx run formatting -------------------------------------------------------------------------
def _mixed_docx(with_link: bool = False) -> bytes:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("Please pay ")
    paragraph.add_run("before Friday").bold = True
    paragraph.add_run(" at the office.")
    if with_link:
        linked = document.add_paragraph("See the ")
        linked.add_run("website").italic = True
        linked._p.append(_hyperlink(linked, "https://x.gov.uk", " for help"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _hyperlink(paragraph, url: str, text: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.opc.constants import RELATIONSHIP_TYPE

    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run.append(t)
    link.append(run)
    return link


def _runs(data: bytes, number: int = 0) -> list[tuple[str, bool | None]]:
    import docx

    paragraph = docx.Document(io.BytesIO(data)).paragraphs[number]
    return [(run.text, run.bold) for run in paragraph.runs if run.text]


def test_docx_bold_words_keep_their_run_when_the_marks_come_back():
    def welsh(segment):
        return (segment.replace("Please pay ", "Talwch ").replace("before Friday", "cyn dydd Gwener")
                .replace(" at the office.", " yn y swyddfa."))

    result = translate_bytes(rewriting(welsh), _mixed_docx(), "notice.docx", target="cy", source="en",
                             back_translate=False)
    assert _runs(result.to_bytes()) == [("Talwch ", None), ("cyn dydd Gwener", True), (" yn y swyddfa.", None)]
    (segment,) = result.segments
    assert segment.source == "Please pay before Friday at the office."  # a reader's text: no switch characters
    assert segment.translation == "Talwch cyn dydd Gwener yn y swyddfa." and segment.flags == ()


def test_docx_paragraph_whose_marks_are_lost_is_one_style_and_flagged():
    result = translate_bytes(rewriting(lambda s: "Talwch cyn dydd Gwener yn y swyddfa."), _mixed_docx(),
                             "notice.docx", target="cy", source="en", back_translate=False)
    assert _runs(result.to_bytes()) == [("Talwch cyn dydd Gwener yn y swyddfa.", None)]
    assert result.segments[0].flags == ("formatting_simplified",)


def test_docx_paragraph_with_a_hyperlink_is_flagged_as_simplified():
    result = translate_bytes(rewriting(lambda s: "Gweler y wefan am help."), _mixed_docx(with_link=True),
                             "notice.docx", target="cy", source="en", back_translate=False)
    assert "formatting_simplified" in result.segments[1].flags


def test_docx_keeps_untranslated_paragraphs_as_they_were_and_ends_with_the_review():
    import docx

    result = translate_bytes(rewriting(lambda s: ""), _mixed_docx(), "notice.docx", target="cy", source="en",
                             back_translate=False)
    data = result.to_bytes()
    assert _runs(data) == [("Please pay ", None), ("before Friday", True), (" at the office.", None)]
    texts = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert texts[1] == "Translation review (remove this section before sending)"
    assert texts[-1] == ("1. Segment 1 (paragraph): “Please pay before Friday at the office.” — "
                         "The model gave no answer.")
    assert result.text == "Please pay before Friday at the office.\n"


# -- flag wording -------------------------------------------------------------------------------
def test_every_flag_has_a_label_and_an_explanation():
    for code in flags.FLAGS:
        described = flags.describe(f"{code}:x", source="en", target="cy")
        assert described.label and described.explanation and "{" not in described.explanation, code
    assert flags.describe("protected_missing:5").explanation == (
        "The number 5 from the original is not in the translation: it was dropped or changed.")
    assert flags.describe("protected_missing:BC-7781").explanation.startswith("The reference BC-7781 from")
    assert flags.describe("protected_missing:£184.26").explanation.startswith("The amount £184.26 from")
    assert flags.describe("not_translated:wrong_language", target="cy", language="fr").explanation.endswith(
        "The model's answer was in French, not Welsh.")
    assert flags.describe("low_backtranslation", source="en").explanation.startswith("Translated back into English")
    assert flags.describe("brand_new_check") == flags.FlagText("brand_new_check", "brand new check", "")


def test_batch_counts_segments_not_translated_and_its_files_list_them(tmp_path):
    from kit.translate import translate_batch

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "notice.txt").write_text(f"Dear resident,\n{BIN_DAY}\n", encoding="utf-8")
    model = rewriting(lambda s: "" if "Thursday" in s else "Annwyl breswylydd,")
    first = translate_batch(model, folder, target="cy", source="en", back_translate=False, progress=False)
    again = translate_batch(model, folder, target="cy", source="en", back_translate=False, progress=False)
    assert first["not_translated"].to_list() == [1] and again["not_translated"].to_list() == [1]
    assert again["status"].to_list() == ["skipped"]
    written = (folder / "translated_cy" / "notice.cy.txt").read_text(encoding="utf-8")
    assert written.startswith(f"Annwyl breswylydd,\n{BIN_DAY}\n\n") and f"“{BIN_DAY}”" in written
