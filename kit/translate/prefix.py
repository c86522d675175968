"""Measure how much llama.cpp's prefix reuse saves when the shared instructions come before the segment."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kit import privacy
from kit.model import Model
from kit.translate import prompting
from kit.translate.glossary import load_glossary
from kit.translate.languages import get_language
from kit.translate.protect import protect
from kit.translate.translator import GlossaryLike


def _run(model: Model, build: Callable[[str], list[dict]], segments: Sequence[str],
         max_tokens: int) -> dict[str, float]:
    prompt_eval = prompt_tokens = 0.0
    started = time.perf_counter()
    for segment in segments:
        sent = time.perf_counter()
        first = None
        for _ in model.stream(build(protect(segment).text), max_tokens=max_tokens, stop=list(prompting.STOP)):
            if first is None:
                first = time.perf_counter() - sent
        prompt_eval += first if first is not None else time.perf_counter() - sent
        prompt_tokens += model.last.prompt_tokens if model.last is not None else 0
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3), "segments_per_s": round(len(segments) / seconds, 3) if seconds else 0.0,
        "prompt_eval_s": round(prompt_eval, 3), "prompt_tokens": int(prompt_tokens),
    }


def measure_prefix_reuse(model: Model, segments: Sequence[str], *, target: str = "cy", source: str = "en",
                         glossary: GlossaryLike = None, max_tokens: int = 16) -> dict[str, Any]:
    """Time the same segments with the shared-prefix prompt and with the segment first (which defeats reuse).

    Runs with the response cache bypassed (confidential mode), one segment after another. The prompt
    evaluation time is taken as the time to the first streamed piece. ``max_tokens`` is kept small so
    the figures are dominated by prompt processing.

    Returns:
        ``{"shared_prefix": {...}, "segment_first": {...}, "prompt_eval_saving": fraction, "speedup": ratio}``,
        each layout with seconds, segments_per_s, prompt_eval_s and prompt_tokens.
    """
    src, tgt = get_language(source), get_language(target)
    terms = tuple(load_glossary(glossary)) if glossary is not None else ()
    with privacy.confidential():  # no cached answers: every prompt is really processed
        first = _run(model, lambda text: prompting.segment_first_messages(text, src, tgt, terms), segments, max_tokens)
        shared = _run(model, lambda text: prompting.messages(text, src, tgt, terms), segments, max_tokens)
    return {
        "segments": len(segments), "source": src.code, "target": tgt.code, "max_tokens": max_tokens,
        "backend": model.info.backend,
        "shared_prefix": shared, "segment_first": first,
        "prompt_eval_saving": round(1 - shared["prompt_eval_s"] / first["prompt_eval_s"], 3)
        if first["prompt_eval_s"] else None,
        "speedup": round(first["seconds"] / shared["seconds"], 3) if shared["seconds"] else None,
    }
