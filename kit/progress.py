"""The progress bar every long run shows (tqdm: a widget in Jupyter, text in a terminal; none with KIT_PROGRESS=off)."""

from __future__ import annotations

import os
from typing import Any

from kit.errors import ConfigError

_OFF = ("off", "0", "false", "no")
_ON = ("", "on", "1", "true", "yes")


def enabled() -> bool:
    """False when ``KIT_PROGRESS`` is off, 0, false or no (CI, scripts): no kit progress bar is shown."""
    value = os.environ.get("KIT_PROGRESS", "").strip().lower()
    if value not in _OFF + _ON:
        raise ConfigError(f"KIT_PROGRESS={value!r} is not a setting: use off (or 0, false, no) to hide the kit's "
                          "progress bars, on to show them.")
    return value not in _OFF


class NoBar:
    """A progress bar that shows nothing (progress off): takes the calls a tqdm bar takes."""

    n = 0

    def __enter__(self) -> NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units (shown nowhere)."""
        self.n += n

    def close(self) -> None:
        """Nothing to close."""


def progress_bar(total: int, desc: str, unit: str = "item", **options: Any) -> Any:
    """A tqdm bar over ``total`` units (``options`` go to tqdm), or a :class:`NoBar` when ``KIT_PROGRESS`` is off.

    tqdm is imported only when a bar is shown; ``tqdm.auto`` makes it a widget in Jupyter.
    """
    if not enabled():
        return NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, **options)
