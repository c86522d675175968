"""The minutes app: paste or upload a meeting transcript, get minutes with every item tied to its lines."""

from __future__ import annotations

import time
from pathlib import PurePath
from typing import Any

import ipywidgets as widgets

from kit import privacy
from kit.admin.minutes import view
from kit.errors import InputError
from kit.widgets import html
from kit.widgets.app import JobApp, check_upload, start_app, upload_label, upload_note, uploaded

ACCEPTED = (".txt", ".vtt", ".docx")


class MinutesApp(JobApp):
    """Transcript box or upload, meeting date, model switch; then the minutes and their downloads.

    ``model``: a loaded model, or a name/path for ``kit.load_model`` (None: the default), loaded on first use.
    ``background=False`` runs the job in the click handler (scripts and tests).
    """

    ACTION = ("Write minutes", "Writing minutes...")
    BUSY = "Minutes are already being written; wait for them to finish."

    def __init__(self, model: Any = None, *, confidential: bool = False, use_model: bool = True,
                 background: bool = True):
        self._init_job(model, background=background)
        self.result = None  # the last Minutes
        self.text = widgets.Textarea(placeholder="Paste a transcript here ('Name: what they said' lines), "
                                     "or upload a .txt, .vtt or .docx transcript below.",
                                     layout=widgets.Layout(width="auto", height="14em"))
        self.upload = widgets.FileUpload(accept=",".join(ACCEPTED), multiple=False,
                                         description=f"Upload a transcript {upload_label('.txt, .vtt, .docx')}",
                                         layout=widgets.Layout(width="auto"))
        self.file_note = widgets.HTML()
        self.date = widgets.DatePicker(description="Meeting date")
        self.date_note = widgets.HTML("<small>Optional: used for due dates like 'by Friday' when the transcript "
                                      "has no 'Date:' line.</small>")
        self.use_model = widgets.Checkbox(value=bool(use_model), indent=False, layout=widgets.Layout(width="100%"),
                                          description="Use the language model for the summary and unmarked actions")
        self.confidential = widgets.Checkbox(value=bool(confidential), indent=False,
                                             layout=widgets.Layout(width="100%"),
                                             description="Confidential mode: keep no copy of the text on this "
                                                         "computer's disk")
        self.button = widgets.Button(description="Write minutes", button_style="primary")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(display="none"))
        self.status = widgets.Label()
        self.message = widgets.HTML()
        self.summary = widgets.HTML()
        self.minutes = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.download = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        self.upload.observe(self._on_upload, names="value")
        super().__init__([widgets.HTML(html.STYLE), widgets.HTML("<b>Meeting transcript</b>"), self.text,
                          self.upload, self.file_note, widgets.HBox([self.date, self.date_note]), self.use_model,
                          self.confidential, widgets.HBox([self.button, self.stop_button, self.progress, self.status]), self.message,
                          self.summary, self.minutes, self.download], layout=widgets.Layout(width="100%"))
        self.add_class("kit-app")
        self.add_class("kit-minutes-app")

    def run(self) -> bool:
        """Press "Write minutes": check the input, then start the job. False when nothing was started."""
        return self._start(self._read_inputs, lambda request: self._write(**request),
                           clear=(self.message, self.summary, self.minutes, self.download))

    def _read_inputs(self) -> dict[str, Any]:
        upload = uploaded(self.upload)
        if upload is None and not self.text.value.strip():
            raise InputError("There is no transcript yet. Paste one into the box, or upload a .txt, .vtt or .docx "
                             "transcript, then press Write minutes.")
        if upload is not None and PurePath(upload[0]).suffix.lower() not in ACCEPTED:
            raise InputError(f"This app reads .txt, .vtt and .docx transcripts; {upload[0]!r} is not one of those.")
        if upload is not None:
            check_upload(*upload)
        from kit.admin.minutes.transcripts import read_transcript

        source = read_transcript(upload[1], upload[0]) if upload else read_transcript(self.text.value)
        return {"transcript": source, "upload_name": upload[0] if upload else None, "date": self.date.value,
                "use_model": self.use_model.value, "confidential": self.confidential.value}

    def _write(self, *, transcript: Any, upload_name: str | None, date: Any, use_model: bool,
               confidential: bool) -> None:
        from kit.admin.minutes.build import minutes

        started = time.monotonic()
        model = self._load_model() if use_model else None
        self.status.value = "Reading the transcript..."
        with privacy.confidential(confidential):
            result = minutes(model, transcript, meeting_date=date, use_model=use_model, progress=self._on_progress,
                             cancel=self.job.cancelled)
        self.result = result
        self.summary.value = view.summary_html(result)
        self.minutes.value = view.minutes_html(result)
        self.download.value = view.downloads_html(result, upload_name)
        seconds = time.monotonic() - started
        stopped = next((w.split(":")[0] for w in result.warnings if w.startswith("Stopped after")), None)
        self.status.value = f"{stopped} ({seconds:.0f} s)." if stopped else f"Done in {seconds:.0f} s."

    def _on_progress(self, done: int, total: int) -> None:
        self._show_progress(done, total, f"The model has read part {done} of {total}")

    def _on_upload(self, change: dict) -> None:
        self.file_note.value = upload_note(uploaded(self.upload), "transcript")

def minutes_app(model: Any = None, *, confidential: bool = False, use_model: bool = True) -> widgets.Widget:
    """The minutes app for a notebook or a Voila page (a message, not a traceback, if it cannot start)."""
    return start_app("The minutes app", lambda: MinutesApp(model, confidential=confidential, use_model=use_model))
