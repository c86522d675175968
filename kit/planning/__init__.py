"""Planning applications: load published lists, extract checked records with evidence, check policies, read comments.

    import kit.planning as planning
    df, report = planning.load_applications("datasets/planning/published", report=True)
    record = planning.extract(model, "Erection of thirty seven apartments", "Main Road Onchan IM3 1AA")
    extracted = planning.extract_frame(None, df, method="parsers")

One subpackage per tool: extraction (extract, extract_frame, evaluate), policies (load_policies, check) and
comments (analyse_comments, analyse_by_application). Beside them: record (PlanningRecord, Evidence, WORKS),
loader (load_applications, load_appeals) with csvfile, decisions and report, analytics (tables and plots), data
(where the data lives), view (HTML with the evidence highlighted) and app (the Voila app).
"""

from __future__ import annotations

from kit.planning.comments import (COMMENT_THEMES, CommentAnalysis, Theme, analyse_by_application, analyse_comments,
                                   read_comments)
from kit.planning.csvfile import PlanningDataError
from kit.planning.extraction import METHODS, PlanningInputError, extract, extract_frame, records_from_frame
from kit.planning.loader import load_appeals, load_applications
from kit.planning.policies import Finding, Policies, PolicyError, check, load_policies
from kit.planning.record import APPLICATION_TYPES, FIELDS, WORKS, Evidence, PlanningRecord
from kit.planning.report import LoadReport

__all__ = [
    "APPLICATION_TYPES", "COMMENT_THEMES", "FIELDS", "METHODS", "WORKS", "CommentAnalysis", "Evidence", "Finding",
    "LoadReport", "PlanningDataError", "PlanningInputError", "PlanningRecord", "Policies", "PolicyError", "Theme",
    "analyse_by_application", "analyse_comments", "check", "extract", "extract_frame", "load_appeals",
    "load_applications", "load_policies", "read_comments", "records_from_frame",
]
