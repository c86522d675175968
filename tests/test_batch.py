"""kit.map: order, templates, errors and confidential mode across threads (scripted functions: pure logic)."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

import kit
from kit import privacy
from kit.errors import Interrupted, KitError
from fakes import SlowEcho
from interrupts import Interrupt


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


# -- an interrupt (Ctrl-C, Lab's ■: a real SIGINT) keeps what finished ------------------------------------------
def test_an_interrupted_map_keeps_the_finished_results_in_order_and_says_how_many():
    interrupt = Interrupt(0.1, on_enter=False)

    def square(n):
        if n == 3:  # the fourth item is slow: the interrupt comes while it runs
            interrupt.start()
            for _ in range(100):  # Python work between short waits, as a real item has
                time.sleep(0.1)
        return n * n

    with interrupt, pytest.raises(Interrupted) as caught:
        kit.map(square, range(50), progress=False)
    assert interrupt.seconds_to_stop() < 2  # not the 10 s the item would take
    stopped = caught.value
    assert isinstance(stopped, KeyboardInterrupt) and not isinstance(stopped, Exception)  # Run All stops on it
    assert stopped.done == 3 and stopped.total == 50
    assert stopped.results == [0, 1, 4] + [None] * 47
    assert str(stopped).startswith("Stopped after 3 of 50 items; their results are in .results")


def test_an_interrupted_threaded_map_returns_at_once_and_starts_nothing_more():
    interrupt, started, release = Interrupt(0.1, on_enter=False), [], threading.Event()

    def echo(n):
        started.append(n)
        if n >= 4:  # items 4-7 hold the four threads until released
            if n == 7:
                interrupt.start()
            release.wait(10)
        return n

    with interrupt, pytest.raises(Interrupted) as caught:
        kit.map(echo, range(40), workers=4, progress=False)
    assert interrupt.seconds_to_stop() < 2  # the four running items (10 s each) are not waited for
    release.set()
    stopped = caught.value
    assert stopped.done == 4 and stopped.total == 40 and stopped.results == [0, 1, 2, 3] + [None] * 36
    assert "finish in the background" in str(stopped)
    time.sleep(0.3)
    assert sorted(started) == list(range(8))  # the running four finished; nothing new was started


def test_a_map_whose_results_are_none_still_counts_what_finished():
    interrupt = Interrupt(0.1, on_enter=False)

    def nothing(n):
        if n == 2:
            interrupt.start()
            for _ in range(100):
                time.sleep(0.1)

    with interrupt, pytest.raises(Interrupted) as caught:
        kit.map(nothing, range(20), progress=False)
    assert caught.value.done == 2 and caught.value.results == [None] * 20
