"""Minutes from transcripts: reading .txt/.vtt/.docx, due dates, the rules, windows and merging, exports.

The model is a scripted fake here (tests/fakes.py) so the chunk/merge logic can be checked exactly;
tests/test_admin_minutes_model.py runs the real model.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time

import pytest
from fakes import FakeModel

from kit import grounding
from kit.admin.minutes import evaluate as evaluate_minutes
from kit.admin.minutes import minutes
from kit.admin.minutes.chunks import link_quote, merge, windows
from kit.admin.minutes.dates import due_date, parse_date
from kit.admin.minutes.transcripts import TranscriptError, read_transcript
from kit.errors import KitError, ValidationError

MEETING = dt.date(2025, 3, 12)  # a Wednesday

SHORT = """Meeting: Repairs review
Date: Wednesday 12 March 2025
Attendees: Priya Shah (chair), Tom Reed, Ana Lopes
Apologies: Mo Khan

Priya: Welcome. First item is the damp backlog.
Tom: We have 42 open cases.
Priya: ACTION: Tom to send the overdue list to the contractors by Friday 14 March.
Ana: I'll redraft the tenant letters by next Wednesday.
Priya: DECISION: families with children under five go first.
Priya: ACTION: Ana to book the
training room for the end of the month.
"""


def empty_reading(*_):
    return json.dumps({"summary": "", "decisions": [], "actions": []})


# -- reading transcripts ---------------------------------------------------------------------------
def test_a_text_transcript_keeps_file_line_numbers_speakers_and_its_header():
    t = read_transcript(SHORT)
    assert (t.title, t.date, t.attendees, t.apologies) == ("Repairs review", MEETING, ("Priya Shah", "Tom Reed",
                                                                                         "Ana Lopes"), ("Mo Khan",))
    assert [line.number for line in t.lines] == [6, 7, 8, 9, 10, 11, 12]
    assert t.line(8).speaker == "Priya" and t.line(8).text.startswith("ACTION: Tom")
    assert t.line(12).continued and t.line(12).speaker == "Priya"  # a wrapped line carries the turn on
    assert t.speakers == ("Priya", "Tom", "Ana") and t.warnings == ()


def test_a_vtt_with_voices_and_a_broken_timestamp_keeps_every_line_and_says_which_cue():
    vtt = ("WEBVTT\n\nNOTE\nDate: 2025-03-12\nAttendees: Priya Shah, Tom Reed\n\n"
           "00:00:01.000 --> 00:00:04.000\n<v Priya Shah>ACTION: Tom to call the contractor by Friday.</v>\n\n"
           "00:00:05.000 --> 00:0x:09.000\n<v Tom Reed>Will do, I have the number.\n\n"
           "00:00:10.000 --> 00:00:12.000\nAnd the second site too.\n\n"
           "00:00:13.000 00:00:15.000\n<v Priya Shah>Thanks.\n")
    t = read_transcript(vtt.encode(), "call.vtt")
    assert [line.text for line in t.lines] == ["ACTION: Tom to call the contractor by Friday.",
                                               "Will do, I have the number.", "And the second site too.", "Thanks."]
    assert [line.time for line in t.lines] == ["00:00:01", None, "00:00:10", None]
    assert t.lines[1].speaker == "Tom Reed" and t.lines[2].speaker == "Tom Reed"  # carried to the next cue
    assert len(t.warnings) == 2 and "Line 10: broken timestamp" in t.warnings[0] and "text was kept" in t.warnings[0]
    assert "Line 16: broken timestamp '00:00:13.000 00:00:15.000'" in t.warnings[1]
    result = minutes(None, t)
    assert result.actions[0].owner == "Tom Reed" and result.actions[0].due == dt.date(2025, 3, 14)
    assert any("broken timestamp" in w for w in result.warnings)


def test_a_docx_transcript_is_read_by_paragraph_number():
    from docx import Document

    doc = Document()
    for text in ("Date: 12 March 2025", "Attendees: Priya Shah, Tom Reed", "",
                 "Priya: ACTION: Tom to order the parts by 20 March."):
        doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    result = minutes(None, buffer.getvalue(), name="meeting.docx")
    assert [(a.lines, a.owner, a.due) for a in result.actions] == [((4,), "Tom Reed", dt.date(2025, 3, 20))]


@pytest.mark.parametrize("source, name, message", [
    ("", None, "The transcript is empty"),
    ("   \n\n", None, "The transcript is empty"),
    (b"", "meeting.vtt", "is empty"),
    (b"WEBVTT\n\n", "meeting.vtt", "holds no lines of talk"),
    (b"Date: 12 March 2025\nAttendees: A, B\n", "meeting.txt", "holds no lines of talk"),
    (b"not a zip", "meeting.docx", "not a readable Word document"),
    (b"hello", "meeting.pdf", "use .txt, .vtt or .docx"),
])
def test_an_empty_or_unreadable_transcript_is_refused_with_how_to_fix_it(source, name, message):
    with pytest.raises(TranscriptError, match=message):
        minutes(None, source, name=name)


def test_a_transcript_without_speaker_labels_still_gets_owners_from_the_words():
    text = ("Date: 15 July 2025\nAttendees: Nadia Ali, Peter Walsh\n\nThe phones went down at 9.40.\n"
            "ACTION: Peter to get a report from the supplier by 22 July.\nWe need a recorded message.\n")
    result = minutes(None, text)
    assert not read_transcript(text).has_speakers
    assert "No speaker labels" in result.warnings[0]
    assert [(a.owner, a.due, a.lines) for a in result.actions] == [("Peter Walsh", dt.date(2025, 7, 22), (5,))]


# -- dates -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("words, expected", [
    ("by Friday 14 March", "2025-03-14"), ("by 14th March", "2025-03-14"), ("by March 14", "2025-03-14"),
    ("on 2025-04-02", "2025-04-02"), ("by 02/04/2025", "2025-04-02"), ("by 10 January", "2026-01-10"),
    ("by Friday", "2025-03-14"), ("by next Friday", "2025-03-21"), ("by Wednesday", "2025-03-19"),
    ("tomorrow", "2025-03-13"), ("within two weeks", "2025-03-26"), ("in 10 days", "2025-03-22"),
    ("by the end of the month", "2025-03-31"), ("end of next month", "2025-04-30"),
    ("by the end of the week", "2025-03-14"), ("end of next week", "2025-03-21"),
    ("soon", None), ("before the next meeting", None), ("by 31 February", None),
])
def test_due_dates_resolve_against_the_meeting_date(words, expected):
    found = due_date(words, MEETING)
    assert (found.date.isoformat() if found else None) == expected


def test_a_weekday_that_disagrees_with_the_date_is_noted_and_relative_words_need_a_meeting_date():
    found = due_date("by Monday 14 March", MEETING)
    assert found.date == dt.date(2025, 3, 14) and "is a Friday" in found.note
    assert due_date("by Friday", None) is None and due_date("by 14 March 2025", None).date == dt.date(2025, 3, 14)
    assert parse_date("Wednesday 12 March 2025") == MEETING
    result = minutes(None, "Priya: ACTION: Tom to call them by Friday.")
    assert result.actions[0].due is None and any("no meeting date" in w for w in result.warnings)


# -- the rules on the reference set ---------------------------------------------------------------------
def test_the_rules_find_every_marked_action_with_its_owner_and_date_on_the_reference_set():
    table, totals = evaluate_minutes.evaluate(None, use_model=False)
    assert table.height >= 8 and set(table["format"]) == {"txt", "vtt", "docx"}
    assert totals["marked_recall"] == 1.0 and totals["decision_recall"] == 1.0
    assert totals["owner_accuracy"] == 1.0 and totals["due_accuracy"] == 1.0 and totals["action_precision"] == 1.0
    assert totals["unmarked_recall"] < 1.0  # actions nobody marked are the model's job


def test_rule_items_cite_their_lines_with_verbatim_quotes_across_a_wrapped_line():
    result = minutes(None, SHORT)
    t = read_transcript(SHORT)
    assert [(a.owner, a.due.isoformat(), a.lines) for a in result.actions] == [
        ("Tom Reed", "2025-03-14", (8,)), ("Ana Lopes", "2025-03-19", (9,)), ("Ana Lopes", "2025-03-31", (11, 12))]
    for item in (*result.actions, *result.decisions):
        said = "\n".join(t.line(n).text for n in item.lines)
        assert grounding.is_verbatim(item.quote, said) and item.by_rule
        assert item.sources and set(item.sources.values()) <= {"rule", "none"}
    assert result.summary_source == "none" and result.chunks == ()


# -- windows, the model's items, and merging --------------------------------------------------------------
def _straddling_transcript():
    people = ["Sam Cole", "Jo Park"]
    lines = [f"{people[i % 2].split()[0]}: Item {i} was discussed and noted for the record." for i in range(1, 41)]
    lines[19] = "Sam: Jo, could you check the fire doors on the"  # line 22 of the file (header: 2 lines)
    lines[20] = "third floor before the inspection on 20 March?"  # the same turn, wrapped onto line 23
    return "Date: 12 March 2025\nAttendees: Sam Cole, Jo Park\n" + "\n".join(lines) + "\n"


def _reader(quote: str, owner: str, task: str):
    """A fake model that reports the action only when the window holds its whole quote."""
    def reply(messages):
        window = messages[-1]["content"]
        shown = " ".join(re.sub(r"^\d+\| (\w+: )?", "", line) for line in window.splitlines())
        actions = [{"owner": owner, "task": task, "due": "", "quote": quote}] if quote in shown else []
        return json.dumps({"summary": "Fire safety was discussed.", "decisions": [], "actions": actions})
    return reply


def test_an_action_straddling_a_window_boundary_is_read_whole_in_the_overlap_and_minuted_once():
    text = _straddling_transcript()
    quote = "Jo, could you check the fire doors on the third floor before the inspection on 20 March?"
    t = read_transcript(text)
    fake = FakeModel(replies=_reader(quote, "Jo Park", "check the fire doors on the third floor"))
    # A budget that ends the first window exactly between the two halves of the action.
    budget = sum(fake.count_tokens(f"{line.number}| {line.speaker}: {line.text}") + 1 for line in t.lines[:20])
    without = windows(t.lines, fake.count_tokens, budget, overlap=0)
    assert without[0].last == 22 and without[1].first == 23  # the boundary splits the action
    lost = minutes(fake, t, max_chunk_tokens=budget, overlap=0)
    assert lost.actions == ()  # no overlap: neither window holds the whole action
    fake.calls.clear()
    kept = minutes(fake, t, max_chunk_tokens=budget, overlap=2)
    assert len(kept.chunks) >= 2 and all(c.tokens <= budget for c in kept.chunks)
    assert [(a.lines, a.owner, a.due, a.source) for a in kept.actions] == [
        ((22, 23), "Jo Park", dt.date(2025, 3, 20), "model")]
    assert kept.actions[0].sources == {"task": "model", "owner": "model", "due": "rule"}


def test_a_fifty_page_transcript_is_chunked_within_budget_and_loses_no_item(outputs_dir):
    names = ["Alex", "Bea", "Cal", "Dee"]
    rows = []
    for page in range(50):
        for k in range(49):
            rows.append(f"{names[k % 4]}: Page {page + 1}, point {k + 1}: the figures in the paper were reviewed.")
        rows.append(f"{names[page % 4]}: I can look at case file {page + 1} properly next time.")
    text = "Date: 1 April 2025\nAttendees: Alex Bell, Bea Lund, Cal Moss, Dee Ray\n" + "\n".join(rows) + "\n"
    full = {"Alex": "Alex Bell", "Bea": "Bea Lund", "Cal": "Cal Moss", "Dee": "Dee Ray"}

    def reply(messages):  # the fake "finds" every case-file promise in its window, so overlaps yield duplicates
        window = messages[-1]["content"]
        found = re.findall(r"^\d+\| (\w+): I can (look at case file \d+ properly)", window, re.M)
        actions = [{"owner": full[who], "task": task, "due": "", "quote": f"I can {task} next time."}
                   for who, task in found]
        return json.dumps({"summary": "The figures in the paper were reviewed.", "decisions": [], "actions": actions})

    fake = FakeModel(replies=reply)
    started = time.perf_counter()
    result = minutes(fake, text, max_chunk_tokens=1500, overlap=3)
    seconds = time.perf_counter() - started
    sizes = [c.tokens for c in result.chunks]
    assert len(rows) == 2500 and len(sizes) > 10 and max(sizes) <= 1500
    assert all(a.last_line >= b.first_line for a, b in zip(result.chunks, result.chunks[1:]))  # they overlap
    assert sorted(int(re.search(r"\d+", a.text).group()) for a in result.actions) == list(range(1, 51))
    assert len(fake.calls) == len(sizes) and seconds < 20
    assert f"The model read the transcript in {len(sizes)} overlapping windows: lines 3-" in result.to_markdown()
    (outputs_dir / "minutes-50-pages-chunks.txt").write_text(
        f"{len(rows)} lines, {len(sizes)} windows of at most 1500 tokens (fake word counter), overlap 3 lines\n"
        + "\n".join(f"window {c.index + 1}: lines {c.first_line}-{c.last_line}, {c.tokens} tokens"
                    for c in result.chunks) + "\n", encoding="utf-8")


def test_a_model_quote_that_does_not_say_what_its_item_says_is_rejected_not_minuted():
    # The grammar lets a quote be only one of the window's lines, so a made-up item arrives quoting a real line.
    answer = {"summary": "A short meeting on repairs.",
              "decisions": [{"decision": "close the office", "quote": "Welcome. First item is the damp backlog."}],
              "actions": [{"owner": "Tom Reed", "task": "call the contractor", "due": "Friday",
                           "quote": "We have 42 open cases."}]}
    result = minutes(FakeModel(replies=[json.dumps(answer)]), SHORT)
    assert {(r.kind, r.reason.split(" ")[0]) for r in result.rejected} == {("decision", "its"), ("action", "its")}
    assert all(item.by_rule for item in (*result.actions, *result.decisions))
    assert result.summary == "A short meeting on repairs." and result.summary_source == "model"


def test_a_model_item_on_a_rule_line_is_merged_into_the_rule_item():
    answer = {"summary": "The damp backlog was discussed.", "decisions": [], "actions": [
        {"owner": "Tom Reed", "task": "send the list", "due": "",
         "quote": "ACTION: Tom to send the overdue list to the contractors by Friday 14 March."}]}
    result = minutes(FakeModel(replies=[json.dumps(answer)]), SHORT)
    assert [(a.lines, a.source) for a in result.actions if a.lines == (8,)] == [((8,), "rule: ACTION line")]


def test_a_model_action_restating_a_rule_action_on_another_line_is_a_duplicate():
    # Seen with the real model: the rule's "Tom to send the overdue list" copied onto the line before it.
    answer = {"summary": "The damp backlog was discussed.", "decisions": [], "actions": [
        {"owner": "Tom Reed", "task": "action: Tom to send the overdue list to the contractors", "due": "",
         "quote": "We have 42 open cases."}]}
    result = minutes(FakeModel(replies=[json.dumps(answer)]), SHORT)
    assert [a.source for a in result.actions].count("model") == 0
    assert [(a.lines, a.owner) for a in result.actions if "overdue list" in a.text] == [((8,), "Tom Reed")]


def test_a_model_owner_or_date_the_quoted_lines_do_not_support_is_not_kept():
    answer = {"summary": "The damp backlog was discussed.", "decisions": [], "actions": [
        {"owner": "Ana Lopes", "task": "count the open damp cases", "due": "4 March 2018",
         "quote": "We have 42 open cases."}]}
    result = minutes(FakeModel(replies=[json.dumps(answer)]), SHORT)
    (item,) = [a for a in result.actions if a.source == "model"]
    assert item.lines == (7,) and item.owner is None and item.due is None
    assert "neither name nor come from" in item.notes[0]
    spoken = {"summary": "The damp backlog was discussed.", "decisions": [], "actions": [
        {"owner": "Tom Reed", "task": "count the open damp cases", "due": "", "quote": "We have 42 open cases."}]}
    (kept,) = [a for a in minutes(FakeModel(replies=[json.dumps(spoken)]), SHORT).actions if a.source == "model"]
    assert kept.owner == "Tom Reed" and kept.notes == ()  # Tom said the line: his name needs no repeating


def test_a_window_whose_answer_cannot_be_read_keeps_the_rule_items_and_says_so():
    class Broken(FakeModel):
        def json(self, *args, **kwargs):
            raise ValidationError("The model's output does not match WindowReading", "{\"summ")

    result = minutes(Broken(), SHORT)
    assert len(result.actions) == 3 and any("Window 1" in w and "could not be used" in w for w in result.warnings)


def test_merge_keeps_two_owners_on_one_line_and_prefers_the_fuller_reading():
    from kit.admin.minutes.items import Item

    a = Item("action", "x", (5,), "q", "model", owner="Tom")
    b = Item("action", "y", (5,), "q", "model", owner="Ana")
    c = Item("action", "x", (5, 6), "q q", "model", owner="Tom")
    kept, dropped = merge([a, b, c])
    assert kept == [b, c] and dropped == [(a, c)]
    assert link_quote("nothing like this", read_transcript(SHORT).lines) is None


# -- exports --------------------------------------------------------------------------------------------
def test_markdown_and_docx_follow_the_template(tmp_path):
    from docx import Document

    result = minutes(FakeModel(replies=[json.dumps({"summary": "The backlog was reviewed.", "decisions": [],
                                                    "actions": []})]), SHORT)
    md = result.to_markdown()
    for heading in ("# Minutes: Repairs review", "**Attendees:** Priya Shah, Tom Reed, Ana Lopes", "## Summary",
                    "## Decisions", "## Actions", "| 1 | Send the overdue list to the contractors by Friday 14 March "
                    "| Tom Reed | Fri 14 Mar 2025 | line 8:"):
        assert heading in md
    path = result.save(tmp_path / "minutes.docx")
    doc = Document(str(path))
    assert doc.paragraphs[0].text == "Minutes: Repairs review"
    rows = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    assert rows[0] == ["#", "Action", "Owner", "Due", "Source"] and rows[3][2] == "Ana Lopes"
    assert "lines 11-12" in rows[3][4]
    assert result.save(tmp_path / "minutes.md").read_text(encoding="utf-8") == md
    with pytest.raises(KitError, match=r"\.md or \.docx"):
        result.save(tmp_path / "minutes.pdf")


# -- the app --------------------------------------------------------------------------------------------
def test_the_minutes_app_shows_minutes_escaped_with_downloads_and_refuses_bad_input():
    from kit.admin.minutes.app import MinutesApp

    app = MinutesApp(None, use_model=False, background=False)
    app.run()
    assert "There is no transcript yet" in app.message.value
    app.text.value = SHORT.replace("42 open cases", "<script>alert(1)</script>").replace(
        "first.", "first <b>now</b>.")
    assert app.run() and app.wait(5)
    assert "<script>" not in app.minutes.value and "&lt;b&gt;now&lt;/b&gt;" in app.minutes.value
    assert app.minutes.value.count('class="kit-action"') == 3 and "Tom Reed" in app.minutes.value
    assert 'download="minutes.docx"' in app.download.value and 'download="minutes.md"' in app.download.value
    assert "3 action(s) and 1 decision(s)" in app.summary.value
    app.upload.value = ({"name": "notes.pdf", "content": b"%PDF", "type": "", "size": 4, "last_modified": dt.datetime(2025, 1, 1)},)
    app.run()
    assert "not one of those" in app.message.value and app.minutes.value == ""
