"""The user's settings (default model, added models), kept as JSON in the user folder."""

from __future__ import annotations

import json
from typing import Any

from kit import paths
from kit.errors import ConfigError


def load() -> dict[str, Any]:
    """The settings; an empty dict where none were saved yet."""
    path = paths.config_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}). Fix or delete the file.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} should hold a JSON object. Fix or delete the file.")
    return data


def save(data: dict[str, Any]) -> None:
    """Write the settings atomically."""
    paths.write_atomic(paths.config_path(), json.dumps(data, indent=2, sort_keys=True))


def update(**changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into the settings and save them."""
    data = load()
    data.update(changes)
    save(data)
    return data
