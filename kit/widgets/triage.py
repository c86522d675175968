"""The triage app: paste an email or upload several; see category, urgency, team, safeguarding and a draft."""

from __future__ import annotations

import sys
import traceback
from pathlib import PurePath
from typing import Any

import ipywidgets as widgets

from kit import privacy
from kit.errors import InputError, KitError
from kit.widgets import html, triage_view
from kit.widgets.jobs import Job, describe_error

ACCEPTED = (".txt", ".eml", ".md")


class TriageApp(widgets.VBox):
    """Text box or uploads, confidential switch; then one card per email, safeguarding ones first.

    ``model``: a loaded model, or a name/path for ``kit.load_model`` (None: the default), loaded on first use.
    ``background=False`` runs the job in the click handler (scripts and tests).
    """

    def __init__(self, model: Any = None, *, confidential: bool = False, background: bool = True):
        self._llm = None if model is None or isinstance(model, str) else model
        self._llm_name = model if isinstance(model, str) else None
        self._background = background
        self.job = Job(on_error=self._show_error, on_finish=lambda: self._set_busy(False))
        self.frame = None  # the last results table
        self.text = widgets.Textarea(placeholder="Paste an email or letter here, or upload emails below.",
                                     layout=widgets.Layout(width="auto", height="12em"))
        self.upload = widgets.FileUpload(accept=",".join(ACCEPTED), multiple=True,
                                         description="Upload emails (.txt, .eml)", layout=widgets.Layout(width="auto"))
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
                          self.confidential, widgets.HBox([self.button, self.progress, self.status]), self.message,
                          self.results, self.download], layout=widgets.Layout(width="100%"))
        self.add_class("kit-app")
        self.add_class("kit-triage-app")

    def run(self) -> bool:
        """Press Triage: check the input, then start the job. False when nothing was started."""
        if self.job.busy:
            self._show_error("Triage is already running; wait for it to finish.", kind="info")
            return False
        for area in (self.message, self.results, self.download):
            area.value = ""
        try:
            frame = self._read_inputs()
        except Exception as exc:  # bad input of any kind is a message, not a traceback
            self._show_error(describe_error(exc))
            return False
        self._set_busy(True)
        confidential = self.confidential.value
        return self.job.start(lambda: self._triage(frame, confidential), background=self._background)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running job to finish (True when it has)."""
        return self.job.wait(timeout)

    def _read_inputs(self):
        import polars as pl

        ids, texts = [], []
        for item in self.upload.value or ():
            name = str(item["name"] if isinstance(item, dict) else item.name)
            content = bytes(item["content"] if isinstance(item, dict) else item.content)
            if PurePath(name).suffix.lower() not in ACCEPTED:
                raise InputError(f"This app reads .txt, .md and .eml files; {name!r} is not one of those.")
            from kit.admin.triage_batch import message_text

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
        from kit.admin.triage_batch import triage_frame

        model = self._load_model()
        self.status.value = "Triaging..."
        with privacy.confidential(confidential):
            done = triage_frame(model, frame, progress=False, on_item=self._on_progress)
        self.frame = done
        self.results.value = triage_view.results_html(done.to_dicts())
        self.download.value = triage_view.download_html(done.drop("text"))
        urgent = int(done["safeguarding"].sum())
        self.status.value = f"Done: {done.height} item(s), {urgent} with safeguarding words."

    def _load_model(self) -> Any:
        if self._llm is None:
            import kit

            self.status.value = "Loading the language model..."
            self._llm = kit.load_model(self._llm_name)
        return self._llm

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.max = max(int(total), 1)
        self.progress.value = min(int(done), self.progress.max)
        self.status.value = f"email {done} of {total}"

    def _set_busy(self, busy: bool) -> None:
        self.button.disabled = busy
        self.button.description = "Triaging..." if busy else "Triage"
        self.progress.layout.display = None if busy else "none"
        if busy:
            self.progress.value = 0
            self.status.value = "Starting..."

    def _show_error(self, text: str, kind: str = "error") -> None:
        self.message.value = html.message(text, kind)
        if kind == "error":
            self.status.value = ""


def triage_app(model: Any = None, *, confidential: bool = False) -> widgets.Widget:
    """The triage app for a notebook or a Voila page (a message, not a traceback, if it cannot start)."""
    try:
        return TriageApp(model, confidential=confidential)
    except Exception as exc:  # the edge: a message on the page, the traceback only in the server's log
        if not isinstance(exc, KitError):
            traceback.print_exc(file=sys.__stderr__)
        return widgets.HTML(html.STYLE + html.message(f"The triage app cannot start. {describe_error(exc)}", "error"))
