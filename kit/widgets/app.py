"""What the app widgets share: a start that fails as a message, uploads, and a panel whose button runs one job.

An app's own module keeps what is its own (its inputs, its job, its view); the busy button, the progress bar,
the status line, the message area and the model loaded on first use behave the same way in every app.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from kit import paths
from kit.errors import KitError
from kit.model import ChatModel
from kit.widgets import html
from kit.widgets.jobs import Job, describe_error


def start_app(title: str, make: Callable[[], widgets.Widget]) -> widgets.Widget:
    """``make()``; if it fails (say a missing package), a message on the page saying why, not a traceback.

    ``title`` names the app in the message ("The translation app cannot start. ..."); the traceback of an
    unexpected error goes to the server's log only.
    """
    try:
        return make()
    except Exception as exc:  # the edge: a message on the page, the traceback only in the server's log
        if not isinstance(exc, KitError):
            traceback.print_exc(file=sys.__stderr__)
        note = " Reinstall the kit with `make install`." if isinstance(exc, ImportError) else ""
        return widgets.HTML(html.STYLE + html.message(f"{title} cannot start. {describe_error(exc)}{note}", "error"))


def uploaded_files(upload: widgets.FileUpload) -> list[tuple[str, bytes]]:
    """(file name, content) of every uploaded file, in order (ipywidgets 7 gives dicts, 8 gives objects)."""
    files = []
    for item in upload.value or ():
        name = item["name"] if isinstance(item, dict) else item.name
        content = item["content"] if isinstance(item, dict) else item.content
        files.append((str(name), bytes(content)))
    return files


def upload_label(kinds: str) -> str:
    """An upload button's label: the file kinds and the largest file taken, e.g. "(.txt, .docx; up to 20 MB)"."""
    from kit import limits

    most = limits.allowed("upload_bytes")
    return f"({kinds}; up to {most / limits.MB:g} MB)" if most else f"({kinds})"


def check_upload(name: str, data: bytes) -> None:
    """Refuse an uploaded file over ``KIT_MAX_UPLOAD_BYTES`` with a message naming the limit (``kit.limits``)."""
    from kit import limits

    limits.check("upload_bytes", len(data), f"The file {name!r}",
                 hint="Upload a smaller file, or split it into parts.")


def upload_note(upload: tuple[str, bytes] | None, what: str) -> str:
    """The note under an upload box: which ``what`` (e.g. "document") is used, or why it is too large ("": none)."""
    if upload is None:
        return ""
    try:
        check_upload(*upload)
    except KitError as exc:
        return html.message(str(exc), "error")
    return html.message(f"Using the {what} {upload[0]} ({len(upload[1]):,} bytes); the text box is ignored.", "info")


def uploaded(upload: widgets.FileUpload) -> tuple[str, bytes] | None:
    """(file name, content) of the first uploaded file, or None."""
    files = uploaded_files(upload)
    return files[0] if files else None


def resolve_folder(folder: str | Path) -> Path:
    """``folder`` as given, or (for a relative ``datasets/...`` path that is not there) in the kit's datasets.

    Voila runs an app in its own folder, so a dataset path written relative to the repository is looked up in
    :func:`kit.paths.datasets_dir` too.
    """
    path = Path(folder).expanduser()
    if not path.is_absolute() and not path.exists() and path.parts[:1] == ("datasets",):
        from_datasets = paths.datasets_dir().joinpath(*path.parts[1:])
        if from_datasets.exists():
            return from_datasets
    return path


class JobApp(widgets.VBox):
    """An app panel whose button starts one job at a time, off the kernel's thread.

    A subclass calls :meth:`_init_job` first in its ``__init__``, then makes its widgets; it must have
    ``button``, ``status`` (a Label) and ``message`` (HTML), and may have ``progress`` (an IntProgress).
    ``ACTION`` holds the button's label when idle and while busy; ``BUSY`` is said when it is pressed
    while a job runs. ``stop_button`` (shown while a job runs, where the subclass places it) asks the job to
    stop: the job passes ``self.job.cancelled`` to its capability as ``cancel=`` and shows what it finished.
    """

    ACTION = ("Run", "Running...")
    BUSY = "A job is already running; wait for it to finish."
    STOPPING = "Stopping after the current item..."
    progress: widgets.IntProgress | None = None

    def _init_job(self, model: ChatModel | str | None = None, *, background: bool = True) -> None:
        """Keep the model (loaded, or a name/path loaded on first use) and make the job runner."""
        self._llm = None if model is None or isinstance(model, str) else model
        self._llm_name = model if isinstance(model, str) else None
        self._background = background
        self._progress_lock = threading.Lock()
        self.job = Job(on_error=self._show_error, on_finish=self._finish)
        self.stop_button = widgets.Button(description="Stop", button_style="warning", icon="stop",
                                          tooltip="Stop after the current item; what is finished is kept",
                                          layout=widgets.Layout(display="none"))
        self.stop_button.on_click(lambda _: self.stop())

    def stop(self) -> bool:
        """Press Stop: the job stops at its next check and keeps what it finished. False when nothing runs."""
        if not self.job.cancel():
            return False
        self.stop_button.disabled = True
        self.status.value = self.STOPPING
        return True

    def _start(self, read: Callable[[], Any], work: Callable[[Any], None], clear: tuple[Any, ...] = (),
               starting: str = "Starting...") -> bool:
        """What pressing the button does: refuse while busy, empty ``clear``, check the inputs with ``read``,
        then run ``work(inputs)`` as the job (``starting`` on the status line). False when nothing was started
        (the reason is on the page)."""
        if self.job.busy:
            self._show_error(self.BUSY, kind="info")
            return False
        for area in clear:
            area.value = ""
        try:
            request = read()
        except Exception as exc:  # bad input of any kind is a message, not a traceback
            self._show_error(describe_error(exc))
            return False
        self._set_busy(True, starting)
        return self.job.start(lambda: work(request), background=self._background)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running job to finish (True when it has)."""
        return self.job.wait(timeout)

    def _load_model(self) -> ChatModel:
        if self._llm is None:
            import kit

            self.status.value = "Loading the language model..."
            self._llm = kit.load_model(self._llm_name)
        return self._llm

    def _show_progress(self, done: int, total: int, label: str) -> None:
        # Items may finish on several threads; never let the bar step backwards.
        with self._progress_lock:
            if done < self.progress.value and total == self.progress.max or self.job.cancelled():
                return
            self.progress.max = max(int(total), 1)
            self.progress.value = min(int(done), self.progress.max)
            self.status.value = label

    def _set_busy(self, busy: bool, text: str = "Starting...") -> None:
        self.button.disabled = busy
        self.button.description = self.ACTION[busy]
        self._show_stop(busy)
        if self.progress is not None:
            self.progress.layout.display = None if busy else "none"
            if busy:
                self.progress.value = 0
                self.status.value = text

    def _show_stop(self, busy: bool) -> None:
        self.stop_button.disabled = not busy
        self.stop_button.layout.display = None if busy else "none"

    def _finish(self) -> None:
        self._set_busy(False)

    def _show_error(self, text: str, kind: str = "error") -> None:
        self.message.value = html.message(text, kind)
        if kind == "error":
            self.status.value = ""
