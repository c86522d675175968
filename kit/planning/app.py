"""The planning app: check an application (fields with evidence, policy findings) and analyse consultation comments."""

from __future__ import annotations

import time
import warnings
from pathlib import Path, PurePath
from typing import Any

import ipywidgets as widgets

import kit.planning as planning
from kit.errors import InputError
from kit.planning import data
from kit.planning import view as planning_view
from kit.widgets import html
from kit.widgets.app import JobApp, start_app, uploaded
from kit.widgets.jobs import describe_error

MAX_CHOICES = 100
THEMES_CHOICES = [("Sort into the theme list (traffic, housing, design, ...)", "given"),
                  ("Discover themes from the comments", "discover")]


def real_applications(path: str | Path | None = None):
    """Real applications to pick from: ``path`` (a published list or a folder of them), else the published lists."""
    with warnings.catch_warnings():  # unreadable rows are the loader's report, not this picker's concern
        warnings.simplefilter("ignore")
        return planning.load_applications(path or data.published_dir())


class PlanningApp(JobApp):
    """Two tabs: paste or pick an application and check it; upload a comments CSV and analyse it.

    ``model`` is a loaded model, or a name/path for ``kit.load_model`` (None: the default), loaded on
    first use; ``background=False`` runs jobs in the click handler (scripts and tests).
    """

    def __init__(self, model: Any = None, *, policies: str | Path | None = None, applications: Any = None,
                 background: bool = True):
        self._init_job(model, background=background)
        self.policies = planning.load_policies(policies or data.policies_dir())
        self.record = self.findings = self.analysis = None
        self._rows: list[dict] = []
        self._picked: dict | None = None

        self.search = widgets.Text(placeholder="Find a real application: reference or words (e.g. apartments)",
                                   layout=widgets.Layout(width="auto"))
        self.pick = widgets.Dropdown(options=[("(paste your own below)", -1)], value=-1, description="Real",
                                     layout=widgets.Layout(width="auto"))
        self.description = widgets.Textarea(placeholder="Paste the description of the proposal here.",
                                            layout=widgets.Layout(width="auto", height="7em"))
        self.address = widgets.Text(placeholder="Address (optional)", layout=widgets.Layout(width="auto"))
        self.method = widgets.Dropdown(options=[("Parsers and the model (hybrid)", "hybrid"),
                                                ("Parsers only (fast, no model)", "parsers")],
                                       value="hybrid", description="Read with")
        self.check_button = widgets.Button(description="Check application", button_style="primary")
        self.upload = widgets.FileUpload(accept=".csv", multiple=False, description="Comments CSV",
                                         layout=widgets.Layout(width="auto"))
        self.upload_note = widgets.HTML("<small>A CSV with the columns <code>application,comment_id,text</code> "
                                        "(only <code>text</code> is required), UTF-8.</small>")
        self.themes_mode = widgets.Dropdown(options=THEMES_CHOICES, value="given", description="Themes",
                                            layout=widgets.Layout(width="auto"))
        self.analyse_button = widgets.Button(description="Analyse comments", button_style="primary")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(display="none"))
        self.status = widgets.Label()
        self.message = widgets.HTML()
        self.record_view = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.findings_view = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.attribution = widgets.HTML()
        self.comments_view = widgets.HTML(layout=widgets.Layout(width="100%"))

        check_tab = widgets.VBox([
            widgets.HTML("<b>Pick a real application, or paste a description</b>"), self.search, self.pick,
            self.description, self.address, widgets.HBox([self.method, self.check_button]),
            self.record_view, self.findings_view, self.attribution])
        comments_tab = widgets.VBox([
            widgets.HTML("<b>Consultation comments</b>"), widgets.HBox([self.upload, self.upload_note]),
            widgets.HBox([self.themes_mode, self.analyse_button]), self.comments_view])
        self.tabs = widgets.Tab(children=[check_tab, comments_tab])
        self.tabs.set_title(0, "Check an application")
        self.tabs.set_title(1, "Comments")

        self.check_button.on_click(lambda _: self.check())
        self.analyse_button.on_click(lambda _: self.analyse())
        self.search.observe(lambda _: self._refresh_choices(), names="value")
        self.pick.observe(self._on_pick, names="value")
        super().__init__([widgets.HTML(html.STYLE + planning_view.STYLE), self.tabs,
                          widgets.HBox([self.stop_button, self.progress, self.status]), self.message],
                         layout=widgets.Layout(width="100%"))
        self.add_class("kit-app")
        self.add_class("kit-planning-app")
        self._load_choices(applications)

    # -- actions ---------------------------------------------------------------------------
    def check(self) -> bool:
        """Press "Check application": extract the fields, then run the policy checks. False if nothing started."""
        return self._start(self._read_description, lambda request: self._check(*request), clear=(self.message,),
                           starting="Reading the application...")

    def analyse(self) -> bool:
        """Press "Analyse comments": read the uploaded CSV, then stance, themes and quotes. False if nothing started."""
        return self._start(lambda: (self._read_upload(), self.themes_mode.value),
                           lambda request: self._analyse(*request), clear=(self.message,),
                           starting="Reading the comments...")

    # -- steps -----------------------------------------------------------------------------
    def _read_description(self) -> tuple[str, str, dict | None, str]:
        text, address = self.description.value, self.address.value
        if not text.strip():
            raise InputError("There is no description yet. Paste the proposal text, or pick a real application.")
        picked = self._picked if self._picked and self._picked.get("description") == text else None
        return text, address, picked, self.method.value

    def _check(self, text: str, address: str, picked: dict | None, method: str) -> None:
        started = time.monotonic()
        model = self._load_model() if method != "parsers" else None
        self.status.value = "Extracting the fields..."
        record = planning.extract(model, text, address or None, method=method,
                                        reference=(picked or {}).get("reference"))
        findings = planning.check(record, self.policies)
        self.record, self.findings = record, findings
        self.record_view.value = planning_view.record_html(record)
        self.findings_view.value = "<b>Policy report</b>" + planning_view.findings_html(findings, self.policies)
        self.attribution.value = f"<small>{html.esc(data.ATTRIBUTION)}</small>" if picked else ""
        self.status.value = f"Done: {len(findings)} findings in {time.monotonic() - started:.0f} s."

    def _read_upload(self):
        upload = uploaded(self.upload)
        if upload is None:
            raise InputError("No comments file yet. Upload a CSV with a 'text' column (one comment per row).")
        name, content = upload
        if PurePath(name).suffix.lower() != ".csv":
            raise InputError(f"This tab reads CSV files; {name!r} is not one. In Excel, save as 'CSV UTF-8'.")
        if not content.strip():
            raise InputError(f"The file {name!r} is empty.")
        return planning.read_comments(content, name=name)

    def _analyse(self, comments, mode: str) -> None:
        started = time.monotonic()
        model = self._load_model()
        self.status.value = "Reading the comments..."
        themes = planning.COMMENT_THEMES if mode == "given" else None
        analysis = planning.analyse_comments(model, comments, themes, progress=self._on_progress,
                                             cancel=self.job.cancelled)
        self.analysis = analysis
        self.comments_view.value = planning_view.comments_html(analysis)
        stopped = next((note.split(":")[0] for note in analysis.notes if note.startswith("Stopped after")), None)
        self.status.value = f"{stopped or f'Done: {len(analysis.comments)} comments'} in {time.monotonic() - started:.0f} s."

    # -- picking a real application --------------------------------------------------------
    def _load_choices(self, applications: Any) -> None:
        try:
            frame = applications if hasattr(applications, "to_dicts") else real_applications(applications)
        except Exception as exc:  # the picker is optional: say why it is empty, keep the rest working
            self.attribution.value = html.message(f"No real applications to pick from: {describe_error(exc)}", "warn")
            return
        self._rows = [r for r in frame.to_dicts() if (r.get("description") or "").strip()]
        self._refresh_choices()

    def _refresh_choices(self) -> None:
        words = self.search.value.lower().split()
        matches = [i for i, row in enumerate(self._rows)
                   if all(w in f"{row.get('reference') or ''} {row['description']}".lower() for w in words)]
        options = [("(paste your own below)", -1)] + [
            (f"{self._rows[i].get('reference') or '?'}: {self._rows[i]['description'][:80]}", i)
            for i in matches[:MAX_CHOICES]]
        self.pick.options = options
        self.pick.value = -1

    def _on_pick(self, change: dict) -> None:
        index = change["new"]
        if index is None or index < 0:
            self._picked = None
            return
        row = self._rows[index]
        self._picked = row
        self.description.value = row["description"]
        self.address.value = row.get("address") or ""

    # -- display ---------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        self._show_progress(done, total, f"comment {done} of {total}")

    def _set_busy(self, busy: bool, text: str = "") -> None:  # two buttons, neither relabelled
        for button in (self.check_button, self.analyse_button):
            button.disabled = busy
        self._show_stop(busy)
        self.progress.layout.display = None if busy else "none"
        if busy:
            self.progress.value = 0
            self.status.value = text


def planning_app(model: Any = None, *, policies: str | Path | None = None,
                 applications: str | Path | None = None) -> widgets.Widget:
    """The planning app for a notebook or a Voila page.

    Args:
        model: a loaded model, or a model name or path for ``kit.load_model`` (None: the default model).
        policies: a policy YAML file or folder (None: the kit's synthetic local plan).
        applications: a file or folder of real applications to pick from (None: the published 2016-2018
            lists in datasets/planning/published).

    Returns:
        The app; if it cannot start, a message saying why, not a traceback.
    """
    return start_app("The planning app", lambda: PlanningApp(model, policies=policies, applications=applications))
