"""Local documents: ingest a folder into sections with stable ids, search them, answer from them with quotes.

    from kit.docs import ingest, answer
    store = ingest("datasets/offline/docs")
    store.search("pathology downtime blood results", k=5)
    answer(model, "How do I order bloods when the lab system is down?", store)
"""

from __future__ import annotations

from kit.docs.answer import answer
from kit.docs.extract import best_sentences
from kit.docs.result import Citation, GroundedAnswer, Quote
from kit.docs.sections import Hit, Section, SkippedFile
from kit.docs.store import DocStore, ingest

__all__ = ["Citation", "DocStore", "GroundedAnswer", "Hit", "Quote", "Section", "SkippedFile", "answer",
           "best_sentences", "ingest"]
