"""Grounded answers from a DocStore: retrieve, ask the model for an answer with quotes, check every quote."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from kit import prompts
from kit.docs.extract import best_sentences
from kit.docs.gate import check as gate_check
from kit.docs.result import Citation, GroundedAnswer, Quote
from kit.docs.sections import Hit, Section
from kit.docs.tokens import tokens
from kit.errors import PromptError, ValidationError
from kit.grounding import check_evidence
from kit.model import ChatModel

MAX_QUESTION_CHARS = 2000
SECTION_CHARS = 1500  # each section's text in the prompt is cut here (quotes are still checked on the whole)
# Share of the answer's content words that must occur in the cited sections: an answer whose words come
# from elsewhere (an instruction in the question, the model's own knowledge) is not grounded.
MIN_SUPPORT = 0.6
ESCALATE = "Not found in the documents: ask someone who knows."
NOT_FOUND = "NOT FOUND"
_TAGS = re.compile(r"</?\s*(?:sections|question)\s*>", re.I)



def check_question(question: Any) -> str:
    """The question, stripped; empty, non-text or over-long questions raise PromptError saying what to do."""
    if not isinstance(question, str):
        raise PromptError(f"The question must be text (str), not {type(question).__name__}.")
    question = question.strip()
    if not question:
        raise PromptError("The question is empty. Type what you need to know, e.g. 'How do I order bloods?'.")
    if len(question) > MAX_QUESTION_CHARS:
        raise PromptError(f"The question is {len(question):,} characters; ask in at most {MAX_QUESTION_CHARS:,} "
                          "(one question, not a pasted document). To find sections for a long text, use store.search.")
    return question


def _data(text: str) -> str:
    """Text as data inside the prompt's tags: tags that could close the data block are removed."""
    return _TAGS.sub(" ", text)


def build_messages(question: str, hits: Sequence[Hit]) -> list[dict[str, str]]:
    """The system instructions, then the sections and the question as delimited data."""
    labels = [f"S{i}" for i in range(1, len(hits) + 1)]
    blocks = [f"[{label}] {hit.section.document} \u00a7 {hit.section.heading}\n{_data(hit.section.text[:SECTION_CHARS])}"
              for label, hit in zip(labels, hits)]
    # The same instructions for every question, so the prefix cache reuses them; the grammar holds the labels.
    system = prompts.load("docs_system").format().strip()  # format: the file writes JSON braces as {{ }}
    user = prompts.load("docs_user").format(sections="\n\n".join(blocks), question=_data(question)).strip()
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def reply_schema(n_sections: int) -> type:
    """The pydantic reply: a short answer and 1 to 3 quotes, each naming one of the given section labels."""
    from pydantic import BaseModel, Field, create_model

    label = Literal[tuple(f"S{i}" for i in range(1, n_sections + 1))]  # type: ignore[misc]
    quote = create_model("DocQuote", section=(label, ...), text=(str, Field(max_length=300)), __base__=BaseModel)
    return create_model("DocReply", answer=(str, Field(max_length=200)),
                        quotes=(list[quote], Field(min_length=1, max_length=3)), __base__=BaseModel)  # type: ignore[valid-type]


def support(text: str, sections: Sequence[Section]) -> float:
    """The share of the answer's content words that occur in ``sections`` (0 for an answer with none)."""
    words = set(tokens(text))
    if not words:
        return 0.0
    held = set().union(*(tokens(f"{s.heading} {s.text}") for s in sections)) if sections else set()
    return len(words & held) / len(words)


def _citations(sections: Sequence[Section]) -> tuple[Citation, ...]:
    seen = dict.fromkeys(sections)
    return tuple(Citation(s.id, s.document, s.heading) for s in seen)


def abstain(question: str, hits: Sequence[Hit], reason: str, escalate: str,
            quotes: Sequence[Quote] | None = None) -> GroundedAnswer:
    """The escalation answer, with the best matching sentences verbatim in place of an answer."""
    shown = tuple(quotes) if quotes is not None else best_sentences(question, hits)
    by_id = {hit.section.id: hit.section for hit in hits}
    cited = [by_id[q.section_id] for q in shown if q.section_id in by_id]
    return GroundedAnswer(escalate, _citations(cited), shown, False, True, reason, tuple(hits))


def ground(reply: Any, hits: Sequence[Hit], *, min_support: float = MIN_SUPPORT) -> tuple[tuple[Quote, ...], str]:
    """Check a model reply against the sections it cites: its quotes (verbatim) and its answer's words.

    Returns the quotes (the source's own text where found) and "" when grounded, else why not.
    """
    sections = {f"S{i}": hit.section for i, hit in enumerate(hits, 1)}
    quotes = []
    for item in reply.quotes:
        section = sections.get(item.section)
        span = check_evidence(item.text, section.text).span if section is not None else None
        quotes.append(Quote(span.text if span else item.text, section.id if section else item.section, span is not None))
    if not quotes:
        return (), "the model gave no quote"
    missing = [q for q in quotes if not q.found]
    if missing:
        return tuple(quotes), f"{len(missing)} of {len(quotes)} quotes are not verbatim in the cited section"
    cited = [sections[item.section] for item in reply.quotes]
    share = support(reply.answer, cited)
    if share < min_support:
        return tuple(quotes), f"only {share:.0%} of the answer's words are in the cited sections"
    return tuple(quotes), ""


def answer(model: ChatModel, question: str, store: Any, *, k: int = 4, min_coverage: float | None = None,
           max_tokens: int = 256, escalate: str = ESCALATE, min_support: float = MIN_SUPPORT) -> GroundedAnswer:
    """Answer ``question`` from ``store`` with quotes checked verbatim; abstain when that is not possible.

    The model (anything with ``.json``: a kit model, a server model or a ``kit.fallback`` chain) sees the
    ``k`` best sections and the question as delimited data. It abstains without asking the model when the
    retrieval gate fails (:func:`kit.docs.gate.check`: the best section holds under ``min_coverage`` of the
    question's content words, default MIN_COVERAGE), and after asking when the reply says NOT FOUND, is not
    valid JSON, or is not grounded. An abstention's text is ``escalate`` and its quotes are the best matching
    sentences verbatim. ``kit.errors.NoModelAvailable`` propagates.
    """
    question = check_question(question)
    hits = store.search(question, k=k)
    gate = gate_check(question, hits, min_coverage=min_coverage)
    if not gate.passed:
        return abstain(question, hits, gate.reason, escalate)
    messages = build_messages(question, hits)
    schema = reply_schema(len(hits))
    try:
        reply = model.json(messages[1]["content"], schema, system=messages[0]["content"], max_tokens=max_tokens)
    except ValidationError as exc:
        return abstain(question, hits, f"the model's reply was not valid JSON ({str(exc).splitlines()[0][:120]})",
                       escalate)
    if reply.answer.strip().upper().startswith(NOT_FOUND):
        return abstain(question, hits, "the model found no answer in the sections", escalate)
    quotes, problem = ground(reply, hits, min_support=min_support)
    if problem:
        return abstain(question, hits, f"not grounded: {problem}", escalate)
    by_id = {hit.section.id: hit.section for hit in hits}
    cited = _citations([by_id[q.section_id] for q in quotes])
    return GroundedAnswer(reply.answer.strip(), cited, quotes, True, False,
                          f"grounded: {len(quotes)} quotes verbatim in {len(cited)} cited sections", tuple(hits))
