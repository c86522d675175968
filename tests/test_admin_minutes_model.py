"""Minutes with the real embedded model: a short reference meeting end to end, and real token windows."""

from __future__ import annotations

import io

import pytest

from kit import grounding
from kit.admin.minutes import evaluate as evaluate_minutes
from kit.admin.minutes import minutes
from kit.admin.minutes.chunks import windows
from kit.admin.minutes.transcripts import read_transcript

pytestmark = pytest.mark.model


def test_real_model_minutes_keep_the_rule_items_and_only_verbatim_model_items(model, outputs_dir):
    reference = next(r for r in evaluate_minutes.load_references() if r["id"] == "m08_parking")
    path = evaluate_minutes.transcript_path(reference)
    transcript = read_transcript(path)
    result = minutes(model, transcript)
    scores = evaluate_minutes.score(result, reference)
    assert scores["marked_found"] == scores["marked_actions"] == 2  # the model never costs a rule's item
    for ref in (r for r in reference["actions"] if r.get("marked")):  # the rules decide a marked action's fields
        (item,) = [a for a in result.actions if a.by_rule and set(a.lines) & set(ref["lines"])]
        assert (item.owner, item.due.isoformat() if item.due else None) == (ref["owner"], ref["due"])
    assert len(result.chunks) == 1 and result.chunks[0].tokens <= model.info.context_size
    for item in (*result.actions, *result.decisions):  # whoever found it, its quote is in the cited lines
        said = "\n".join(transcript.line(n).text for n in item.lines)
        assert grounding.is_verbatim(item.quote, said), item
        assert item.by_rule or grounding.check_evidence(item.quote, said).ok, item
    assert result.summary_source in ("model", "none")
    md = result.to_markdown()
    assert "## Actions" in md and "Bethan Rees" in md
    from docx import Document

    assert Document(io.BytesIO(result.to_docx())).tables[0].rows[1].cells[2].text
    (outputs_dir / "minutes-real-model.md").write_text(md, encoding="utf-8")


def test_the_long_reference_meeting_splits_into_real_token_windows_that_overlap(model):
    reference = next(r for r in evaluate_minutes.load_references() if r["id"] == "m09_long_committee")
    transcript = read_transcript(evaluate_minutes.transcript_path(reference))
    parts = windows(transcript.lines, model.count_tokens, 800, overlap=2)
    assert len(parts) >= 4 and all(p.tokens <= 800 for p in parts)
    assert all(a.lines[-2:] == b.lines[:2] for a, b in zip(parts, parts[1:]))
    covered = {line.number for p in parts for line in p.lines}
    assert covered == {line.number for line in transcript.lines}


def test_stop_in_the_minutes_app_keeps_the_windows_read_and_the_rule_items(model):
    from kit.admin.minutes.app import MinutesApp

    lines = [f"{'Alex' if n % 2 else 'Bea'}: Point {n} of the budget paper was reviewed and noted by everyone."
             for n in range(400)]
    app = MinutesApp(model)
    app.text.value = ("Date: 1 April 2025\nAttendees: Alex Bell, Bea Lund\n" + "\n".join(lines)
                      + "\nAlex: ACTION: Bea to send the budget figures by Friday.\n")
    assert app.run()
    assert app.stop()  # pressed at once: the model reads no further window (at most the one it had started)
    assert app.status.value == app.STOPPING and app.stop_button.disabled
    assert app.wait(600), "the minutes did not stop"
    assert app.message.value == "", app.message.value
    result = app.result
    assert len(result.chunks) <= 1 and result.transcript_lines == 401
    assert app.status.value.startswith(f"Stopped after {len(result.chunks)} of ")
    assert any(w.startswith("Stopped after") for w in result.warnings) and "Stopped after" in app.summary.value
    assert [a.text for a in result.actions if a.by_rule] == ["send the budget figures by Friday"]
    assert "send the budget figures by Friday" in app.minutes.value and 'download="minutes.docx"' in app.download.value
