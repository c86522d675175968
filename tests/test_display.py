"""Rich results in notebooks: every result's HTML holds its key parts, escapes model and user text, cuts long text at
the limit a user can change, hides redacted originals unless asked, and keeps a plain-text fallback."""

from __future__ import annotations

import json

import pytest
from fakes import FakeModel

from kit import display, doctor, planning
from kit.admin.minutes import minutes
from kit.admin.triage import triage
from kit.comparison import CompareResult, report, table
from kit.comparison.execute import RunOutcome
from kit.comparison.grid import RunSpec
from kit.docs.result import Citation, Quote
from kit.errors import InputError
from kit.model import CallStats, ModelInfo
from kit.offline.answer import Answer
from kit.redaction import redact
from kit.translate.result import NOT_TRANSLATED, SegmentResult, Translation

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def default_limit(monkeypatch):
    """Every test starts from the default limit (the option is module state a test may change)."""
    monkeypatch.delenv(display.ENV, raising=False)
    display.options.max_chars = None
    yield
    display.options.max_chars = None


def safe(page: str) -> bool:
    """The page shows the script as text and never holds it as markup."""
    return ESCAPED in page and SCRIPT not in page


# -- the shared module ---------------------------------------------------------------------------------------
def test_the_limit_comes_from_the_option_then_the_environment_then_the_default(monkeypatch):
    assert display.options.max_chars == display.DEFAULT_MAX_CHARS == 2000
    monkeypatch.setenv(display.ENV, "50")
    assert display.options.max_chars == 50
    display.options.max_chars = 10
    assert display.options.max_chars == 10 and display.clip("x" * 12) == "x" * 10 + display.cut_note(2)
    display.options.max_chars = None  # back to the environment's
    assert display.options.max_chars == 50
    display.options.max_chars = 0  # no limit
    assert display.clip("y" * 5000) == "y" * 5000


def test_a_bad_limit_is_one_clear_line(monkeypatch):
    with pytest.raises(InputError, match=r"^kit.display.options.max_chars must be a whole number of characters"):
        display.options.max_chars = -3
    monkeypatch.setenv(display.ENV, "lots")
    with pytest.raises(InputError, match=r"^KIT_DISPLAY_MAX_CHARS must be a whole number .*not 'lots'"):
        display.clip("text")


def test_long_text_is_cut_with_a_note_saying_how_much_and_where_to_change_it():
    assert display.clip("abcdef", 4) == "abcd… (2 more characters; kit.display.options.max_chars)"
    assert display.clip("abcd", 4) == "abcd" and display.clip(None) == ""
    assert display.text(SCRIPT + "z" * 10, len(SCRIPT)) == ESCAPED + "… (10 more characters; kit.display.options.max_chars)"


def test_overlapping_marks_merge_into_one_naming_every_field_and_the_cut_keeps_marks_whole():
    text = "Erection of 12 apartments <b>"
    page = display.highlight(text, [(12, 25, "dwellings"), (15, 25, "works")], names={"works": "Works"})
    assert page == ('Erection of <mark class="kit-evidence" data-fields="dwellings works" title="dwellings, Works">'
                    "12 apartments</mark> &lt;b&gt;")
    cut = display.highlight(text, [(0, 8, "a"), (12, 25, "b")], max_chars=14)
    assert cut == ('<mark class="kit-evidence" data-fields="a" title="a">Erection</mark> of '
                   '<mark class="kit-evidence" data-fields="b" title="b">12</mark>' + display.cut_note(len(text) - 14))


def test_a_table_escapes_and_cuts_every_cell():
    display.options.max_chars = 30
    page = display.table([("name", SCRIPT), ("long", "w" * 40)])
    assert safe(page) and "<th>name</th>" in page and "w" * 30 + "… (10 more characters" in page


# -- each result ---------------------------------------------------------------------------------------------
def test_model_info_and_call_stats_are_tables_with_a_text_fallback():
    info = ModelInfo(name=f"tiny {SCRIPT}", file="/m/tiny.gguf", sha256="ab" * 32, architecture="llama",
                     context_size=4096, trained_context=None, backend="llama.cpp", details={"threads": 2})
    page = info._repr_html_()
    assert safe(page) and "ab" * 32 in page and "<th>context size</th><td>4096</td>" in page
    assert "<th>trained context</th><td>—</td>" in page and "<td>threads: 2</td>" in page
    assert "tiny" in repr(info) and "sha256" in repr(info)
    stats = CallStats(prompt_tokens=120, completion_tokens=8, latency_s=0.51234, cached=False, reused_tokens=100)
    page = stats._repr_html_()
    assert "<th>new tokens</th><td>20</td>" in page and "<td>0.5123</td>" in page and "<td>no</td>" in page
    assert "reused_tokens=100" in repr(stats)


