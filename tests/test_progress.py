"""KIT_PROGRESS: every kit progress bar on by default (tqdm.auto: a widget in Jupyter), off for CI and scripts."""

from __future__ import annotations

import re

import pytest

import kit
from kit import progress
from kit.errors import ConfigError


@pytest.mark.parametrize("value", ["off", "0", "false", "no", "OFF", " No "])
def test_kit_progress_off_gives_a_bar_that_shows_nothing(monkeypatch, capsys, value):
    monkeypatch.setenv("KIT_PROGRESS", value)
    assert not progress.enabled()
    bar = progress.progress_bar(3, "kit.map")
    assert isinstance(bar, progress.NoBar)
    with bar:
        bar.update(2)
    assert bar.n == 2
    assert kit.map(str.upper, ["a", "b"]) == ["A", "B"]  # progress=True by default
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


@pytest.mark.parametrize("value", [None, "", "on", "1", "true", "yes"])
def test_progress_is_on_by_default_and_a_tqdm_auto_bar(monkeypatch, capsys, value):
    from tqdm.auto import tqdm

    if value is None:
        monkeypatch.delenv("KIT_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("KIT_PROGRESS", value)
    assert progress.enabled()
    bar = progress.progress_bar(2, "kit.map")
    assert isinstance(bar, tqdm)  # tqdm.auto: the notebook widget in Jupyter, this text bar in a terminal
    bar.close()
    kit.map(str.upper, ["a", "b"])
    assert "kit.map: 100%" in capsys.readouterr().err


def test_an_unknown_kit_progress_value_says_which_values_work(monkeypatch):
    monkeypatch.setenv("KIT_PROGRESS", "maybe")
    with pytest.raises(ConfigError, match=r"KIT_PROGRESS='maybe'.*use off \(or 0, false, no\).*on to show"):
        progress.enabled()


def test_every_kit_bar_goes_through_kit_progress():
    from pathlib import Path

    package = Path(kit.__file__).parent
    direct = [str(path.relative_to(package)) for path in package.rglob("*.py")
              if path.name != "progress.py" and re.search(r"^\s*(from|import) tqdm", path.read_text(), re.M)]
    assert direct == []
