"""kit transparency: an ATRS record drafted from the notebook's latest run manifest, every figure traceable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from notebook_files import write_notebook

from kit import cli, runner, transparency
from kit.errors import InputError, KitError
from kit.hashing import sha256_file
from kit.runtime import catalog
from kit.transparency.cards import read_card
from kit.transparency.capabilities import CAPABILITIES, ROOT
from kit.transparency.layout import NOT_MEASURED, TODO
from kit.transparency.notebook import read_notebook
from kit.transparency.scrub import ABSOLUTE, refuse_paths, scrub_text

EMBEDDED_SHA = catalog.get_entry("smollm2-135m").sha256


def make_run(outputs: Path, stem: str, stamp: str, figures: list[dict], *, status: str = "ok",
             model: dict | None = None, storage: dict | None = None, parameters: dict | None = None) -> Path:
    """A run manifest and figures file as ``kit run`` writes them (hand-made: no kernel, no model)."""
    outputs.mkdir(parents=True, exist_ok=True)
    base = outputs / f"{stem}-{stamp}"
    figures_file = base.with_suffix(".figures.json")
    if figures:
        figures_file.write_text(json.dumps(figures))
    day, time = stamp.split("-")
    started = f"{day[:4]}-{day[4:6]}-{day[6:]}T{time[:2]}:{time[2:4]}:{time[4:]}+00:00"
    manifest = base.with_suffix(".run.json")
    manifest.write_text(json.dumps({
        "manifest_version": 1, "run_id": manifest.name, "status": status, "error": None,
        "notebook": {"path": f"notebooks/{stem}.ipynb", "sha256": "0" * 64},
        "parameters": {"given": {}, "passed": {}, "effective": parameters or {"sample_size": 4}},
        "started_utc": started, "finished_utc": started, "seconds": 1.5,
        "kit_version": "0.1.0", "llama_cpp_python_version": "0.3.36",
        "model": model or {"name": "smollm2-135m", "path": "/m/SmolLM2.gguf", "source": "embedded",
                           "sha256": EMBEDDED_SHA},
        "storage": storage or {"run_log": "/k/runlog.sqlite", "run_log_on": True, "cache": "/k/cache.sqlite",
                               "cache_on": True, "redaction_on": True},
        "output": str(base.with_suffix(".ipynb")),
        "figures_file": str(figures_file) if figures else None, "figure_count": len(figures),
    }))
    return manifest


def chrf(value: float) -> list[dict]:
    return [{"name": "chrf_en_cy", "value": value, "unit": "", "note": "4 segments"},
            {"name": "flag_rate", "value": 1.0, "unit": "fraction", "note": ""}]


def provenance_rows(md: str) -> dict[str, list[str]]:
    """The Provenance table of a Markdown record: figure name -> its cells."""
    section = md.split("## Provenance", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[0] not in ("Figure",):
            rows[cells[0]] = cells
    return rows


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# -- figures and their provenance --------------------------------------------------------------------
def test_figures_come_from_the_latest_run_with_their_provenance(tmp_path):
    outputs = tmp_path / "outputs"
    older = make_run(outputs, "10_translation", "20260101-090000", chrf(11.25))
    newer = make_run(outputs, "10_translation", "20260102-090000", chrf(6.0625))
    md_path, docx_path = transparency.draft("translation", outputs=outputs, output_dir=tmp_path / "rec")
    md = md_path.read_text()
    recorded = json.loads(newer.with_suffix("").with_suffix(".figures.json").read_text())
    rows = provenance_rows(md)
    assert json.loads(rows["chrf_en_cy"][1]) == recorded[0]["value"] == 6.0625
    assert rows["chrf_en_cy"][2] == f"`{newer.name}`" and rows["chrf_en_cy"][3] == "2026-01-02T09:00:00+00:00"
    assert rows["chrf_en_cy"][4] == f"`{EMBEDDED_SHA}`"
    assert "| chrf_en_cy | 6.062 |  | 4 segments | [^run-1] |" in md  # the figure table cites the footnote
    assert f"[^run-1]: Run manifest `{newer.name}` (in the outputs folder), started 2026-01-02T09:00:00+00:00" in md
    assert str(tmp_path) not in md and "/m/SmolLM2.gguf" not in md and "| File | `SmolLM2.gguf` (chosen by" in md
    assert str(older.name) not in md and "11.25" not in md
    assert md_path.name == "10_translation-transparency.md" and docx_path.suffix == ".docx"


def test_a_later_run_changes_what_the_record_cites(tmp_path):
    outputs = tmp_path / "outputs"
    make_run(outputs, "10_translation", "20260101-090000", chrf(6.0625))
    (first,) = transparency.draft("translation", outputs=outputs, output_dir=tmp_path, formats="md")
    before = first.read_text()
    later = make_run(outputs, "10_translation", "20260301-120000", chrf(7.5))
    (second,) = transparency.draft("translation", outputs=outputs, output_dir=tmp_path, formats="md")
    after = second.read_text()
    assert json.loads(provenance_rows(before)["chrf_en_cy"][1]) == 6.0625
    assert json.loads(provenance_rows(after)["chrf_en_cy"][1]) == 7.5
    assert later.name in after and later.name not in before


def test_a_failed_later_run_is_named_but_not_used(tmp_path):
    outputs = tmp_path / "outputs"
    make_run(outputs, "10_translation", "20260101-090000", chrf(6.0625))
    failed = make_run(outputs, "10_translation", "20260102-090000", chrf(99.0), status="failed")
    facts = transparency.collect("translation", outputs)
    assert [f.value for f in facts.run.figures][0] == 6.0625
    assert facts.later_failed_runs == (failed.name,)
    (md,) = transparency.draft("translation", outputs=outputs, output_dir=tmp_path, formats="md")
    assert f"Later runs that failed and are not used here: {failed.name}" in md.read_text()


def test_runs_of_a_notebook_with_a_longer_name_are_not_mixed_in(tmp_path):
    outputs = tmp_path / "outputs"
    make_run(outputs, "10_translation", "20260101-090000", chrf(6.0625))
    make_run(outputs, "10_translation_copy", "20260105-090000", chrf(50.0))
    assert transparency.collect("translation", outputs).run.figures[0].value == 6.0625


def test_docx_holds_the_figures_and_the_model_hash(tmp_path):
    outputs = tmp_path / "outputs"
    manifest = make_run(outputs, "42_admin_triage", "20260101-090000",
                        [{"name": "triage_safeguarding_recall", "value": 1.0, "unit": "", "note": ""}])
    (path,) = transparency.draft("triage", outputs=outputs, output_dir=tmp_path, formats="docx")
    text = docx_text(path)
    assert "triage_safeguarding_recall" in text and EMBEDDED_SHA in text
    assert manifest.name in text and "[1] Run manifest" in text and str(tmp_path) not in text
    assert "2.6 Risks, mitigations and impact assessments" in text
    assert "Correspondence to a council, labelled for triage (synthetic)" in text  # the dataset card's title


# -- what the kit cannot know is a prompt, never invented ---------------------------------------------
def test_owner_contact_and_assessments_are_prompts_for_the_service_owner(tmp_path):
    make_run(tmp_path, "00_quickstart", "20260101-090000", [])
    md = transparency.draft("quickstart", outputs=tmp_path, output_dir=tmp_path, formats="md")[0].read_text()
    for field in ("**Organisation, team and senior responsible owner:**", "**Website and contact:**",
                  "**Human decisions and review:**", "**Data protection impact assessment (DPIA):**",
                  "**Equality impact assessment (EqIA):**"):
        line = next(line for line in md.splitlines() if field in line)
        assert f"{field} {TODO}" in line
    assert "Algorithmic Transparency Recording Standard (UK), template v3.0" in md
    assert "The run 00_quickstart-20260101-090000.run.json recorded no figures." in md


def test_model_identity_licence_and_checksum_come_from_the_catalog(tmp_path):
    make_run(tmp_path, "00_quickstart", "20260101-090000", [])
    facts = transparency.collect("quickstart", tmp_path)
    assert facts.model.licence == "Apache-2.0" and facts.model.catalog_sha256_matches is True
    other = make_run(tmp_path, "00_quickstart", "20260102-090000", [],
                     model={"name": "mine", "path": "/m/mine.gguf", "source": "argument", "sha256": "ab" * 32})
    md = transparency.draft("quickstart", outputs=tmp_path, output_dir=tmp_path, formats="md")[0].read_text()
    assert other.name in md and "ab" * 32 in md
    assert f"| Licence | {TODO} the model's licence (not in the kit's catalog). |" in md


def test_data_flows_say_what_the_run_stored(tmp_path):
    make_run(tmp_path, "10_translation", "20260101-090000", chrf(6.0),
             storage={"run_log": "/k/runlog.sqlite", "run_log_on": True, "cache": "/k/cache.sqlite",
                      "cache_on": False, "redaction_on": False},
             parameters={"confidential": True, "sample_size": 4})
    flows = {f.topic: f.statement for f in transparency.collect("translation", tmp_path).data_flows}
    assert "`runlog.sqlite` in the kit's data folder" in flows["Run log"] and "/k/" not in flows["Run log"]
    assert "Logging was on during the run" in flows["Run log"] and "`cache.sqlite`" in flows["Response cache"]
    assert "Caching was off during the run" in flows["Response cache"]
    assert "was off during the run" in flows["Redaction"]
    assert "`confidential` parameter was True" in flows["Confidential mode"]
    assert flows["Network"].startswith("None at run time")


# -- datasets and limitations --------------------------------------------------------------------------
def test_dataset_cards_say_synthetic_or_real_and_keep_the_attribution(tmp_path):
    translation = read_card(ROOT / "datasets" / "translation")
    assert translation.kind == "synthetic" and "CC0" in translation.licence and translation.attribution is None
    planning = read_card(ROOT / "datasets" / "planning")
    assert planning.kind == "real and synthetic" and "Isle of Man Open Government Licence" in planning.licence
    assert planning.attribution == ("Contains public sector information licensed under the Isle of Man Open "
                                    "Government Licence.")
    real = tmp_path / "records"
    real.mkdir()
    (real / "README.md").write_text("# Council records (real, as published)\n\nPublished lists.\n\n"
                                    "Licence: Open Government Licence v3.0. Carry: \"Contains public sector "
                                    "information licensed under the Open Government Licence v3.0.\"\n")
    card = read_card(real)
    assert card.kind == "real" and card.licence == "Open Government Licence v3.0."
    assert card.attribution.startswith("Contains public sector information licensed under the Open Government")
    assert read_card(tmp_path / "absent").present is False


def test_every_main_notebook_states_its_limitations():
    for capability in CAPABILITIES.values():
        limits = read_notebook(capability.notebook_path()).limitations
        assert len(limits) >= 2, capability.notebook
        assert all(len(item) > 20 and not item.startswith("-") for item in limits)


def test_planning_record_carries_the_real_records_licence(tmp_path):
    make_run(tmp_path, "20_planning", "20260101-090000", [{"name": "works exact", "value": 0.73, "unit": "",
                                                           "note": ""}])
    md = transparency.draft("planning", outputs=tmp_path, output_dir=tmp_path, formats="md")[0].read_text()
    assert "Contains public sector information licensed under the Isle of Man Open Government Licence." in md
    assert "The embedded model adds nothing measurable" in md  # from the notebook's Limitations cell


# -- bad input -------------------------------------------------------------------------------------------
def test_unknown_capability_lists_the_choices():
    with pytest.raises(InputError, match="No capability called 'transl'.*translation, planning, offline"):
        transparency.collect("transl")


def test_missing_notebook_path(tmp_path):
    with pytest.raises(InputError, match="No notebook at"):
        transparency.collect(str(tmp_path / "nothing.ipynb"))


def test_never_run_names_the_kit_run_command_or_drafts_not_measured(tmp_path):
    with pytest.raises(InputError, match=r"no successful `kit run`.*`kit run .*notebooks/30_offline_fallback\.ipynb`"):
        transparency.collect("offline", tmp_path)
    failed = make_run(tmp_path, "30_offline_fallback", "20260101-090000", [], status="failed")
    with pytest.raises(InputError, match=f"all failed: {failed.name}"):
        transparency.collect("offline", tmp_path)
    (md,) = transparency.draft("offline", outputs=tmp_path, output_dir=tmp_path, formats="md", allow_no_run=True)
    text = md.read_text()
    assert f"Figures: {NOT_MEASURED}" in text and "## Provenance" in text


def test_bad_format_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(InputError, match="Unknown format pdf"):
        transparency.draft("quickstart", outputs=tmp_path, output_dir=tmp_path / "rec", formats="md,pdf")
    assert not (tmp_path / "rec").exists()


def test_figures_file_missing_is_a_clear_error(tmp_path):
    manifest = make_run(tmp_path, "10_translation", "20260101-090000", chrf(6.0))
    manifest.with_suffix("").with_suffix(".figures.json").unlink()
    with pytest.raises(InputError, match="recorded 2 figures but its figures file is missing"):
        transparency.collect("translation", tmp_path)


def test_cli_prints_the_paths_and_errors_in_one_line(tmp_path, capsys):
    make_run(tmp_path, "00_quickstart", "20260101-090000", [])
    argv = ["transparency", "quickstart", "--outputs", str(tmp_path), "--output-dir", str(tmp_path / "r")]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Wrote {tmp_path / 'r' / '00_quickstart-transparency.md'}",
                   f"Wrote {tmp_path / 'r' / '00_quickstart-transparency.docx'}"]
    assert cli.main(["transparency", "minute", "--outputs", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kit: error: No capability called 'minute'") and "Traceback" not in err


# -- the run manifest kit run writes ------------------------------------------------------------------
@pytest.fixture()
def tiny_notebook(tmp_path):
    return write_notebook(tmp_path / "tiny.ipynb", "size: int = 3  # how many",
                          "import kit\nkit.record('squared', size * size, 'units')\nassert size < 10")


def test_every_run_writes_a_manifest_and_a_failed_one_says_so(tiny_notebook, tmp_path):
    result = runner.run_notebook(tiny_notebook, {"size": "4"}, output_dir=tmp_path / "out", progress=False)
    facts = json.loads(result.manifest.read_text())
    assert result.manifest == result.output.with_suffix(".run.json") and facts["status"] == "ok"
    assert facts["notebook"]["sha256"] == hashlib.sha256(tiny_notebook.read_bytes()).hexdigest()
    assert facts["parameters"] == {"given": {"size": "4"}, "passed": {"size": 4}, "effective": {"size": 4}}
    assert facts["model"]["source"] == "embedded" and facts["model"]["sha256"] == EMBEDDED_SHA
    assert json.loads(Path(facts["figures_file"]).read_text())[0]["value"] == 16
    assert facts["started_utc"] <= facts["finished_utc"] and facts["llama_cpp_python_version"]
    with pytest.raises(KitError, match="failed in cell"):
        runner.run_notebook(tiny_notebook, {"size": "12"}, output_dir=tmp_path / "bad", progress=False)
    (failed,) = (tmp_path / "bad").glob("*.run.json")
    facts = json.loads(failed.read_text())
    assert facts["status"] == "failed" and "AssertionError" in facts["error"] and facts["figure_count"] == 1


@pytest.mark.model
def test_record_from_a_real_quickstart_run(tmp_path):
    outputs = tmp_path / "outputs"
    result = runner.run_notebook(ROOT / "notebooks" / "00_quickstart.ipynb", {"max_tokens": "8"},
                                 output_dir=outputs, progress=False)
    md_path, docx_path = transparency.draft("quickstart", outputs=outputs, output_dir=tmp_path / "record")
    md = md_path.read_text()
    recorded = json.loads(result.output.with_suffix(".figures.json").read_text())
    model_sha = sha256_file(json.loads(result.manifest.read_text())["model"]["path"])
    rows = provenance_rows(md)
    assert [r for r in rows] == [f["name"] for f in recorded] and recorded
    for figure in recorded:
        assert json.loads(rows[figure["name"]][1]) == figure["value"]
        assert rows[figure["name"]][2] == f"`{result.manifest.name}`"
    assert model_sha == EMBEDDED_SHA and f"`{model_sha}` (matches the kit catalog's published checksum)" in md
    text = docx_text(docx_path)
    assert all(f["name"] in text for f in recorded) and model_sha in text
    limits = md.split("Known limitations, as the notebook states them:", 1)[1].split("Impact assessments", 1)[0]
    assert "- Structured extraction always returns an object that parses and validates" in limits
    # nothing local in a record meant for publication: no home, temporary or repository folder, no absolute path
    for local in (str(Path.home()), str(tmp_path), str(ROOT), str(outputs.resolve())):
        assert local not in md and local not in text, local
    assert ABSOLUTE.search(md) is None and ABSOLUTE.search(text) is None
    assert f"| Manifest | `{result.manifest.name}` in the outputs folder |" in md
    assert "| Data quantities |" not in md  # the quickstart has no dataset of its own


# -- publication: no local paths, ATRS v3 fields, Tier 1 not repeated ------------------------------------
def test_scrub_rewrites_every_absolute_path_and_keeps_the_rest(tmp_path):
    text = ("Log at /home/alice/.local/share/kit/runlog.sqlite. Model ~/models/x.gguf, C:\\Users\\bob\\m.gguf, "
            f"file:///tmp/a/b.ipynb and `{ROOT / 'notebooks' / '10_translation.ipynb'}`; see "
            "https://www.example.gov.uk/pay on 14/03/2025 (en/cy, 1/2).")
    clean = scrub_text(text, ROOT)
    assert clean == ("Log at runlog.sqlite. Model x.gguf, m.gguf, b.ipynb and `notebooks/10_translation.ipynb`; see "
                     "https://www.example.gov.uk/pay on 14/03/2025 (en/cy, 1/2).")
    assert ABSOLUTE.search(clean) is None and refuse_paths(clean, "record") == clean
    with pytest.raises(KitError, match="would contain the local path '/tmp/x/y.md', so it was not written"):
        refuse_paths("see /tmp/x/y.md", "record")


def test_a_path_that_reaches_the_record_is_rewritten_or_else_refused(tmp_path, monkeypatch):
    from kit.transparency import write
    from kit.transparency.blocks import para

    make_run(tmp_path, "10_translation", "20260101-090000", chrf(6.0))
    layout = write.blocks
    monkeypatch.setattr(write, "blocks", lambda facts: layout(facts) + [para(f"See {tmp_path}/notes/extra.md.")])
    (md,) = transparency.draft("translation", outputs=tmp_path, output_dir=tmp_path / "ok", formats="md")
    assert md.read_text().endswith("See extra.md.\n") and str(tmp_path) not in md.read_text()
    monkeypatch.setattr(write, "scrub", lambda blocks, root: blocks)  # the last check alone must still catch it
    with pytest.raises(KitError, match="would contain the local path .*extra.md., so it was not written"):
        transparency.draft("translation", outputs=tmp_path, output_dir=tmp_path / "rec")
    assert not (tmp_path / "rec").exists()


@pytest.mark.parametrize("name", sorted(CAPABILITIES))
def test_the_record_has_the_atrs_v3_fields_and_does_not_repeat_tier_1(tmp_path, name):
    capability = CAPABILITIES[name]
    make_run(tmp_path, Path(capability.notebook).stem, "20260101-090000", chrf(6.0))
    md = transparency.draft(name, outputs=tmp_path, output_dir=tmp_path, formats="md")[0].read_text()
    tier1, tier2 = md.split("## Tier 2: Detailed information", 1)
    description = next(line for line in tier1.splitlines() if line.startswith("- **Description:**"))
    shows = description.removeprefix("- **Description:** ")
    assert len(shows) > 40 and shows not in tier2  # 2.2 describes how it works, not Tier 1 again
    section22 = tier2.split("### 2.2 Description and rationale", 1)[1].split("### 2.3", 1)[0]
    assert f"**Detailed description:** {capability.how}" in section22 and TODO not in section22.split("\n")[2]
    for field in ("**Previous process:**", "**Frequency and scale of usage:**", "**Required training:**",
                  "**Human decisions and review:**"):  # only the service knows these: prompts, never invented
        assert f"{field} {TODO}" in md, field
    for field, known in (("Model task", capability.task), ("Model input", capability.inputs),
                         ("Model output", capability.outputs)):  # the kit knows these
        assert f"| {field} | {known} |" in md
    if capability.datasets:
        for field in ("Data quantities", "Sensitive attributes", "Data completeness and representativeness",
                      "Data modality", "Evaluation split"):
            assert f"| {field} |" in md, field
        assert f"| Sensitive attributes | The card describes this data as" in md and TODO in md
    assert str(tmp_path) not in md and ABSOLUTE.search(md) is None


def test_data_quantities_and_splits_come_from_the_folder_and_its_card(tmp_path):
    make_run(tmp_path, "10_translation", "20260101-090000", chrf(6.0))
    md = transparency.draft("translation", outputs=tmp_path, output_dir=tmp_path, formats="md")[0].read_text()
    row = next(line for line in md.splitlines() if line.startswith("| Data quantities |"))
    assert "segments.jsonl: 48 records" in row and "glossary_cy.csv: 9 rows after the first" in row
    assert "| Data modality | text |" in md and "| Dataset card | `datasets/translation/README.md` |" in md
    split = next(line for line in md.splitlines() if line.startswith("| Evaluation split |"))
    assert "**26 held-out**" in split and "hash_split" in split
