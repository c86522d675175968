"""Long jobs for widgets: one at a time, off the kernel's main thread, with errors turned into messages.

A click handler that ran the model itself would hold the kernel for the whole job; in Voila the page
would then show nothing until the end. A thread keeps the kernel answering, and ipywidgets sends
state changes from any thread, so progress bars move while the model works.

A Stop button calls :meth:`Job.cancel`; the job's loop asks :meth:`Job.cancelled` between items (pass it to a
capability as ``cancel=job.cancelled``), stops there, and keeps what it finished. Nothing is killed mid-call.
"""

from __future__ import annotations

import contextvars
import sys
import threading
import traceback
from collections.abc import Callable

from kit.errors import KitError


def describe_error(exc: BaseException) -> str:
    """The message a person sees: a KitError's own words, else a short note (never a traceback)."""
    if isinstance(exc, KitError):
        return str(exc)
    return (f"Something went wrong ({type(exc).__name__}: {exc}). Try again; if it keeps happening, "
            "tell the team running this demo (the details are in the demo server's log).")


class Job:
    """Runs one function at a time, reports how it ended through callbacks, and can be asked to stop."""

    def __init__(self, on_error: Callable[[str], None], on_finish: Callable[[], None] | None = None):
        self._on_error = on_error
        self._on_finish = on_finish
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def busy(self) -> bool:
        """Whether a job is running now."""
        return self._lock.locked()

    def start(self, fn: Callable[[], None], *, background: bool = True) -> bool:
        """Run ``fn`` (in a thread unless ``background`` is false); False if a job is already running.

        The caller's context variables (confidential mode, for one) go with it into the thread.
        """
        if not self._lock.acquire(blocking=False):
            return False
        self._stop.clear()
        context = contextvars.copy_context()
        if not background:
            context.run(self._run, fn)
            return True
        self._thread = threading.Thread(target=context.run, args=(self._run, fn), name="kit-widget-job", daemon=True)
        self._thread.start()
        return True

    def cancel(self) -> bool:
        """Ask the running job to stop at its next check; False when no job is running."""
        if not self.busy:
            return False
        self._stop.set()
        return True

    def cancelled(self) -> bool:
        """Whether the running job has been asked to stop (its loop checks this between items)."""
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running job; True when none is left running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:
            if not isinstance(exc, KitError):
                # For whoever runs the demo: the server's log gets the traceback, the page does not.
                traceback.print_exc(file=sys.__stderr__)
            self._on_error(describe_error(exc))
        finally:
            try:
                if self._on_finish is not None:
                    self._on_finish()
            finally:
                self._lock.release()
