"""kit.offline.answer: each tier serves when the ones above it cannot, and says which and why."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import ROOT
from fakes import FakeModel
from test_docs_fixtures import make_folder

from kit.docs import ingest
from kit.errors import PromptError, ServerError
from kit.errors import NoModelAvailable
from kit.runtime.fallback import Route, fallback
from kit.grounding import locate
from kit.offline import ESCALATE, Answer, answer
from kit.offline import view
from kit.offline.cards import build_cards

QUESTION = "Who do I phone for urgent blood results?"
GOOD = json.dumps({"answer": "Phone the pathology lab on extension 4321.",
                   "quotes": [{"section": "S1", "text": "Phone the pathology lab on extension 4321"}]})


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("offline")
    return ingest(make_folder(root / "docs"), index_dir=root / "index")


class Chain(FakeModel):
    """A scripted model that reports a route, as a kit.fallback chain does."""

    last_route = Route("primary")


def test_a_plain_model_serves_as_the_local_tier(store):
    result = answer(QUESTION, store, FakeModel([GOOD]), min_coverage=0)
    assert isinstance(result, Answer)
    assert (result.tier, result.grounded, result.abstained, result.escalate) == ("local", True, False, None)
    assert result.skipped == () and result.latency_s > 0


def test_a_chain_reports_the_tier_that_served(store):
    result = answer(QUESTION, store, Chain([GOOD]), min_coverage=0)
    assert result.tier == "primary" and result.grounded


def test_no_model_available_falls_to_retrieval_with_the_reasons(store):
    class Down:
        def json(self, *args, **kwargs):
            raise NoModelAvailable(("primary http://127.0.0.1:9: connection refused", "local: no local model"))

    result = answer(QUESTION, store, Down(), min_coverage=0)
    assert result.tier == "retrieval" and not result.abstained and result.grounded
    assert result.skipped == ("primary http://127.0.0.1:9: connection refused", "local: no local model")
    assert result.quotes[0].text == "Phone the pathology lab on extension 4321 for urgent blood results."
    assert result.text.startswith(result.quotes[0].text)


def test_a_plain_server_model_that_fails_falls_to_retrieval(store):
    class Broken:
        def json(self, *args, **kwargs):
            raise ServerError("The server at http://127.0.0.1:9 did not answer.")

    result = answer(QUESTION, store, Broken(), min_coverage=0)
    assert result.tier == "retrieval" and "did not answer" in result.skipped[0]


def test_without_a_model_retrieval_serves_and_weak_retrieval_escalates(store):
    result = answer(QUESTION, store, None, min_coverage=0)
    assert result.tier == "retrieval" and result.skipped == ("model: no model was given",)
    for quote in result.quotes:
        assert locate(quote.text, store.section(quote.section_id).text) is not None
    weak = answer("zebra quokka wombat", store, FakeModel([]))
    assert weak.tier == "retrieval" and weak.abstained and weak.text == ESCALATE == weak.escalate
    assert "not asked" in weak.skipped[0]


def test_ungrounded_model_answers_escalate_to_the_duty_manager(store):
    bad = json.dumps({"answer": "Phone 999.", "quotes": [{"section": "S1", "text": "Phone 999 now"}]})
    result = answer(QUESTION, store, FakeModel([bad]), min_coverage=0)
    assert result.tier == "local" and result.abstained and result.text == "escalate: ask the duty manager"
    assert result.quotes and all(q.found for q in result.quotes)


def test_no_store_or_a_failing_search_serves_the_static_cards(store):
    cards = build_cards(store)
    assert cards
    card = answer("Print the downtime pack: which folder do I use?", None, cards=cards)
    assert card.tier == "cards" and not card.abstained and card.escalate == ESCALATE
    assert "- Use the red folder" in card.text and card.citations[0].document == "ward.md"
    assert card.skipped == ("retrieval: no document store (the guidance could not be loaded)",)

    class Broken:
        def search(self, query, k=5):
            raise OSError("index file vanished")

    failed = answer("downtime pack red folder", Broken(), FakeModel([]), cards=cards)
    assert failed.tier == "cards" and "index file vanished" in failed.skipped[0]
    nothing = answer("downtime pack red folder", None, cards=None)
    assert nothing.tier == "cards" and nothing.abstained and nothing.text == ESCALATE


def test_bad_questions_are_prompt_errors_in_every_tier(store):
    for where in (store, None):
        with pytest.raises(PromptError, match="empty"):
            answer("", where)
        with pytest.raises(PromptError, match="at most 2,000"):
            answer("why? " * 10_000, where)


def test_markdown_names_the_tier_and_the_skipped_tiers(store):
    text = answer(QUESTION, store, None, min_coverage=0).markdown()
    assert "Served by: retrieval" in text and "skipped model: no model was given" in text


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return ingest(ROOT / "datasets" / "offline" / "docs", index_dir=tmp_path_factory.mktemp("corpus-index"))


def test_the_readme_example_reaches_the_model_and_its_lines_are_the_answer(corpus):
    question = "Where are the paper observation charts kept?"
    fake = FakeModel([json.dumps({"answer": "In the red downtime box.", "quotes": [
        {"section": "S4", "text": "Open the red downtime box kept at the nurses' station"}]})])
    asked = answer(question, corpus, fake)
    assert len(fake.calls) == 1 and asked.tier == "local" and asked.grounded  # the gate let it through
    shown = answer(question, corpus, None)  # no model: the guidance's own lines, under a banner that says so
    assert shown.tier == "retrieval" and not shown.abstained and "red downtime box" in shown.quotes[0].text
    banner = view.banner_html(shown.tier, shown.skipped)
    assert "no model can run" in banner and "nothing close" not in banner


def test_when_the_model_is_not_asked_the_banner_says_the_lines_shown_are_the_closest(corpus):
    fake = FakeModel([])
    result = answer("Where can visitors park their cars overnight?", corpus, fake)
    assert fake.calls == [] and result.tier == "retrieval" and result.abstained and result.quotes
    assert result.skipped[0].startswith("model: not asked, as retrieval weak: the best section holds only")
    banner, shown = view.banner_html(result.tier, result.skipped), view.answer_html(result, corpus)
    assert "closest lines found" in banner and "nothing close" not in banner
    assert "closest lines of the guidance" in shown and result.quotes[0].text.replace("'", "&#x27;") in shown


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.model
def test_real_chain_with_an_unreachable_primary_is_served_by_the_local_model(model, store):
    chain = fallback(f"http://127.0.0.1:{free_port()}", model, timeout_s=2.0, failures=1, probe_after_s=600)
    result = answer(QUESTION, store, chain, min_coverage=0)
    assert result.tier == "local" and "primary" in result.skipped[0]
    assert chain.breaker_state == "open"
    if not result.abstained:
        assert result.grounded and all(q.found for q in result.quotes)
    else:
        assert result.text == ESCALATE and all(q.found for q in result.quotes)
    nothing_local = fallback(f"http://127.0.0.1:{free_port()}", None, timeout_s=1.0)
    degraded = answer(QUESTION, store, nothing_local, min_coverage=0)
    assert degraded.tier == "retrieval" and any("primary" in s for s in degraded.skipped)
