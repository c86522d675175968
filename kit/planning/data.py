"""Where the planning data lives: the project's sample and labels, and the full published lists when present."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ATTRIBUTION = "Contains public sector information licensed under the Isle of Man Open Government Licence."


def dataset_dir() -> Path:
    """The project's planning dataset folder (sample, labels, policies, comments)."""
    return ROOT / "datasets" / "planning"


def labels_path() -> Path:
    """The project's labels for real applications (JSON lines)."""
    return dataset_dir() / "labels.jsonl"


def published_dir() -> Path | None:
    """The full published lists: $KIT_PLANNING_DATA, else ../shared/datasets/iom-planning; None when absent."""
    for candidate in (os.environ.get("KIT_PLANNING_DATA"), ROOT.parent / "shared" / "datasets" / "iom-planning"):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def default_source() -> Path:
    """The full published lists when present, else the project's sample of 152 real applications."""
    return published_dir() or dataset_dir() / "sample.csv"
