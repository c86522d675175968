"""kit.docs ingest and search: sections and stable ids per format, fingerprints, and every bad input."""

from __future__ import annotations

import json
import os
import time

import pytest

from test_docs_fixtures import PDF_LINES, make_folder, pdf_bytes
from kit.docs import ingest
from kit.errors import InputError, PromptError


@pytest.fixture
def folder(tmp_path):
    return make_folder(tmp_path / "docs")


def test_each_format_gives_sections_with_heading_paths(folder, tmp_path):
    store = ingest(folder, index_dir=tmp_path / "index")
    ids = {s.id for s in store.sections}
    assert "ward.md#ward-it-downtime/blood-results/p1" in ids
    assert "ward.md#ward-it-downtime/first-hour/p2" in ids  # the list is one paragraph
    assert "pathology.txt#pathology-downtime/urgent-samples/p1" in ids
    assert "power.docx#power-failure/generators/p1" in ids
    assert "cascade.pdf#major-incident-cascade/declaring-an-incident/p1" in ids
    first_hour = store.section("ward.md#ward-it-downtime/first-hour/p1")
    assert first_hour.heading == "Ward IT downtime > First hour"
    assert first_hour.text == "Switch to paper forms. Tell the nurse in charge."  # Markdown bold marks removed
    table = [s for s in store.sections if s.document == "power.docx" and "bleep 555" in s.text]
    assert table and "Estates | bleep 555" in table[0].text
    assert PDF_LINES[3] in store.section("cascade.pdf#major-incident-cascade/declaring-an-incident/p1").text
    assert set(store.documents) == {"ward.md", "pathology.txt", "power.docx", "cascade.pdf"}
    assert store.report == ()


def test_ids_are_stable_across_runs_and_index_folders(folder, tmp_path):
    one = ingest(folder, index_dir=tmp_path / "a")
    two = ingest(folder, index_dir=tmp_path / "b")
    assert [s.id for s in one.sections] == [s.id for s in two.sections]
    assert len({s.id for s in one.sections}) == len(one.sections)


def test_search_ranks_the_answering_section_first_with_scores(folder, tmp_path):
    store = ingest(folder, index_dir=tmp_path / "index")
    hits = store.search("Who do I phone for urgent blood results?", k=3)
    assert hits[0].section.id == "ward.md#ward-it-downtime/blood-results/p1"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.score > 0 for h in hits) and len(hits) <= 3
    assert store.search("generator", k=1)[0].section.document == "power.docx"
    assert store.search("zebra quokka", k=5) == []  # no shared word: no hits rather than noise


def test_index_is_persisted_and_only_changed_files_are_read_again(folder, tmp_path):
    where = tmp_path / "index"
    first = ingest(folder, index_dir=where)
    assert set(first.reread) == set(first.documents)
    assert (where / "manifest.json").is_file()
    again = ingest(folder, index_dir=where)
    assert again.reread == () and again.notes == ()
    time.sleep(0.01)
    (folder / "ward.md").write_text((folder / "ward.md").read_text() + "\n## Fire\n\nUse the stairs.\n")
    changed = ingest(folder, index_dir=where)
    assert changed.reread == ("ward.md",)
    assert changed.search("stairs")[0].section.id == "ward.md#ward-it-downtime/fire/p1"
    (folder / "pathology.txt").unlink()
    assert "pathology.txt" not in ingest(folder, index_dir=where).documents


def test_default_index_sits_beside_the_documents(folder):
    store = ingest(folder)
    assert (folder / ".kit-index" / "manifest.json").is_file()
    assert ".kit-index" not in " ".join(store.documents)
    assert ingest(folder).reread == ()


@pytest.mark.parametrize("damage", ["truncate_matrix", "garble_sections", "delete_manifest_field"])
def test_corrupt_or_truncated_index_is_rebuilt_with_a_message(folder, tmp_path, damage):
    where = tmp_path / "index"
    good = ingest(folder, index_dir=where)
    if damage == "truncate_matrix":
        matrix = where / "bm25" / "data.csc.index.npy"
        matrix.write_bytes(matrix.read_bytes()[:20])
    elif damage == "garble_sections":
        (where / "sections.json").write_text("{not json")
    else:
        manifest = json.loads((where / "manifest.json").read_text())
        del manifest["checksums"]
        (where / "manifest.json").write_text(json.dumps(manifest))
    store = ingest(folder, index_dir=where)
    assert len(store.notes) == 1 and "rebuilt" in store.notes[0] and str(where) in store.notes[0]
    assert [s.id for s in store.sections] == [s.id for s in good.sections]
    assert store.search("generator")[0].section.document == "power.docx"
    assert ingest(folder, index_dir=where).notes == ()  # the rebuilt index is whole again


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="No documents folder at .*nowhere.*Pass the folder"):
        ingest(tmp_path / "nowhere")


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No readable documents .*it is empty"):
        ingest(tmp_path / "empty", index_dir=tmp_path / "index")


def test_folder_of_only_bad_files_names_them(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "blank.md").write_text("  \n")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(InputError, match="broken.pdf: is not a readable PDF"):
        ingest(docs, index_dir=tmp_path / "index")


