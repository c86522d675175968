"""Confidential mode: while it is on, no prompt or response is written to disk."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_CONFIDENTIAL: contextvars.ContextVar[bool] = contextvars.ContextVar("kit_confidential", default=False)


@contextlib.contextmanager
def confidential(enabled: bool = True) -> Iterator[None]:
    """Within this block the cache is skipped and the run log records only timings, not text.

    ``kit.map`` carries the setting into its worker threads.
    """
    token = _CONFIDENTIAL.set(bool(enabled) or _CONFIDENTIAL.get())
    try:
        yield
    finally:
        _CONFIDENTIAL.reset(token)


def is_confidential() -> bool:
    """Whether the current call runs in confidential mode."""
    return _CONFIDENTIAL.get()
