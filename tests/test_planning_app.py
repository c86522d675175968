"""The planning app's widgets: checking a pasted or picked application, analysing an uploaded comments CSV, and
every bad input shown as a message (never a traceback); the notebook that shows it is thin."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import nbformat
import pytest

from kit.planning import view as planning_view
from kit.planning.app import PlanningApp, planning_app, real_applications
from kit.planning.data import sample_path

SAMPLE = sample_path()  # the labelled subset: 200 applications, a quick list to pick from
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "apps" / "planning.ipynb"
COMMENTS = b"""application,comment_id,text
P1,c1,I object to this. The bar will be open until 1am and the noise will keep us awake.
P1,c2,I support the application. It will bring jobs and visitors to the harbour.

P1,c3,
"""


def _upload(app: PlanningApp, name: str, data: bytes) -> None:
    app.upload.value = ({"name": name, "type": "text/csv", "size": len(data), "content": memoryview(data),
                         "last_modified": dt.datetime.now(dt.timezone.utc)},)


@pytest.fixture
def app():
    return PlanningApp(None, background=False, applications=SAMPLE)


def test_a_pasted_description_shows_fields_with_evidence_and_cited_findings(app):
    app.method.value = "parsers"
    app.description.value = "Retrospective erection of a four storey building comprising 12 apartments"
    app.address.value = "10 Market Street Peel Isle Of Man IM5 1AB"
    assert app.check() and app.message.value == ""
    page = app.record_view.value
    marked = ('<mark class="kit-evidence" data-fields="dwellings works" title="Net new dwellings, Works">'
              "12 apartments</mark>")
    assert marked in page
    assert 'data-fields="settlement"' in page and ">Peel</mark>" in page
    assert re.search(r'<tr data-field="dwellings"><td>Net new dwellings</td><td class="kit-value">12</td>', page)
    report = app.findings_view.value
    for rule in ("H1-affordable-housing", "D3-height-historic-towns", "E1-retrospective"):
        assert f'data-rule="{rule}"' in report
    assert "Policy H1, paragraph 5.3:</b> Development that provides 10 or more" in report
    assert "synthetic plan" in report
    assert app.attribution.value == ""  # pasted text: no licence line
    assert app.status.value.startswith("Done: 3 findings")


def test_picking_a_real_application_fills_the_form_and_carries_the_attribution(app):
    assert len(app.pick.options) > 1
    app.search.value = "registered building"
    picked = [app._rows[i]["description"].lower() for _, i in app.pick.options[1:]]
    assert picked and all("registered" in text and "building" in text for text in picked)
    index = app.pick.options[1][1]
    app.pick.value = index
    assert app.description.value == app._rows[index]["description"]
    app.method.value = "parsers"
    assert app.check()
    assert "Isle of Man Open Government Licence" in app.attribution.value
    assert app.record.reference == app._rows[index]["reference"]


def test_the_picker_reads_the_published_lists_by_default():
    frame = real_applications()
    assert frame.height == 4015 and {"reference", "description", "address"} <= set(frame.columns)


def test_bad_inputs_are_messages_not_tracebacks(app):
    assert not app.check()
    assert "There is no description yet" in app.message.value and "kit-error" in app.message.value
    assert not app.analyse()
    assert "No comments file yet" in app.message.value
    _upload(app, "notes.txt", b"text\nhello\n")
    assert not app.analyse() and "is not one" in app.message.value
    _upload(app, "bad.csv", b"ref,comment\nA,hello\n")
    assert not app.analyse()
    assert "Expected the columns application, comment_id, text; found &#x27;ref&#x27;, &#x27;comment&#x27;" \
        in app.message.value
    _upload(app, "empty.csv", b"  \n")
    assert not app.analyse() and "is empty" in app.message.value
    assert "Traceback" not in app.message.value


def test_an_app_that_cannot_start_says_why():
    widget = planning_app(None, policies="/nonexistent/policies")
    assert "The planning app cannot start" in widget.value and "No policy file or folder" in widget.value


def test_a_job_error_is_shown_as_a_message(app):
    app.method.value = "hybrid"
    app._llm = object()  # a "model" that cannot answer: the job's error must reach the page as words
    app.description.value = "Erection of a dwelling"
    app.check()
    assert "kit-error" in app.message.value and "Something went wrong" in app.message.value


@pytest.mark.model
def test_an_uploaded_comments_csv_shows_stance_themes_and_quotes_with_the_empty_rows_reported(model):
    app = PlanningApp(model, background=False, applications=SAMPLE)
    _upload(app, "comments.csv", COMMENTS)
    assert app.analyse(), app.message.value
    page = app.comments_view.value
    assert "2 comments: most object (1); other views: support 1" in page
    assert "Not analysed: line 4: an empty row (not analysed)" in page
    assert "Not analysed: line 5: the text is empty (not analysed)" in page
    assert 'data-theme="noise"' in page and 'data-theme="economy"' in page
    assert "<q>It will bring jobs and visitors to the harbour.</q>" in page
    assert app.status.value.startswith("Done: 2 comments")


def test_the_notebook_is_thin_and_commit_ready():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert [cell.cell_type for cell in nb.cells] == ["markdown", "code", "code"]
    parameters, app = nb.cells[1], nb.cells[2]
    assert parameters.metadata.get("tags") == ["parameters"]
    lines = parameters.source.splitlines()
    assert [line.split(":")[0] for line in lines] == ["model", "policies", "applications"]
    assert all(re.match(r"^\w+: (\"[\w\[\]]+\"|\w+) = .+  # .+$", line) for line in lines), lines
    assert "planning_app(" in app.source
    for cell in nb.cells[1:]:
        assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.model
def test_stop_keeps_the_comments_already_analysed(model):
    app = PlanningApp(model, background=False, applications=SAMPLE)
    _upload(app, "comments.csv", COMMENTS)
    app.progress.observe(lambda change: change["new"] >= 1 and app.stop(), names="value")  # Stop after the first
    assert app.analyse(), app.message.value
    assert app.message.value == "", app.message.value
    assert len(app.analysis.comments) == 1
    assert app.status.value.startswith("Stopped after 1 of 2 comments"), app.status.value
    assert app.stop_button.layout.display == "none" and not app.check_button.disabled
