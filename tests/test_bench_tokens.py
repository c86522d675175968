"""The token-counting proxy of benchmarks/bench_tokens.py: what it counts, and how calls are split into items."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import ROOT
from fakes import FakeModel

from kit.errors import PromptError


@dataclass(frozen=True)
class Stats:
    """The figures a real model leaves in ``model.last``."""

    prompt_tokens: int
    completion_tokens: int
    reused_tokens: int


class Accounting(FakeModel):
    """A fake whose ``last`` says: prompt = words sent, reused = ``reuse`` of them, generated = words answered."""

    def __init__(self, replies, reuse: int = 0):
        super().__init__(replies=replies)
        self.reuse, self.last = reuse, None

    def _reply(self, messages):
        words = sum(len(m["content"].split()) for m in messages)
        text = super()._reply(messages)
        self.last = Stats(words, len(text.split()), min(self.reuse, words))
        return text


@pytest.fixture()
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_tokens

    return bench_tokens


def test_counts_every_kind_of_call_from_model_last(bench):
    fake = Accounting(["one two three", '{"a": 1}', "four five"], reuse=2)
    counter = bench.Counting(fake)
    assert counter.chat("a b c d", max_tokens=5) == "one two three"
    assert counter.json("e f g h i j", {"type": "object"}, system="k l") == {"a": 1}
    assert "".join(counter.stream("m n o p")) == "fourfive"
    # prompt words 4, 8 (system + user), 4; 2 reused each; generated 3, 2, 2
    assert counter.records == [(0, 2, 2, 3), (0, 6, 2, 2), (0, 2, 2, 2)]
    assert counter.count_tokens("x y z") == 3 and counter.chunk("x y z", 10) == ["x y z"]
    assert counter.info is fake.info and counter.parallel == 1 and counter.last is fake.last


def test_a_call_refused_before_the_model_is_not_counted(bench):
    counter = bench.Counting(Accounting(["ok"]))
    counter.chat("hello")
    with pytest.raises(PromptError):
        counter.chat("   ")  # refused by build_messages: model.last is still the first call's
    assert len(counter.records) == 1


def test_means_and_median_per_item(bench):
    counter = bench.Counting(Accounting(["a"] * 4))
    for tick, prompt in ((0, "w " * 10), (1, "w " * 30), (1, "w " * 30), (2, "w " * 2)):
        counter.tick = tick
        counter.chat(prompt)
    figures = counter.figures(3, 6.0)
    assert figures == {"items": 3, "calls": 4 / 3, "new_prompt": 72 / 3, "reused_prompt": 0.0,
                       "generated": 4 / 3, "seconds": 2.0, "median_new_prompt": 10.0}


def test_progress_ticks_split_a_two_pass_run_into_items(bench):
    """A batch that reads every item twice (stance pass, then themes pass) is split back with ``tick % n``."""
    from kit.planning.comments import analyse_comments

    def reply(messages):
        return '{"stance": "object"}' if "Say whether" in messages[0]["content"] else '{"themes": ["traffic"]}'

    counter = bench.Counting(Accounting(reply))
    texts = ["I am worried about it.", "This will change the road a great deal.", "Hmm, well."]
    analysis = analyse_comments(counter, texts, ["traffic", "noise"], method="model", progress=counter.progress)
    assert len(analysis.comments) == 3 and len(counter.records) == 6
    assert [t % 3 for t, *_ in counter.records] == [0, 1, 2, 0, 1, 2]
    longest = max(range(3), key=lambda i: len(texts[i]))
    per_item = [sum(r[1] for r in counter.records if r[0] % 3 == i) for i in range(3)]
    assert per_item.index(max(per_item)) == longest
    assert counter.figures(3, 1.0)["calls"] == 2.0
