"""The demo apps: find the app notebooks and read each one's title and one-line description."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kit.errors import ConfigError

APPS_ENV = "KIT_APPS_DIR"


@dataclass(frozen=True)
class App:
    """One app notebook as the landing page lists it."""

    name: str  # the file name without .ipynb
    path: str  # the file name, relative to the apps folder
    title: str
    description: str


def apps_dir() -> Path:
    """The folder of app notebooks: ``KIT_APPS_DIR``, else ``notebooks/apps`` of the repository."""
    value = os.environ.get(APPS_ENV, "").strip()
    if value:
        folder = Path(value).expanduser().resolve()
        where = f"{APPS_ENV}={value}"
    else:
        import kit

        folder = Path(kit.__file__).resolve().parents[1] / "notebooks" / "apps"
        where = "the repository"
    if not folder.is_dir():
        raise ConfigError(
            f"No demo apps folder at {folder} (from {where}). The apps ship with the repository checkout, "
            f"in notebooks/apps: run `kit demo` from a clone of fellowship-kit, or set {APPS_ENV} to a folder "
            "of app notebooks."
        )
    return folder


def find_apps(folder: Path | None = None) -> list[App]:
    """Every app notebook in ``folder`` (default: :func:`apps_dir`), sorted by title.

    Files whose names start with ``.`` or ``_`` are left out, so a folder can hold drafts.
    """
    folder = Path(folder) if folder is not None else apps_dir()
    notebooks = [p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_"))]
    return sorted((describe(p) for p in notebooks), key=lambda app: (app.title.lower(), app.name))


def describe(notebook: Path) -> App:
    """Read an app's title and description from its metadata, else from its first markdown cell.

    Metadata wins: ``metadata.kit.title`` / ``metadata.kit.description`` (or top-level ``title`` /
    ``description``). Otherwise the first heading of the first markdown cell is the title and the first
    line of prose after it is the description.
    """
    notebook = Path(notebook)
    fallback_title = notebook.stem.replace("_", " ").replace("-", " ").capitalize()
    try:
        data = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return App(notebook.stem, notebook.name, fallback_title, f"(This notebook could not be read: {exc})")
    meta = data.get("metadata", {}) if isinstance(data, dict) else {}
    kit_meta = meta.get("kit", {}) if isinstance(meta.get("kit"), dict) else {}
    md_title, md_description = _from_markdown(data.get("cells", []) if isinstance(data, dict) else [])
    title = _text(kit_meta.get("title")) or _text(meta.get("title")) or md_title or fallback_title
    description = _text(kit_meta.get("description")) or _text(meta.get("description")) or md_description
    return App(notebook.stem, notebook.name, title, description)


def page_config_hook(page_config: dict[str, Any], *, folder: Path, notebook_path: str = "",
                     settings: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    """Voila's page_config hook: give the landing page (not the app pages) the list of apps and their status."""
    if not str(notebook_path).endswith(".ipynb"):
        from kit.demo import status

        apps = find_apps(folder)
        kernels = (settings or {}).get("kernel_manager")
        page_config["kitTitle"] = "Demo apps"
        page_config["kitApps"] = [{**asdict(app), "status": state}
                                  for app, state in zip(apps, status.statuses(folder, [a.name for a in apps], kernels))]
    return page_config


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _from_markdown(cells: list) -> tuple[str, str]:
    """(title, description) from the first markdown cell: its first heading, then its first prose line."""
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        lines = ("".join(source) if isinstance(source, list) else str(source)).splitlines()
        title, description = "", ""
        for line in (line.strip() for line in lines):
            if not line:
                continue
            if line.startswith("#"):
                if not title:
                    title = _plain(line.lstrip("#"))
                continue
            description = _plain(line)
            break
        return title, description
    return "", ""


def _plain(markdown: str) -> str:
    """Markdown emphasis, code and links reduced to their text (the landing page escapes the rest)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\*\*|__|\*|`", "", text)
    return " ".join(text.split())