def test_the_doctor_report_is_one_table_per_section_and_prints_as_text():
    report_ = doctor.Report({"python": {"version": "3.12", "executable": f"/x/{SCRIPT}"},
                             "cpu": {"features": ["avx2", "fma"]}, "server_url": None})
    page = report_._repr_html_()
    assert safe(page) and "kit doctor" in page and ">python<" in page and "<td>avx2, fma</td>" in page
    assert "<th>server url</th><td>—</td>" in page
    assert str(report_) == doctor.format_report(report_) and json.loads(json.dumps(report_)) == report_


def _segment(index: int, source: str, translation: str, **extra) -> SegmentResult:
    values = dict(index=index, kind="paragraph", source=source, translation=translation, flags=(),
                  detected_language="cy", back_translation_chrf=80.0, length_ratio=1.0, needs_review=False)
    return SegmentResult(**(values | extra))


def test_a_translation_shows_source_and_translation_side_by_side_with_flags_explained_and_gaps_marked():
    segments = (
        _segment(0, f"Your bin {SCRIPT}", f"Eich bin {SCRIPT}"),
        _segment(1, "Collection is on Tuesday.", "Mae'r casgliad", flags=("length_ratio",), needs_review=True,
                 length_ratio=0.4),
        _segment(2, "Call 01234 567890.", "Call 01234 567890.", flags=("not_translated:echo",), needs_review=True,
                 status=NOT_TRANSLATED, reason="echo", model_output="Call 01234 567890."),
        _segment(3, "a" * 50, "b" * 50),
    )
    result = Translation("en", "cy", "text", "…", segments)
    display.options.max_chars = 40
    page = result._repr_html_()
    assert safe(page) and "Original (English)" in page and "Translation (Welsh)" in page
    assert "Mae&#x27;r casgliad" in page and "odd length" in page and "much shorter or longer" in page
    assert 'data-status="not_translated"' in page and "Not translated — original kept" in page
    assert "repeated the original" in page  # the reason, in words
    assert "a" * 40 + "… (10 more characters; kit.display.options.max_chars)" in page and "a" * 41 not in page
    assert "2 of 4 segments need review" in page
    assert repr(result) == "<Translation en->cy text: 4 segments, 2 flagged, 1 not translated>"


def test_a_planning_record_marks_its_evidence_and_shows_the_method_per_field():
    description = f"Erection of 2 dwellings (retrospective) {SCRIPT} " + "and landscaping " * 20
    record = planning.extract(None, description, "6 Fairway Drive Ramsey IM8 2BA", method="parsers")
    page = record._repr_html_()
    assert safe(page) and 'data-fields="application_type dwellings works"' in page
    assert 'data-fields="retrospective"' in page and 'data-fields="postcode"' in page
    assert '<tr data-field="dwellings"><td>Net new dwellings</td><td class="kit-value">2</td>' in page
    assert "<td>parser</td>" in page and "mark.kit-evidence" in page  # the method and the app's styles
    display.options.max_chars = 40
    cut = record._repr_html_()
    assert display.cut_note(len(description) - 40) in cut and ESCAPED not in cut
    assert 'title="Retrospective">retrospective</mark>) … (' in cut  # marks before the cut stay whole
    assert "description=" in repr(record)


def test_an_offline_answer_shows_its_tier_citations_and_abstention():
    citation = Citation("bins.md#1", "bins.md", "Missed collections")
    answer = Answer(text="escalate: ask the duty manager", citations=(citation,),
                    quotes=(Quote(f"Report it {SCRIPT}", "bins.md#1", True),), grounded=False, abstained=True,
                    tier="retrieval", skipped=("primary: not asked",), latency_s=0.01,
                    escalate="escalate: ask the duty manager", reason="no section holds enough of the question")
    page = answer._repr_html_()
    assert safe(page) and 'data-tier="retrieval"' in page and "closest lines found" in page
    assert "escalate: ask the duty manager" in page and "no answer given" in page
    assert "bins.md § Missed collections" in page and "<details" not in page  # no store: the label alone
    grounded = Answer(text=f"Ring the depot. {SCRIPT}", citations=(citation,), quotes=(), grounded=True,
                      abstained=False, tier="local", skipped=(), latency_s=1.2, escalate=None, reason="checked")
    page = grounded._repr_html_()
    assert safe(page) and 'data-tier="local"' in page and "grounded: every quote found" in page
    assert "tier='local'" in repr(grounded)


