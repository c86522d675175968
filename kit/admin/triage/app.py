"""The triage app: paste an email or upload several; see category, urgency, team, safeguarding and a draft."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import ipywidgets as widgets

from kit import privacy
from kit.admin.triage import view
from kit.errors import InputError
from kit.widgets import html
from kit.widgets.app import JobApp, check_upload, start_app, upload_label, uploaded_files

ACCEPTED = (".txt", ".eml", ".md")


class TriageApp(JobApp):
    """Text box or uploads, confidential switch; then one card per email, safeguarding ones first.

    ``model``: a loaded model, or a name/path for ``kit.load_model`` (None: the default), loaded on first use.
    ``background=False`` runs the job in the click handler (scripts and tests).
    """

    ACTION = ("Triage", "Triaging...")
    BUSY = "Triage is already running; wait for it to finish."

    def __init__(self, model: Any = None, *, confidential: bool = False, background: bool = True):
        self._init_job(model, background=background)
        self.frame = None  # the last results table
        self.text = widgets.Textarea(placeholder="Paste an email or letter here, or upload emails below.",
                                     layout=widgets.Layout(width="auto", height="12em"))
        self.upload = widgets.FileUpload(accept=",".join(ACCEPTED), multiple=True,
                                         description=f"Upload emails {upload_label('.txt, .eml')}", layout=widgets.Layout(width="auto"))
        self.confidential = widgets.Checkbox(value=bool(confidential), indent=False, layout=widgets.Layout(width="100%"),
                                             description="Confidential mode: keep no copy of the text on this "
                                                         "computer's disk")
        self.button = widgets.Button(description="Triage", button_style="primary")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(display="none"))
        self.status = widgets.Label()
        self.message = widgets.HTML()
        self.results = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.download = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        super().__init__([widgets.HTML(html.STYLE), widgets.HTML("<b>Email or letter</b>"), self.text, self.upload,
                          self.confidential, widgets.HBox([self.button, self.stop_button, self.progress, self.status]), self.message,
                          self.results, self.download], layout=widgets.Layout(width="100%"))
        self.add_class("kit-app")
        self.add_class("kit-triage-app")

    def run(self) -> bool:
        """Press Triage: check the input, then start the job. False when nothing was started."""
        return self._start(lambda: (self._read_inputs(), self.confidential.value),
                           lambda request: self._triage(*request), clear=(self.message, self.results, self.download))

    def _read_inputs(self):
        import polars as pl

        ids, texts = [], []
        for name, content in uploaded_files(self.upload):
            if PurePath(name).suffix.lower() not in ACCEPTED:
                raise InputError(f"This app reads .txt, .md and .eml files; {name!r} is not one of those.")
            check_upload(name, content)
            from kit.admin.triage.batch import message_text

            ids.append(name)
            texts.append(message_text(content, name))
        if self.text.value.strip():
            ids.insert(0, "pasted email")
            texts.insert(0, self.text.value)
        if not texts:
            raise InputError("There is nothing to triage yet. Paste an email into the box, or upload .txt or .eml "
                             "files, then press Triage.")
        return pl.DataFrame({"id": ids, "text": texts})

    def _triage(self, frame: Any, confidential: bool) -> None:
        from kit.admin.triage.batch import triage_frame

        model = self._load_model()
        self.status.value = "Triaging..."
        with privacy.confidential(confidential):
            done = triage_frame(model, frame, progress=False, on_item=self._on_progress, cancel=self.job.cancelled)
        self.frame = done
        self.results.value = view.results_html(done.to_dicts())
        self.download.value = view.download_html(done.drop("text"))
        urgent = int(done["safeguarding"].sum())
        finished = (f"Stopped after {done.height} of {frame.height} emails" if done.height < frame.height
                    else f"Done: {done.height} item(s)")
        self.status.value = f"{finished}, {urgent} with safeguarding words."

    def _on_progress(self, done: int, total: int) -> None:
        self._show_progress(done, total, f"email {done} of {total}")

def triage_app(model: Any = None, *, confidential: bool = False) -> widgets.Widget:
    """The triage app for a notebook or a Voila page (a message, not a traceback, if it cannot start)."""
    return start_app("The triage app", lambda: TriageApp(model, confidential=confidential))
