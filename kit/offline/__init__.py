"""Offline fallback for health and emergency services: grounded answers from local guidance, tier by tier.

    from kit.docs import ingest
    from kit.offline import answer
    store = ingest("datasets/offline/docs")
    answer("How do I order bloods when the lab system is down?", store, model=kit.fallback(url, local))

Modules: ``answer`` (the tiers), ``cards`` (static action cards), ``evaluate`` (retrieval, grounding,
abstention and latency figures).
"""

from __future__ import annotations

from kit.offline.answer import ESCALATE, TIERS, Answer, answer

__all__ = ["ESCALATE", "TIERS", "Answer", "answer"]
