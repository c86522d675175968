"""Size limits (kit.limits) on real files: each refused before the work starts, with the limit and how to raise it;
and the cancel path of every long loop (a fake model here: the stop is pure logic; the apps run the real one)."""

from __future__ import annotations

import io
import json
import re
import resource
import threading
import time
import zipfile

import pytest

from fakes import FakeModel
from kit import limits
from kit.errors import ConfigError, InputError


def _docx(path, inflate: int) -> None:
    """A real .docx whose document.xml carries an XML comment of ``inflate`` spaces (zipped, a few KB per MB)."""
    import docx

    document = docx.Document()
    document.add_paragraph("Dear resident, the bins are collected on Monday.")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                head, tail = data.split(b"<w:body>", 1)
                data = head + b"<w:body><!--" + b" " * inflate + b"-->" + tail
            out.writestr(info.filename, data)


def test_a_limit_comes_from_the_environment_or_the_call(monkeypatch):
    assert limits.allowed("translate_segments") == 2000
    monkeypatch.setenv("KIT_MAX_SEGMENTS", "1_500")
    assert limits.allowed("translate_segments") == 1500 and limits.allowed("translate_segments", 7) == 7
    monkeypatch.setenv("KIT_MAX_SEGMENTS", "0")  # 0: no limit
    limits.check("translate_segments", 10**9, "x")
    monkeypatch.setenv("KIT_MAX_SEGMENTS", "lots")
    with pytest.raises(ConfigError, match="KIT_MAX_SEGMENTS='lots' is not a whole number"):
        limits.allowed("translate_segments")
    with pytest.raises(KeyError, match="translate_segments"):
        limits.allowed("segments")


def test_a_docx_that_unzips_past_the_limit_is_refused_before_it_is_unzipped(tmp_path, monkeypatch):
    from kit.translate import translate_file

    bomb = tmp_path / "bomb.docx"
    _docx(bomb, 30_000_000)
    assert bomb.stat().st_size < 100_000
    fake = FakeModel()
    monkeypatch.setenv("KIT_MAX_ZIP_RATIO", "0")  # the size limit alone
    monkeypatch.setenv("KIT_MAX_DOCX_INFLATED_BYTES", "20000000")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(limits.LimitError) as caught:
        translate_file(fake, bomb, target="cy", source="en")
    assert time.perf_counter() - started < 2 and fake.calls == []
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 20_000  # KB: nothing was unzipped
    message = str(caught.value)
    assert re.search(r"bomb.docx is 30,[\d,]+ bytes \(unzipped\)", message) and "over the limit of 20,000,000 bytes (unzipped)" in message
    assert "KIT_MAX_DOCX_INFLATED_BYTES" in message and caught.value.name == "docx_inflated_bytes"


def test_a_zip_bomb_is_refused_by_its_ratio_and_a_real_docx_passes(tmp_path):
    from kit.translate.docx_io import read_docx

    bomb = tmp_path / "ratio.docx"
    _docx(bomb, 15_000_000)
    with pytest.raises(limits.LimitError, match=r"zip bomb.*KIT_MAX_ZIP_RATIO") as caught:
        read_docx(bomb.read_bytes(), "ratio.docx")
    assert caught.value.name == "zip_ratio" and caught.value.measured > 100
    plain = tmp_path / "plain.docx"
    _docx(plain, 10)
    assert read_docx(plain.read_bytes(), "plain.docx").units[0].text.startswith("Dear resident")
    limits.check_docx(b"not a zip", "x.docx")  # the reader says what is wrong with it


def test_a_50_mb_text_is_refused_before_it_is_read(tmp_path):
    from kit.translate import translate_bytes, translate_file

    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: 50 MB that cost nothing to make
    fake = FakeModel()
    started = time.perf_counter()
    with pytest.raises(limits.LimitError) as caught:
        translate_file(fake, big, target="cy", source="en")
    assert time.perf_counter() - started < 1 and fake.calls == []
    assert "big.txt is 50,000,000 bytes, over the limit of 20,000,000 bytes for a document to translate" in str(
        caught.value)
    assert "KIT_MAX_TRANSLATE_BYTES" in str(caught.value) and "max_bytes=" in str(caught.value)
    with pytest.raises(limits.LimitError, match="letter.txt is 41 bytes"):
        translate_bytes(fake, b"Dear resident, your bin day is Tuesday.\n\n", "letter.txt", target="cy", max_bytes=40)


