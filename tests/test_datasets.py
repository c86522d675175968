"""Every dataset passes its own checker and has a card that says how it was made."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_translation_dataset_passes_its_checker():
    result = subprocess.run([sys.executable, "check_dataset.py"], cwd=ROOT / "datasets" / "translation",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_dataset_has_a_card_that_labels_synthetic_data():
    for folder in (p for p in (ROOT / "datasets").iterdir() if p.is_dir()):
        card = (folder / "README.md").read_text(encoding="utf-8").lower()
        assert "synthetic" in card and "licence" in card.replace("license", "licence"), folder
