"""kit.map: order, templates, errors and confidential mode across threads (scripted functions: pure logic)."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

import kit
from kit import privacy
from kit.errors import KitError
from fakes import SlowEcho


def test_results_come_back_in_input_order_even_when_run_concurrently():
    def work(n):
        time.sleep(0.02 * (5 - n % 5))  # later items finish first
        return n * n

    assert kit.map(work, range(12), workers=4, progress=False) == [n * n for n in range(12)]


def test_template_with_plain_and_dict_items():
    model = SlowEcho()
    assert kit.map("Summarise: {item}", ["a", "b"], model=model, progress=False) == ["Summarise: a", "Summarise: b"]
    rows = [{"name": "Ann", "street": "Elm Road"}]
    assert kit.map("{name} lives on {street}", rows, model=model, progress=False) == ["Ann lives on Elm Road"]


def test_template_errors_are_clear():
    with pytest.raises(KitError, match="needs a model"):
        kit.map("Summarise: {item}", ["a"], progress=False)
    with pytest.raises(KitError, match="refers to 'street'"):
        kit.map("{street}", [{"name": "x"}], model=SlowEcho(), progress=False)


def test_concurrency_follows_the_model():
    model = SlowEcho(parallel=4)
    kit.map("{item}", list("abcdefgh"), model=model, progress=False)
    assert model.max_seen == 4
    single = SlowEcho(parallel=1)
    kit.map("{item}", list("abcd"), model=single, progress=False)
    assert single.max_seen == 1


def test_confidential_mode_reaches_worker_threads():
    seen = []

    def check(_):
        seen.append((threading.current_thread().name, privacy.is_confidential()))
        return None

    with kit.confidential():
        kit.map(check, range(6), workers=3, progress=False)
    assert all(flag for _, flag in seen) and any(name.startswith("kit-map") for name, _ in seen)
    kit.map(check, range(2), workers=2, progress=False)
    assert seen[-1][1] is False


def test_map_frame_adds_a_column():
    frame = pl.DataFrame({"item": ["bins", "parks"]})
    out = kit.map_frame(frame, "About {item}", model=SlowEcho(), output="answer", progress=False)
    assert out["answer"].to_list() == ["About bins", "About parks"]