def test_too_many_segments_are_refused_before_the_first_model_call():
    from kit.translate import translate

    text = "\n\n".join(f"Paragraph {n} says the bins go out on Monday." for n in range(30))
    fake = FakeModel()
    with pytest.raises(limits.LimitError, match=r"30 segments, over the limit of 10 segments.*max_segments="):
        translate(fake, text, target="cy", source="en", max_segments=10)
    with pytest.raises(limits.LimitError, match="The document is 3 segments"):  # one long paragraph cut in three
        translate(fake, " ".join(["The bins go out on Monday."] * 30), target="cy", source="en",
                  max_segment_tokens=64, max_segments=2)
    assert fake.calls == []


def test_ingest_skips_a_file_over_a_limit_and_reads_the_rest(tmp_path, monkeypatch):
    from pypdf import PdfWriter

    from kit.docs import ingest

    (tmp_path / "bins.md").write_text("# Bins\n\nBins are collected on Monday.\n")
    (tmp_path / "huge.txt").write_text("Council tax is due on the first of the month.\n" * 2000)
    _docx(tmp_path / "bomb.docx", 15_000_000)
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=200, height=200)
    with (tmp_path / "long.pdf").open("wb") as handle:
        writer.write(handle)
    monkeypatch.setenv("KIT_MAX_DOC_BYTES", "60000")
    monkeypatch.setenv("KIT_MAX_PDF_PAGES", "2")
    store = ingest(tmp_path, index_dir=tmp_path / "index")
    skipped = {item.path: item.reason for item in store.report if item.skipped}
    assert set(skipped) == {"huge.txt", "bomb.docx", "long.pdf"}
    assert "over the limit of 60,000 bytes" in skipped["huge.txt"] and "KIT_MAX_DOC_BYTES" in skipped["huge.txt"]
    assert "zip bomb" in skipped["bomb.docx"] and "3 pages, over the limit of 2 pages" in skipped["long.pdf"]
    assert store.search("collected Monday")


def test_a_transcript_over_the_limit_is_refused_and_a_long_one_is_cut_for_the_model(tmp_path, monkeypatch):
    from kit.admin.minutes.build import minutes
    from kit.admin.minutes.transcripts import TranscriptError, read_transcript

    lines = [f"{'Alex' if n % 2 else 'Bea'}: Point {n} of the budget was reviewed." for n in range(300)]
    lines.append("Alex: ACTION: Bea to send the budget figures by Friday.")
    path = tmp_path / "meeting.txt"
    path.write_text("Date: 1 April 2025\n" + "\n".join(lines) + "\n")
    monkeypatch.setenv("KIT_MAX_TRANSCRIPT_BYTES", "1000")
    with pytest.raises(TranscriptError, match=r"meeting.txt is [\d,]+ bytes, over the limit of 1,000.*"
                                              "KIT_MAX_TRANSCRIPT_BYTES"):
        read_transcript(path)
    monkeypatch.delenv("KIT_MAX_TRANSCRIPT_BYTES")
    reply = json.dumps({"summary": "The budget was reviewed point by point.", "decisions": [], "actions": []})
    fake = FakeModel(replies=lambda messages: reply)
    result = minutes(fake, path, max_model_lines=100, max_chunk_tokens=400)
    assert result.chunks and max(chunk.last_line for chunk in result.chunks) <= 101
    assert any("301 lines, over the limit of 100" in w and "KIT_MAX_MINUTES_MODEL_LINES" in w for w in result.warnings)
    assert [a.text for a in result.actions] == ["send the budget figures by Friday"]  # the rules read every line
    assert result.actions[0].owner == "Bea"


def test_one_huge_cell_costs_its_row_not_the_planning_file(tmp_path, monkeypatch):
    from kit.planning.csvfile import PlanningDataError
    from kit.planning.loader import load_applications

    path = tmp_path / "decisions_2016.csv"
    path.write_text("PA Ref,Proposal,Property Address,Decision,Decision issued,Determining Body\n"
                    "LA01/2016/0001/F,Rear extension,1 High Street,Permission Granted,01/02/2016,Delegated\n"
                    f'LA01/2016/0002/F,"{"x" * 2_000_000}",2 High Street,Permission Refused,02/02/2016,Delegated\n'
                    "LA01/2016/0003/F,Side extension,3 High Street,Permission Granted,03/02/2016,Delegated\n")
    frame, report = load_applications(path, report=True)
    assert frame["description"].to_list() == ["Rear extension", "Side extension"]
    problem = next(p for p in report.problems if p.line == 3)
    assert "a cell of 2,000,000 characters, over the limit of 100,000" in problem.why
    assert "KIT_MAX_CSV_CELL_CHARS" in problem.why
    monkeypatch.setenv("KIT_MAX_CSV_BYTES", "1000")
    with pytest.raises(PlanningDataError, match="over the limit of 1,000 bytes for a planning CSV"):
        load_applications(path)