def test_minutes_show_decisions_and_actions_with_their_lines():
    result = minutes(None, f"Priya: ACTION: Tom to call them by Friday. {SCRIPT}\nSam: We agreed to close the site.")
    page = result._repr_html_()
    assert safe(page) and 'class="kit-action"' in page and "Tom" in page and "line 1" in page
    assert "<h3>Actions</h3>" in page and "action(s)" in page
    assert repr(result).startswith("<Minutes")


def test_a_triage_result_shows_safeguarding_first_and_who_decided_each_field():
    reply = {"category": "waste", "urgency": "normal", "team": "Environmental Services",
             "reply": f"Thank you for your email. We will arrange a collection. {SCRIPT}"}
    model = FakeModel(replies=lambda messages: json.dumps(reply))
    result = triage(model, "My neighbour is threatening to kill himself and the bins were missed.", item_id="e1")
    page = result._repr_html_()
    assert 'class="kit-safeguarding"' in page and 'data-urgency="urgent"' in page
    assert "decided by: model" in page and "the safeguarding rule overrides it" in page
    assert ESCAPED in page and "<b>e1</b>" in page and "Triage(id='e1'" in repr(result)


def test_a_redaction_hides_the_originals_unless_asked():
    result = redact(f"Mrs Okafor (NHS 943 476 5919) wrote {SCRIPT} from mary@example.com")
    page = result._repr_html_()
    assert safe(page) and "Okafor" not in page and "943 476 5919" not in page and "mary@example.com" not in page
    assert '<mark class="kit-placeholder" data-fields="NAME" title="NAME">[NAME_1]</mark>' in page
    assert "show(originals=True)" in page and "Okafor" not in repr(result)
    shown = result.show(originals=True).data
    assert '<mark class="kit-placeholder" data-fields="[NAME_1]" title="[NAME_1]">Okafor</mark>' in shown
    assert ">mary@example.com</mark>" in shown and safe(shown)


def test_a_comparison_shows_a_row_per_run_and_where_the_report_is(tmp_path):
    def outcome(index: int, status: str, error: tuple[str, str] | None = None) -> RunOutcome:
        spec = RunSpec(index, tmp_path / "10_demo.ipynb", None, {"max_tokens": 8 * (index + 1)}, models_given=True)
        return RunOutcome(spec, status, 3 if error else None, error[0] if error else None, error[1] if error else None,
                          1.5, 200.0, [{"name": "accuracy", "value": 0.5, "unit": "", "note": ""}],
                          tmp_path / "runs" / spec.run_id / "10_demo.ipynb", 1)

    outcomes = [outcome(0, "ok"), outcome(1, "failed", ("ValueError", SCRIPT + "e" * 3000))]
    wide, long = table.wide_table(outcomes, tmp_path), table.long_table(outcomes, tmp_path)
    html = report.write_html(wide, long, tmp_path / "report.html", timing="t")
    result = CompareResult(wide, long, tmp_path, html, tmp_path / "report.ipynb", {}, 1, 2)
    page = result._repr_html_()
    assert "1 of 2 runs finished; 1 failed or timed out." in page and str(html) in page
    assert safe(page) and '<tr class="failed">' in page
    assert display.cut_note(len(wide.filter(wide["status"] == "failed")["error"][0]) - 2000) in page
    assert "body {" not in page  # the standalone report's page styles stay out of the notebook


@pytest.mark.parametrize("cls", [ModelInfo, CallStats, doctor.Report, Translation, planning.PlanningRecord, Answer,
                                 CompareResult])
def test_every_result_class_has_html(cls):
    assert callable(getattr(cls, "_repr_html_", None))


def test_the_real_doctor_report_renders():
    page = doctor.report()._repr_html_()
    assert "kit doctor" in page and ">cpu<" in page and ">folders<" in page
