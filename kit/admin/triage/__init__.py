"""Correspondence triage: category, urgency, team and a reply draft per email, with the safeguarding rule.

    from kit.admin.triage import triage, triage_frame
    result = triage(model, "My bin was not collected on Tuesday.")
    table = triage_frame(model, emails, store="triage.sqlite")     # resumable
"""

from __future__ import annotations

from kit.admin.triage.batch import read_folder, triage_folder, triage_frame
from kit.admin.triage.core import CATEGORIES, TEAMS, URGENCIES, Triage, triage

__all__ = ["CATEGORIES", "TEAMS", "URGENCIES", "Triage", "read_folder", "triage", "triage_folder", "triage_frame"]