def test_unreadable_pdf_empty_binary_and_unsupported_files_are_reported_and_skipped(folder, tmp_path):
    (folder / "broken.pdf").write_bytes(pdf_bytes(["Half a file"])[:60])
    (folder / "scanned.pdf").write_bytes(pdf_bytes([]))
    (folder / "empty.md").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    (folder / "gone.md").symlink_to(tmp_path / "deleted.md")
    store = ingest(folder, index_dir=tmp_path / "index")
    reasons = {f.path: f.reason for f in store.report if f.skipped}
    assert set(reasons) == {"broken.pdf", "scanned.pdf", "empty.md", "image.txt", "photo.png", "gone.md"}
    assert "not a readable PDF" in reasons["broken.pdf"] and "export it again" in reasons["broken.pdf"]
    assert "no text" in reasons["scanned.pdf"]
    assert "empty" in reasons["empty.md"]
    assert "binary" in reasons["image.txt"]
    assert "unsupported" in reasons["photo.png"]
    assert "cannot be read" in reasons["gone.md"]
    assert set(store.documents) == {"ward.md", "pathology.txt", "power.docx", "cascade.pdf"}


def test_cp1252_document_is_read_with_a_note(folder, tmp_path):
    text = "# Caf\u00e9 opening\n\nThe caf\u00e9 serves \u2018hot\u2019 food \u2013 \u00a35 meals during an outage.\n"
    (folder / "cafe.md").write_bytes(text.encode("cp1252"))
    store = ingest(folder, index_dir=tmp_path / "index")
    note = [f for f in store.report if f.path == "cafe.md"]
    assert len(note) == 1 and not note[0].skipped and "cp1252" in note[0].reason
    section = store.section("cafe.md#cafe-opening/p1")
    assert section.text == "The caf\u00e9 serves \u2018hot\u2019 food \u2013 \u00a35 meals during an outage."
    assert store.search("caf\u00e9 meals")[0].section.id == "cafe.md#cafe-opening/p1"
    assert store.search("cafe")[0].section.id == "cafe.md#cafe-opening/p1"  # accents folded for search


def test_unknown_section_id_names_it(folder, tmp_path):
    store = ingest(folder, index_dir=tmp_path / "index")
    with pytest.raises(InputError, match="No section 'ward.md#nope/p9'"):
        store.section("ward.md#nope/p9")


def test_empty_and_bad_queries_are_prompt_errors(folder, tmp_path):
    store = ingest(folder, index_dir=tmp_path / "index")
    for bad in ("", "   \n"):
        with pytest.raises(PromptError, match="empty"):
            store.search(bad)
    with pytest.raises(PromptError, match="must be text"):
        store.search(None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least 1"):
        store.search("paper", k=0)


def test_a_50000_character_query_is_searched_quickly(folder, tmp_path):
    store = ingest(folder, index_dir=tmp_path / "index")
    long_query = ("generator mains failure " * 2100)[:50_000]
    started = time.perf_counter()
    hits = store.search(long_query, k=2)
    assert time.perf_counter() - started < 2.0
    assert hits[0].section.document == "power.docx"


def test_unwritable_index_folder_still_gives_a_working_store(folder, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    store = ingest(folder, index_dir=blocker / "index")
    assert store.notes and "could not be saved" in store.notes[0]
    assert store.search("generator")[0].section.document == "power.docx"


# links: only regular files inside the folder are read


SECRET = "zebrafinch-7731 root:x:0:0 bash"


def test_a_link_to_a_file_outside_is_skipped_reported_and_never_indexed(folder, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text(f"# Private\n\n{SECRET}\n")
    (folder / "passwords.txt").symlink_to(outside)
    store = ingest(folder)
    reason = {f.path: f.reason for f in store.report}["passwords.txt"]
    assert "link to a file outside this folder" in reason and "not read" in reason
    assert str(outside) not in reason  # the report does not name where the link points
    assert store.search("zebrafinch-7731") == []
    assert "passwords.txt" not in store.documents
    saved = b"".join(p.read_bytes() for p in (folder / ".kit-index").rglob("*") if p.is_file())
    assert b"zebrafinch" not in saved


def test_a_link_inside_the_folder_is_skipped_and_its_target_read_once(folder, tmp_path):
    (folder / "ward-copy.md").symlink_to(folder / "ward.md")
    store = ingest(folder, index_dir=tmp_path / "index")
    reason = {f.path: f.reason for f in store.report}["ward-copy.md"]
    assert "link to ward.md in this folder" in reason and "read under its own name" in reason
    assert "ward-copy.md" not in store.documents and "ward.md" in store.documents


def test_a_linked_folder_is_not_entered_and_is_reported(folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.md").write_text(f"# Notes\n\n{SECRET}\n")
    (folder / "shared").symlink_to(elsewhere, target_is_directory=True)
    store = ingest(folder, index_dir=tmp_path / "index")
    reason = {f.path: f.reason for f in store.report}["shared"]
    assert "link to a folder" in reason and "not followed" in reason
    assert store.search("zebrafinch-7731") == [] and not any(d.startswith("shared") for d in store.documents)


def test_a_pipe_is_reported_and_never_opened(folder, tmp_path):
    os.mkfifo(folder / "pipe.md")  # opening a pipe to read would wait for a writer forever
    store = ingest(folder, index_dir=tmp_path / "index")
    assert "not a regular file" in {f.path: f.reason for f in store.report}["pipe.md"]


def test_a_file_swapped_for_a_link_after_listing_is_refused(folder, tmp_path):
    from kit.docs import store as docstore

    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET)
    target = folder / "late.md"
    target.symlink_to(outside)  # as if swapped in between listing and reading
    entry = docstore._read(target, "late.md", 1, 1, folder.resolve())
    assert entry.error.startswith("cannot be read") and not entry.sections


def test_an_index_folder_that_is_a_link_is_neither_read_nor_written(folder, tmp_path):
    elsewhere = tmp_path / "someone-elses-index"
    elsewhere.mkdir()
    (folder / ".kit-index").symlink_to(elsewhere, target_is_directory=True)
    store = ingest(folder)
    assert any("is a link" in note for note in store.notes)
    assert list(elsewhere.iterdir()) == []
    assert store.search("generator")[0].section.document == "power.docx"
