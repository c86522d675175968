"""Prompt texts as package data: one ``.txt`` file per prompt, read with :func:`load`, so they can be edited without Python."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from kit.errors import KitError


class PromptNotFoundError(KitError):
    """A prompt name with no file under ``kit/prompts/``."""


def names() -> list[str]:
    """Every prompt name (the file names under ``kit/prompts/`` without ``.txt``)."""
    return sorted(p.name[:-4] for p in resources.files(__name__).iterdir() if p.name.endswith(".txt"))


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``kit/prompts/<name>.txt`` (read once, then cached)."""
    path = resources.files(__name__).joinpath(f"{name}.txt")
    if not path.is_file():
        raise PromptNotFoundError(f"No prompt named {name!r} in kit/prompts/. Known prompts: {', '.join(names())}.")
    return path.read_text(encoding="utf-8")
