"""An interrupt (Ctrl-C, Lab's ■: a real SIGINT) during ``model.chat`` / ``stream`` / ``json`` and ``kit.map``.

What the kit guarantees, on the real embedded model: the call stops within a second while it decodes and raises
:class:`kit.errors.Interrupted` (a KeyboardInterrupt) carrying the text so far, a prefix of the uninterrupted
answer; the call is in the run log as interrupted with that text, nothing is cached, the model's lock is free, and
the next call gives the uninterrupted answer (same process).
"""

from __future__ import annotations

import os
import time

import pydantic
import pytest

import kit
from kit.errors import Interrupted, ValidationError
from kit.model import Model
from kit.redaction import enabled as redaction_enabled, scrub
from kit.runlog import logs
from interrupts import Interrupt

pytestmark = pytest.mark.model

MAX_TOKENS = 120
PROMPTS = {  # stream and chat give the same text (tests/test_model.py), so they share one reference
    "chat": "Write a very long story about a lighthouse keeper and the storms she saw over forty years.",
    "json": "Write a very long story about a fisherman and his boat.",
}
STOP_WITHIN_S = 1.0  # on an idle machine; a loaded one gets three tokens' time more (one token is the unit of stop)


class Story(pydantic.BaseModel):
    title: str
    story: str = pydantic.Field(min_length=400)  # the grammar makes even a small model write on


@pytest.fixture(scope="module")
def model():
    """The embedded model with the response cache and the run log on, as a notebook loads it."""
    with kit.load_model(n_ctx=2048) as loaded:
        yield loaded


def _json(model) -> Story | str:
    """The json call's outcome: the validated story, or the raw text when ``max_tokens`` cut it off."""
    try:
        return model.json(PROMPTS["json"], Story, max_tokens=MAX_TOKENS)
    except ValidationError as exc:
        return exc.raw


@pytest.fixture(scope="module")
def reference(model):
    """Each prompt's uninterrupted raw answer, seconds and outcome, from a model on the same backend that caches
    nothing (so the calls under test compute everything again)."""
    plain = Model(model.backend, model.info, settings=model.settings, cache=False)
    answers = {}
    saved = os.environ.get("KIT_REDACT")
    os.environ["KIT_REDACT"] = "off"  # the json call's raw text is read from its run log row
    try:
        for kind, prompt in PROMPTS.items():
            started = time.monotonic()
            outcome = _json(plain) if kind == "json" else plain.chat(prompt, max_tokens=MAX_TOKENS)
            text = logs(1, plain._log.path)["response"][0]
            answers[kind] = (text, time.monotonic() - started, outcome, plain.last.completion_tokens)
            assert plain.last.completion_tokens >= 80, f"the {kind} prompt should make the model write long"
        answers["stream"] = answers["chat"]
    finally:
        if saved is None:
            del os.environ["KIT_REDACT"]
        else:
            os.environ["KIT_REDACT"] = saved
    return answers


def _stop_limit(reference, kind: str = "chat") -> float:
    """One second, plus three tokens' time (of this kind of call) where this machine takes more than a few ms a
    token: a stop waits for the token being computed (with a grammar, its sampling too)."""
    _, seconds, _, tokens = reference[kind]
    return STOP_WITHIN_S + 3 * seconds / tokens


def _interrupted(model, reference, kind, call) -> Interrupted:
    """Run ``call`` with a SIGINT part-way through its decoding; check the stop and return the Interrupted."""
    full, seconds, _, tokens = reference[kind]
    interrupt = Interrupt(0.4 * seconds)
    with interrupt, pytest.raises(Interrupted) as caught:
        call()
    stopped_in = interrupt.seconds_to_stop()
    print(f"{kind}: interrupt to stop {stopped_in:.3f} s (one token {seconds / tokens:.3f} s)")
    assert stopped_in < _stop_limit(reference, kind)
    stopped = caught.value
    assert isinstance(stopped, KeyboardInterrupt) and not isinstance(stopped, Exception)
    assert stopped.partial and full.startswith(stopped.partial) and len(stopped.partial) < len(full)
    assert not model.backend._lock.locked()
    row = logs(1, model._log.path).row(0, named=True)
    assert row["error"] == "interrupted" and row["kind"] == kind and row["cached"] == 0
    assert row["response"] == (scrub(stopped.partial) if redaction_enabled() else stopped.partial)
    return stopped


def test_an_interrupted_chat_keeps_its_text_and_the_next_chat_is_the_uninterrupted_one(model, reference):
    prompt = PROMPTS["chat"]
    stopped = _interrupted(model, reference, "chat", lambda: model.chat(prompt, max_tokens=MAX_TOKENS))
    assert 0 < stopped.tokens < MAX_TOKENS and str(stopped) == (
        f"Stopped by an interrupt after {stopped.tokens} tokens; the text so far is in .partial.")
    assert logs(1, model._log.path)["completion_tokens"][0] == stopped.tokens
    assert model.chat(prompt, max_tokens=MAX_TOKENS) == reference["chat"][0]
    assert model.last.cached is False  # the interrupted call was not cached


def test_an_interrupted_stream_raises_from_the_generator_with_what_it_yielded(model, reference):
    plain = Model(model.backend, model.info, settings=model.settings, cache=False)  # the chat test cached this
    prompt, seen = PROMPTS["chat"], []

    def read():
        for piece in plain.stream(prompt, max_tokens=MAX_TOKENS):
            seen.append(piece)

    stopped = _interrupted(plain, reference, "stream", read)
    assert stopped.partial == "".join(seen)
    assert "".join(plain.stream(prompt, max_tokens=MAX_TOKENS)) == reference["stream"][0]


def test_an_interrupted_json_keeps_the_raw_json_so_far(model, reference):
    prompt = PROMPTS["json"]
    stopped = _interrupted(model, reference, "json", lambda: model.json(prompt, Story, max_tokens=MAX_TOKENS))
    assert stopped.partial.lstrip().startswith("{")
    assert _json(model) == reference["json"][2] and model.last.cached is False


def test_a_fallback_chain_passes_the_partial_text_on(model, reference):
    chain = kit.fallback(None, model)
    _interrupted(model, reference, "chat", lambda: chain.chat(PROMPTS["chat"], max_tokens=MAX_TOKENS))
    assert chain.last_route.tier == "local"


def test_an_interrupted_map_on_the_model_keeps_the_finished_items(model, reference):
    interrupt = Interrupt(0.4 * reference["chat"][1], on_enter=False)
    items = [("Name a large city in Wales.", 8), (PROMPTS["chat"], MAX_TOKENS), (PROMPTS["json"], MAX_TOKENS)]

    def ask(item):
        prompt, max_tokens = item
        if max_tokens == MAX_TOKENS:
            interrupt.start()
        return model.chat(prompt, max_tokens=max_tokens)

    with interrupt, pytest.raises(Interrupted) as caught:
        kit.map(ask, items, model=model)
    stopped_in = interrupt.seconds_to_stop()
    print(f"kit.map: interrupt to stop {stopped_in:.3f} s")
    assert stopped_in < _stop_limit(reference)
    stopped = caught.value
    assert stopped.done == 1 and stopped.total == 3 and stopped.results[1:] == [None, None]
    assert stopped.results[0] == model.chat(items[0][0], max_tokens=8)
    assert str(stopped).startswith("Stopped after 1 of 3 items")
    assert not model.backend._lock.locked()
