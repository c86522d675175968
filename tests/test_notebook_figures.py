"""Capability notebooks record their evaluation figures with kit.record under snake_case names, and their
evaluation size parameter samples through the shared held-out split. Reads the code cells (nothing runs):
running them end to end is nbval's job (make test); the planning notebook has its own test."""

from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT

NOTEBOOKS = {
    # notebook: (figures its evaluation must record, the call that draws its sample from eval_split)
    "10_translation": ({"chrf_{pair}", "bleu_{pair}", "protected_preservation", "glossary_compliance", "flag_rate",
                        "not_translated_rate", "segments_per_s"}, "split=eval_split"),
    "41_admin_minutes": ({"minutes_{name}_rules", "minutes_{name}_hybrid"},
                         "sample_references(eval_model_size, eval_split)"),
    "42_admin_triage": ({"triage_safeguarding_{name}", "triage_{field}_accuracy"},
                        "sample_labels(labels, sample_size, eval_split)"),
    "40_admin_assistants": ({"redact_precision_{kind}", "redact_recall_{kind}"}, None),  # rules over every note
}


def code_cells(name: str) -> tuple[str, str]:
    """(the parameters cell, every code cell) of a notebook."""
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    parameters = next("".join(c["source"]) for c in code if "parameters" in c.get("metadata", {}).get("tags", []))
    return parameters, "\n".join("".join(cell["source"]) for cell in code)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_the_notebook_records_its_evaluation_figures_under_snake_case_names(name):
    expected, sampling = NOTEBOOKS[name]
    parameters, code = code_cells(name)
    names = set(re.findall(r"kit\.record\(\s*f?[\"']([^\"']+)[\"']", code))
    assert all(re.fullmatch(r"[a-z0-9_{}]+", n) for n in names), names
    assert expected <= names, expected - names
    if sampling:
        assert re.search(r"^eval_split: str = \"held-out\"  # ", parameters, re.M), parameters
        assert sampling in code and not re.search(r"\[:\s*(sample_size|eval_\w+)", code)


def test_the_offline_notebook_records_its_evaluation_and_gate_figures():
    """Notebook 30 records its figures in a loop over names (its evaluation samples held-out questions itself)."""
    _, code = code_cells("30_offline_fallback")
    loop = re.search(r"for name in \(([^)]*)\):\s*\n\s*kit\.record\(name, figures\[name\]\)", code)
    assert loop, "the offline notebook no longer records its evaluation figures by name"
    names = set(re.findall(r"\"(\w+)\"", loop.group(1)))
    assert {"recall_at_1", "recall_at_5", "mrr", "min_coverage", "local_grounding_rate", "local_abstain_precision",
            "local_abstain_recall"} <= names, names
    assert re.search(r"kit\.record\(f\"gate_\{name\}\"", code) and '("reach", "abstain")' in code
