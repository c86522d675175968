"""Which notebook and which datasets stand behind each capability name ``kit transparency`` accepts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kit.errors import InputError

ROOT = Path(__file__).resolve().parents[2]  # the repository: notebooks/ and datasets/ sit beside kit/


@dataclass(frozen=True)
class Capability:
    """A capability: its notebook (under ``notebooks/``) and the dataset cards it is evaluated on."""

    name: str
    notebook: str
    datasets: tuple[str, ...] = ()  # folders holding a README.md card, relative to the repository

    def notebook_path(self, root: Path = ROOT) -> Path:
        """The notebook file."""
        return root / "notebooks" / self.notebook


CAPABILITIES: dict[str, Capability] = {
    "quickstart": Capability("quickstart", "00_quickstart.ipynb"),
    "translation": Capability("translation", "10_translation.ipynb", ("datasets/translation",)),
    "planning": Capability("planning", "20_planning.ipynb", ("datasets/planning", "datasets/planning/published")),
    "offline": Capability("offline", "30_offline_fallback.ipynb", ("datasets/offline",)),
    "admin": Capability("admin", "40_admin_assistants.ipynb", ("datasets/admin",)),
    "minutes": Capability("minutes", "41_admin_minutes.ipynb", ("datasets/admin/minutes",)),
    "triage": Capability("triage", "42_admin_triage.ipynb", ("datasets/admin/triage",)),
}
ALIASES = {"copilot": "admin", "redaction": "admin", "fallback": "offline"}


def find(target: str, root: Path = ROOT) -> tuple[Capability, Path]:
    """The capability and notebook named by ``target``: a capability name or a notebook path.

    Raises:
        InputError: an unknown name (the message lists the valid ones) or a missing notebook.
    """
    text = str(target).strip()
    if text.endswith(".ipynb") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise InputError(f"No notebook at {path}. Give a notebook path or one of: {', '.join(names())}.")
        known = next((c for c in CAPABILITIES.values() if c.notebook == path.name), None)
        return known or Capability(path.stem, path.name), path
    capability = CAPABILITIES.get(ALIASES.get(text.lower(), text.lower()))
    if capability is None:
        raise InputError(f"No capability called {text!r}. Choose one of: {', '.join(names())}, "
                         "or give a notebook path (e.g. notebooks/10_translation.ipynb).")
    path = capability.notebook_path(root)
    if not path.is_file():
        raise InputError(f"The {capability.name} notebook is missing ({path}). Run this from a checkout of "
                         "fellowship-kit, or give the notebook's path.")
    return capability, path


def names() -> list[str]:
    """Every capability name (aliases included), for error messages and ``--help``."""
    return [*CAPABILITIES, *ALIASES]
