"""Offline fallback for health and emergency services: grounded answers from local guidance, tier by tier.

    from kit.docs import ingest
    from kit.offline import answer
    store = ingest("datasets/offline/docs")
    answer("How do I order bloods when the lab system is down?", store, model=kit.fallback(url, local))

Modules: ``answer`` (the tiers), ``cards`` (static action cards), ``outbox`` (entries kept while offline,
replayed later), ``evaluate`` (retrieval, grounding, abstention and latency figures), ``app`` and ``view``
(the Voila app's panel and its HTML).
"""

from __future__ import annotations

from kit.offline.answer import ESCALATE, TIERS, Answer, answer

__all__ = ["ESCALATE", "TIERS", "Answer", "answer"]
