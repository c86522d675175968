"""Planning applications: load published lists, extract checked records with evidence, evaluate, analyse.

    import kit.planning as planning
    df, report = planning.load_applications("../shared/datasets/iom-planning", report=True)
    record = planning.extract(model, "Erection of thirty seven apartments", "Main Road Onchan IM3 1AA")
    extracted = planning.extract_frame(None, df, method="parsers")

Modules: record (PlanningRecord, Evidence, WORKS, APPLICATION_TYPES), loader (load_applications,
load_appeals), csvfile (decoding, delimiters, PlanningDataError), decisions (decision/date spellings),
report (LoadReport), parsers/numbers/rules/places (deterministic parsers), modelfields (the model's schema
and prompt), inputs (input checks), extract, batch (extract_frame), evaluate (labels, scores, confusion),
analytics (tables and plots), html (evidence view), data (where the data lives); policies and comments (C2).
"""

from __future__ import annotations

from kit.planning.batch import extract_frame, records_from_frame
from kit.planning.csvfile import PlanningDataError
from kit.planning.extract import METHODS, extract
from kit.planning.inputs import PlanningInputError
from kit.planning.loader import load_appeals, load_applications
from kit.planning.record import APPLICATION_TYPES, FIELDS, WORKS, Evidence, PlanningRecord
from kit.planning.report import LoadReport

__all__ = [
    "APPLICATION_TYPES", "FIELDS", "METHODS", "WORKS", "Evidence", "LoadReport", "PlanningDataError",
    "PlanningInputError", "PlanningRecord", "extract", "extract_frame", "load_appeals", "load_applications",
    "records_from_frame",
]

# --- C2's block: policy checks and consultation analysis (edited by C2 only) -------------------------------
from kit.planning.comments import COMMENT_THEMES, analyse_comments, read_comments  # noqa: E402
from kit.planning.comments_lexicon import Theme  # noqa: E402
from kit.planning.comments_result import CommentAnalysis  # noqa: E402
from kit.planning.policies import Finding, Policies, PolicyError, check  # noqa: E402
from kit.planning.policies_load import load_policies  # noqa: E402

__all__ += ["COMMENT_THEMES", "CommentAnalysis", "Finding", "Policies", "PolicyError", "Theme", "analyse_comments",
            "check", "load_policies", "read_comments"]
# --- end of C2's block ---------------------------------------------------------------------------------------
