"""The translation app: paste or upload a document, pick a language, check the result side by side."""

from __future__ import annotations

import time
from pathlib import PurePath
from typing import Any

import ipywidgets as widgets

from kit import privacy
from kit.errors import InputError, KitError
from kit.model import ChatModel
from kit.translate import view
from kit.widgets import html
from kit.widgets.app import JobApp, check_upload, start_app, upload_label, upload_note, uploaded

ACCEPTED = (".txt", ".md", ".docx")


class TranslateApp(JobApp):
    """Text box or upload, language, optional glossary, confidential switch; then progress and results.

    ``model`` is a loaded model, or a model name / path for ``kit.load_model`` (None: the default
    model), loaded on the first click. ``background=False`` runs the job in the click handler
    (for scripts and tests; in Voila a thread keeps the page updating).
    """

    ACTION = ("Translate", "Translating...")
    BUSY = "A translation is already running; wait for it to finish."

    def __init__(self, model: ChatModel | str | None = None, *, confidential: bool = False, default_target: str = "cy",
                 background: bool = True):
        from kit import translate as translation

        self._init_job(model, background=background)
        self._translation = translation
        self.names = dict(translation.languages())
        self.result = None  # the last Translation

        choices = sorted(((name, code) for code, name in self.names.items()), key=lambda pair: pair[0])
        self.text = widgets.Textarea(
            placeholder="Paste a letter, notice or email here, or upload a document below.",
            layout=widgets.Layout(width="auto", height="14em"))
        self.upload = widgets.FileUpload(accept=",".join(ACCEPTED), multiple=False,
                                         description=f"Upload a document {upload_label('.txt, .md, .docx')}",
                                         layout=widgets.Layout(width="auto"))
        self.remove_file = widgets.Button(description="Remove document", layout=widgets.Layout(display="none"))
        self.file_note = widgets.HTML()
        self.source = widgets.Dropdown(options=[("Detect automatically", "auto"), *choices], value="auto",
                                       description="From")
        self.target = widgets.Dropdown(options=choices, description="Into")
        self.glossary_upload = widgets.FileUpload(accept=".csv", multiple=False, description="Glossary (CSV)",
                                                  layout=widgets.Layout(width="auto"))
        self.glossary_note = widgets.HTML(
            "<small>Optional: a CSV of terms that must be translated a set way, with the header "
            "<code>source,target</code>.</small>")
        self.confidential = widgets.Checkbox(
            value=bool(confidential), indent=False, layout=widgets.Layout(width="100%"),
            description="Confidential mode: keep no copy of the text on this computer's disk")
        self.button = widgets.Button(description="Translate", button_style="primary",
                                     tooltip="Translate the text or document")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(display="none"))
        self.status = widgets.Label()
        self.message = widgets.HTML()
        self.summary = widgets.HTML()
        self.table = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.download = widgets.HTML()

        if default_target in self.names:
            self.target.value = default_target
        else:
            self._show_error(f"The default language {default_target!r} is not offered; choose one from the list "
                             f"({', '.join(sorted(self.names))}).", kind="warn")

        self.button.on_click(self._on_click)
        self.upload.observe(self._on_upload, names="value")
        self.remove_file.on_click(lambda _: setattr(self.upload, "value", ()))
        super().__init__(
            [
                widgets.HTML(html.STYLE),
                widgets.HTML("<b>Text to translate</b>"),
                self.text,
                widgets.HBox([self.upload, self.remove_file]),
                self.file_note,
                widgets.HBox([self.source, self.target]),
                widgets.HBox([self.glossary_upload, self.glossary_note]),
                self.confidential,
                widgets.HBox([self.button, self.stop_button, self.progress, self.status]),
                self.message,
                self.summary,
                self.table,
                self.download,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.add_class("kit-app")
        self.add_class("kit-translate-app")

    # -- actions ---------------------------------------------------------------------------
    def run(self) -> bool:
        """Press Translate: check the inputs, then start the job. False when nothing was started."""
        return self._start(self._read_inputs, lambda request: self._translate(**request),
                           clear=(self.message, self.summary, self.table, self.download, self.status))

    # -- steps -----------------------------------------------------------------------------
    def _read_inputs(self) -> dict[str, Any]:
        upload = uploaded(self.upload)
        text = self.text.value
        if upload is None and not text.strip():
            raise InputError("There is nothing to translate yet. Paste some text into the box, "
                             "or upload a .txt, .md or .docx document, then press Translate.")
        if upload is not None:
            name, data = upload
            if PurePath(name).suffix.lower() not in ACCEPTED:
                raise InputError(f"This app reads .txt, .md and .docx documents; {name!r} is not one of those. "
                                 "Save it as a Word (.docx) or plain text (.txt) file and upload it again.")
            if not data.strip():
                raise InputError(f"The document {name!r} is empty.")
            check_upload(name, data)
        glossary = None
        glossary_file = uploaded(self.glossary_upload)
        if glossary_file is not None:
            name, data = glossary_file
            check_upload(name, data)
            try:
                csv_text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InputError(f"The glossary {name!r} is not UTF-8 text. In Excel, save it as "
                                 "'CSV UTF-8 (Comma delimited)' and upload it again.") from None
            if not csv_text.strip():
                raise InputError(f"The glossary {name!r} is empty.")
            try:  # with a newline the text is never taken for a file path
                glossary = self._translation.load_glossary(csv_text if "\n" in csv_text else csv_text + "\n")
            except KitError as exc:
                raise InputError(f"The glossary {name!r} cannot be used. {exc}") from None
        return {"text": text, "upload": upload, "glossary": glossary, "source": self.source.value,
                "target": self.target.value, "confidential": self.confidential.value}

    def _translate(self, *, text: str, upload: tuple[str, bytes] | None, glossary: Any, source: str, target: str,
                   confidential: bool) -> None:
        started = time.monotonic()
        model = self._load_model()
        self.status.value = "Translating..."
        with privacy.confidential(confidential):
            if upload is not None:
                result = self._translation.translate_bytes(model, upload[1], upload[0], target=target, source=source,
                                                           glossary=glossary, progress=self._on_progress,
                                                           cancel=self.job.cancelled)
            else:
                result = self._translation.translate(model, text, target=target, source=source, glossary=glossary,
                                                     format="text", progress=self._on_progress,
                                                     cancel=self.job.cancelled)
        self.result = result
        self.summary.value = view.summary_html(result, self.names)
        self.table.value = view.segments_html(result, self.names)
        self.download.value = view.download_html(result, upload[0] if upload else None)
        seconds = time.monotonic() - started
        total = len(result.segments)
        self.status.value = (f"Stopped after {total - result.stopped} of {total} segments ({seconds:.0f} s)."
                             if result.stopped else f"Done: {total} segments in {seconds:.0f} s.")

    # -- display ---------------------------------------------------------------------------
    def _on_click(self, _button: widgets.Button) -> None:
        self.run()

    def _on_progress(self, done: int, total: int, stage: Any = None) -> None:
        self._show_progress(done, total, progress_label(done, total, stage))

    def _on_upload(self, change: dict) -> None:
        upload = uploaded(self.upload)
        self.remove_file.layout.display = "none" if upload is None else None
        self.file_note.value = upload_note(upload, "document")


def translate_app(model: ChatModel | str | None = None, *, confidential: bool = False,
                  default_target: str = "cy") -> widgets.Widget:
    """The translation app for a notebook or a Voila page.

    Args:
        model: a loaded model, or a model name or path for ``kit.load_model`` (None: the default model).
        confidential: start with confidential mode on (no prompt or response written to disk).
        default_target: the language code picked at first, e.g. "cy" for Welsh.

    Returns:
        The app; if it cannot start (say a missing package), a message saying why, not a traceback.
    """
    return start_app("The translation app",
                     lambda: TranslateApp(model, confidential=confidential, default_target=default_target))


def progress_label(done: int, total: int, stage: Any = None) -> str:
    """What the status line says: the pass and the segment within it (the bar shows both passes together)."""
    if stage is None:
        return f"segment {done} of {total}"
    doing = "Checking by translating back" if stage.name == "back_translate" else "Translating"
    of = f" (pass {stage.number} of {stage.passes})" if stage.passes > 1 else ""
    return f"{doing}: segment {stage.done} of {stage.total}{of}"