# -- stopping: what was finished is kept ----------------------------------------------------------
def test_a_stopped_translation_keeps_the_segments_it_finished():
    from kit.translate import translate

    stop = threading.Event()

    def reply(messages):
        if len(fake.calls) == 3:
            stop.set()  # the user presses Stop while the third segment is being translated
        return "Mae'r biniau'n mynd allan ddydd Llun."

    fake = FakeModel(replies=reply)
    text = "\n\n".join(f"Paragraph {n}: the bins go out on Monday." for n in range(8))
    result = translate(fake, text, target="cy", source="en", back_translate=False, cancel=stop.is_set)
    assert len(fake.calls) == 3 and result.stopped == 5
    assert [s.status for s in result.segments[:3]] == ["translated"] * 3
    assert all(s.reason == "stopped" and s.translation == s.source for s in result.segments[3:])
    assert "Paragraph 7: the bins go out on Monday." in result.text  # the original kept where not reached
    review = result.to_bytes().decode()
    assert "5 of 8 segments were not translated" in review and "stopped before this segment" in review


def test_stopping_before_the_first_segment_is_not_a_model_failure():
    from kit.translate import translate

    result = translate(FakeModel(), "The bins go out on Monday.", target="cy", source="en", cancel=lambda: True)
    assert result.stopped == 1 and result.text.strip() == "The bins go out on Monday."


def test_stopped_minutes_keep_the_windows_read_and_every_rule_item():
    from kit.admin.minutes.build import minutes

    lines = [f"{'Alex' if n % 2 else 'Bea'}: Point {n} of the budget was reviewed at length today." for n in range(200)]
    text = "Date: 1 April 2025\n" + "\n".join(lines) + "\nAlex: ACTION: Bea to send the figures by Friday.\n"
    reply = json.dumps({"summary": "The budget was reviewed point by point.", "decisions": [], "actions": []})
    stop = threading.Event()
    fake = FakeModel(replies=lambda messages: reply)
    result = minutes(fake, text, max_chunk_tokens=300, progress=lambda done, total: done == 2 and stop.set(),
                     cancel=stop.is_set)
    assert len(fake.calls) == 2 and len(result.chunks) == 2  # no third window went to the model
    assert any(re.match(rf"Stopped after 2 of \d+ parts: the model read lines up to {result.chunks[-1].last_line};", w)
               for w in result.warnings), result.warnings
    assert result.summary and [a.text for a in result.actions] == ["send the figures by Friday"]


def test_stopped_triage_returns_the_rows_finished(tmp_path):
    import polars as pl

    from kit.admin.triage.batch import triage_frame

    frame = pl.DataFrame({"id": [f"e{n}" for n in range(5)], "text": ["My bin was not collected."] * 5})
    stop = threading.Event()
    done = triage_frame(None, frame, progress=False, on_item=lambda n, total: n == 2 and stop.set(),
                        cancel=stop.is_set, store=tmp_path / "triage.sqlite")
    assert done["id"].to_list() == ["e0", "e1"]
    rerun = triage_frame(None, frame, progress=False, store=tmp_path / "triage.sqlite")
    assert rerun["resumed"].to_list() == [True, True, False, False, False]


def test_a_job_is_asked_to_stop_and_forgets_it_for_the_next_one():
    from kit.widgets.jobs import Job

    gate, seen = threading.Event(), []
    job = Job(on_error=lambda message: None)
    assert not job.cancel()  # nothing running
    assert job.start(lambda: (gate.wait(10), seen.append(job.cancelled())))
    assert job.cancel() and job.cancelled()
    gate.set()
    assert job.wait(10) and seen == [True]
    assert job.start(lambda: seen.append(job.cancelled())) and job.wait(10) and seen == [True, False]


def test_the_app_server_takes_more_than_an_upload(monkeypatch):
    assert limits.websocket_message_bytes() > limits.allowed("upload_bytes") > 10 * 1024 * 1024 // 2
    monkeypatch.setenv("KIT_MAX_UPLOAD_BYTES", "0")
    assert limits.websocket_message_bytes() == 1024 * limits.MB
    assert issubclass(limits.LimitError, InputError)
