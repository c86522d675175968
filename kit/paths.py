"""Every folder the kit reads or writes, in one place, each overridable by an environment variable."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kit import store


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def user_dir() -> Path:
    """The kit's data folder (cache, run log, config): ``KIT_HOME`` or the XDG data folder."""
    path = _env_path("KIT_HOME")
    if path is None:
        base = _env_path("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        path = base / "fellowship-kit"
    return store.private_dir(path)  # the run log, cache and outbox live here: a new folder is owner-only (0700)


def models_dir() -> Path:
    """Where pulled and added models live: ``KIT_MODELS_DIR`` or ``<user_dir>/models``."""
    path = _env_path("KIT_MODELS_DIR") or user_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_path() -> Path:
    """The SQLite response cache."""
    return user_dir() / "cache.sqlite"


def log_path() -> Path:
    """The SQLite run log."""
    return user_dir() / "runlog.sqlite"


def config_path() -> Path:
    """The user's settings file (JSON)."""
    return user_dir() / "config.json"


def native_dir() -> Path:
    """Where the native llama.cpp tools (llama-server, llama-bench, llama-quantize) are built: ``KIT_NATIVE_DIR``.

    The default sits inside the Python environment, beside the llama-cpp-python it matches.
    """
    return _env_path("KIT_NATIVE_DIR") or Path(sys.prefix) / "share" / "fellowship-kit" / "llama.cpp"


def datasets_dir() -> Path:
    """The project's datasets (``datasets/`` in the repository): ``KIT_DATASETS`` to point elsewhere."""
    return _env_path("KIT_DATASETS") or Path(__file__).resolve().parent.parent / "datasets"


def outputs_dir() -> Path:
    """Where ``kit run`` writes executed notebooks: ``KIT_OUTPUTS`` or ``./outputs``."""
    return _env_path("KIT_OUTPUTS") or Path.cwd() / "outputs"


def write_atomic(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all, through a temporary file of this writer's own in the same folder.

    Several processes may write the same file at once (two workers sharing ``KIT_HOME``); each gets its own
    temporary name, so one's rename never takes away another's file, and the last complete write wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
