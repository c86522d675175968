"""A real SIGINT to this process from a timer thread, as Ctrl-C or Lab's Interrupt sends one to the kernel."""

from __future__ import annotations

import os
import signal
import threading
import time


def ctrl_c_reaches_the_child() -> None:
    """``preexec_fn`` for a child process a test stops with SIGINT: SIGINT's default action, as a terminal gives
    it. A test run started in the background of a non-interactive shell (`make test &`, some CI runners) has
    SIGINT ignored, a child inherits that, and Python then never raises KeyboardInterrupt in it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Interrupt:
    """Sends SIGINT to this process ``after`` seconds from ``start()`` (entering the ``with`` block, unless
    ``on_enter`` is False); ``sent`` is when (``time.monotonic``). Leaving the block cancels a timer not fired."""

    def __init__(self, after: float, *, on_enter: bool = True):
        self.after, self.on_enter, self.sent = after, on_enter, None
        self._timer = threading.Timer(after, self._fire)

    def _fire(self) -> None:
        self.sent = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)  # Python runs the handler in the main thread: KeyboardInterrupt there

    def start(self) -> Interrupt:
        """Arm the timer (a second call does nothing)."""
        if not self._timer.is_alive() and self.sent is None:
            self._timer.start()
        return self

    def __enter__(self) -> Interrupt:
        # Python's own handler, as a terminal or a Jupyter kernel has it: a process started in the background by a
        # non-interactive shell (`make test &`, some CI runners) inherits SIGINT ignored, and Python keeps it so.
        # And SIGINT unblocked in this (the main) thread, so the signal lands here and wakes a blocking call.
        self._saved = signal.signal(signal.SIGINT, signal.default_int_handler)
        self._mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return self.start() if self.on_enter else self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
        signal.signal(signal.SIGINT, self._saved)

    def seconds_to_stop(self) -> float:
        """Seconds from the signal to now (call it where the interrupted call has returned)."""
        assert self.sent is not None, "the interrupt was never sent: the call finished first"
        return time.monotonic() - self.sent
