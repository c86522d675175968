"""Retrieval-only answers: the sentences of the retrieved sections that best match a question, verbatim."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kit.docs.result import Quote
from kit.docs.sections import Hit
from kit.docs.tokens import tokens
from kit.grounding import locate

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """The sentences of a section: each line (list item) split after . ! or ? before a capital or digit."""
    out = []
    for line in text.splitlines():
        out.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return out


def best_sentences(question: str, hits: Sequence[Hit], n: int = 3) -> tuple[Quote, ...]:
    """The ``n`` sentences of ``hits`` sharing most words with ``question``, verbatim, best first (no model).

    A sentence scores the number of distinct question words it holds plus its section's share of the top
    search score, so ties go to the better section. With no shared word at all, the first sentences of the
    best sections are given. Every quote is checked against its section with :mod:`kit.grounding`.
    """
    wanted = set(tokens(question))
    top = max((hit.score for hit in hits), default=0.0) or 1.0
    scored = []
    for rank, hit in enumerate(hits):
        for order, sentence in enumerate(sentences(hit.section.text)):
            overlap = len(wanted & set(tokens(sentence)))
            scored.append((overlap + hit.score / top, overlap, -rank, -order, sentence, hit.section))
    scored.sort(key=lambda item: item[:4], reverse=True)
    if scored and scored[0][1] == 0:  # nothing shared: lead with each best section's opening
        scored.sort(key=lambda item: (item[3], item[2]), reverse=True)
    quotes = []
    for *_, sentence, section in scored[:n]:
        span = locate(sentence, section.text)
        quotes.append(Quote(span.text if span else sentence, section.id, span is not None))
    return tuple(quotes)
