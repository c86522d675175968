"""Extraction: a checked PlanningRecord from a description, by deterministic parsers, the model, or both.

Modules: extract (one application), batch (extract_frame over a table), parsers/numbers/rules/places
(the deterministic parsers), evidence (what a quote must state for a value), modelfields (the model's schema
and prompt), inputs (input checks), evaluate (scores against the project's labels).
"""

from __future__ import annotations

from kit.planning.extraction.batch import extract_frame, records_from_frame
from kit.planning.extraction.extract import METHODS, extract
from kit.planning.extraction.inputs import PlanningInputError

__all__ = ["METHODS", "PlanningInputError", "extract", "extract_frame", "records_from_frame"]
