"""Offline answers that degrade tier by tier: model (primary or local) -> retrieval only -> static action cards."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kit.docs import answer as docs_answer
from kit.docs.answer import abstain, check_question
from kit.docs.extract import best_sentences
from kit.docs.gate import check as gate_check
from kit.docs.result import Citation, GroundedAnswer, Quote
from kit.errors import KitError, NoModelAvailable, PromptError
from kit.model import ChatModel

ESCALATE = "escalate: ask the duty manager"
TIERS = ("primary", "local", "retrieval", "cards")


@dataclass(frozen=True)
class Answer:
    """An offline answer: its text, sources and checks, which tier served it and why higher tiers were skipped."""

    text: str
    citations: tuple[Citation, ...]
    quotes: tuple[Quote, ...]
    grounded: bool
    abstained: bool
    tier: str  # "primary" | "local" | "retrieval" | "cards"
    skipped: tuple[str, ...]
    latency_s: float
    escalate: str | None  # the escalation line to show, or None
    reason: str = ""  # how it was checked, or why it abstained

    def markdown(self) -> str:
        """The answer as Markdown: text, quotes with their section ids, sources, tier and skipped tiers."""
        lines = [f"**{self.text}**" if "\n" not in self.text else self.text.replace("\n", "  \n")]
        if self.escalate and self.text != self.escalate:
            lines.append(f"\n_{self.escalate}_")
        lines += [f"\n> {q.text}  \n> \u2014 `{q.section_id}`" for q in self.quotes]
        if self.citations:
            lines.append("\nSources: " + "; ".join(str(c) for c in self.citations))
        lines.append(f"\n_Served by: {self.tier} ({self.reason})_")
        lines += [f"- skipped {why}" for why in self.skipped]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A notebook shows the tier banner, the answer or its abstention, the quotes and the citations."""
        from kit.offline.view import page

        return page(self)


def _route(model: ChatModel) -> tuple[str, tuple[str, ...]]:
    """Which model tier answered: a chain's ``last_route``, else a plain model counts as "local"."""
    route = getattr(model, "last_route", None)
    if route is None:
        return "local", ()
    return route.tier, tuple(route.skipped)


def _from(result: GroundedAnswer, tier: str, skipped: Sequence[str], started: float) -> Answer:
    return Answer(result.text, result.citations, result.quotes, result.grounded, result.abstained, tier,
                  tuple(skipped), time.perf_counter() - started, ESCALATE if result.abstained else None, result.reason)


def _cards_answer(question: str, cards: Any, skipped: list[str], started: float) -> Answer:
    """The last tier: the static action card that best matches the question (no model, no index)."""
    card = None
    if cards:
        from kit.offline.cards import match_card

        card = match_card(question, cards)
    if card is None:
        why = "no action card matches the question" if cards else "no action cards were loaded"
        return Answer(ESCALATE, (), (), False, True, "cards", tuple(skipped), time.perf_counter() - started,
                      ESCALATE, why)
    section_id = getattr(card, "section_id", "")
    quotes = tuple(Quote(action, section_id, True) for action in card.actions)
    text = "\n".join([card.title, *card.actions])
    return Answer(text, (Citation(section_id, card.document, card.title),), quotes, True, False, "cards",
                  tuple(skipped), time.perf_counter() - started, ESCALATE,
                  "action card: its lines were checked verbatim against the guidance when the cards were built")


def answer(question: str, store: Any, model: ChatModel | None = None, *, cards: Any = None, k: int = 4,
           min_coverage: float | None = None) -> Answer:
    """Answer from the local guidance through the best tier that works now, saying which and why.

    Tiers: ``model`` (a ``kit.fallback`` chain gives "primary" or "local"; a plain model counts as "local")
    with quotes checked verbatim; then retrieval only (the best sentences verbatim, no model) when there is
    no model or no model tier can answer; then the static action ``cards`` when the store is None or its
    search fails. The model is asked only when the retrieval gate passes (kit.docs.gate: the best section
    holds at least ``min_coverage`` of the question's content words). A failed gate or failed grounding
    abstains: the text is "escalate: ask the duty manager" and the quotes are the closest sentences found.
    Empty or over-long questions raise PromptError.
    """
    started = time.perf_counter()
    question = check_question(question)
    skipped: list[str] = []
    hits = None
    if store is None:
        skipped.append("retrieval: no document store (the guidance could not be loaded)")
    else:
        try:
            hits = store.search(question, k=k)
        except PromptError:
            raise
        except Exception as exc:  # a damaged store must not stop the last tier from answering
            skipped.append(f"retrieval: the search failed ({type(exc).__name__}: {str(exc)[:120]})")
    if hits is None:
        return _cards_answer(question, cards, skipped, started)
    gate = gate_check(question, hits, min_coverage=min_coverage)
    if model is None:
        skipped.append("model: no model was given")
    elif not gate.passed:
        skipped.append(f"model: not asked, as {gate.reason}")
    else:
        try:
            result = docs_answer(model, question, store, k=k, min_coverage=min_coverage, escalate=ESCALATE)
        except NoModelAvailable as exc:
            skipped.extend(exc.reasons or (str(exc),))
        except PromptError:
            raise
        except KitError as exc:  # a plain server model that is down, say: fall back to retrieval
            skipped.append(f"model: {str(exc).splitlines()[0][:160]}")
        else:
            tier, route_skipped = _route(model)
            return _from(result, tier, route_skipped, started)
    if not gate.passed:
        return _from(abstain(question, hits, gate.reason, ESCALATE), "retrieval", skipped, started)
    quotes = best_sentences(question, hits)
    by_id = {hit.section.id: hit.section for hit in hits}
    cited = tuple(dict.fromkeys(Citation(q.section_id, by_id[q.section_id].document, by_id[q.section_id].heading)
                                for q in quotes))
    grounded = bool(quotes) and all(q.found for q in quotes)
    return Answer(" ".join(q.text for q in quotes), cited, quotes, grounded, False, "retrieval", tuple(skipped),
                  time.perf_counter() - started, None, "retrieval only: the best matching sentences, verbatim")
