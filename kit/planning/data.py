"""Where the planning data lives: the published lists, the labelled subset and its labels, the plan, the comments."""

from __future__ import annotations

import os
from pathlib import Path

from kit.paths import datasets_dir

ATTRIBUTION = "Contains public sector information licensed under the Isle of Man Open Government Licence."


def dataset_dir() -> Path:
    """The project's planning dataset folder (``datasets/planning``)."""
    return datasets_dir() / "planning"


def published_dir() -> Path:
    """The published lists of determined applications: ``$KIT_PLANNING_DATA``, else ``datasets/planning/published``."""
    override = os.environ.get("KIT_PLANNING_DATA", "").strip()
    return Path(override).expanduser() if override else dataset_dir() / "published"


def sample_path() -> Path:
    """The labelled subset: the 200 applications of the labels, as published, with their split (``sample.csv``)."""
    return dataset_dir() / "sample.csv"


def labels_path() -> Path:
    """The project's labels for the labelled subset (JSON lines, each row with its text and split)."""
    return dataset_dir() / "labels.jsonl"


def policies_dir() -> Path:
    """The synthetic local plan, as YAML rules."""
    return dataset_dir() / "policies"


def comments_path() -> Path:
    """The synthetic consultation comments with their stance and theme labels."""
    return dataset_dir() / "comments" / "comments.csv"
