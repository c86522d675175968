"""Meeting transcript -> minutes: rules for what is exact, the model for the rest, every quote verified.

``minutes(model, "meeting.vtt")`` reads the transcript (``transcripts``), finds attendees, marked
actions and decisions and due dates with rules (``rules``), then lets the model read the
transcript in overlapping token-bounded windows (``chunks``) for a summary and the
items no rule marked (``model``). Items found twice are merged by transcript line; a
rule's reading beats the model's. Pass ``model=None`` (or ``use_model=False``) for the rules alone.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kit.admin.minutes.chunks import merge, windows
from kit.admin.minutes.items import Chunk, Item, Rejected
from kit.admin.minutes.model import read_window, window_budget
from kit.admin.minutes.result import Minutes
from kit.admin.minutes.rules import attendees, find_items
from kit.admin.minutes.transcripts import Transcript, read_transcript
from kit import limits
from kit.errors import KitError

Progress = Callable[[int, int], None]


def minutes(model: Any, source: str | Path | bytes | Transcript, *, name: str | None = None,
            meeting_date: dt.date | None = None, title: str | None = None, use_model: bool = True,
            max_chunk_tokens: int | None = None, overlap: int = 2, progress: Progress | None = None,
            max_model_lines: int | None = None, cancel: Callable[[], bool] | None = None) -> Minutes:
    """Minutes of a meeting from its transcript (a path, bytes with ``name``, text, or a parsed Transcript).

    Args:
        model: a loaded model (None: rules only, no summary).
        meeting_date: the date relative due dates ("by Friday") count from; default: the transcript's "Date:".
        max_chunk_tokens: the window size; default: what fits the model's context after the prompt and answer.
        overlap: lines each window shares with the one before (an item up to ``overlap + 1`` lines long is
            always read whole in some window).
        progress: called with (windows done, windows in all).
        max_model_lines: the model reads at most this many lines, the first ones (default:
            ``KIT_MAX_MINUTES_MODEL_LINES``; 0: all); the rules read every line; a warning says where it stopped.
        cancel: a function that returns True to stop: no further window goes to the model; the minutes keep
            the windows read so far and every rule-found item, with a warning saying where it stopped.

    Raises:
        TranscriptError: the transcript is empty, cannot be read, or is over ``KIT_MAX_TRANSCRIPT_BYTES``.
    """
    started = time.perf_counter()
    transcript = source if isinstance(source, Transcript) else read_transcript(source, name)
    people = attendees(transcript)
    meeting = meeting_date or transcript.date
    warnings = list(transcript.warnings)
    if meeting is None:
        warnings.append("The transcript gives no meeting date ('Date: 12 March 2025'), so due dates such as "
                        "'by Friday' are not resolved; pass meeting_date= to resolve them.")
    items: list[Item] = find_items(transcript, meeting)
    summaries: list[str] = []
    rejected: list[Rejected] = []
    chunks: list[Chunk] = []
    if use_model and model is not None:
        budget = max_chunk_tokens or window_budget(model, people)
        lines = transcript.lines
        if limits.over("minutes_model_lines", len(lines), max_model_lines):
            lines = lines[:limits.allowed("minutes_model_lines", max_model_lines)]
            warnings.append(_cut_warning(lines[-1].number, len(transcript.lines), max_model_lines))
        parts = windows(lines, model.count_tokens, budget, overlap)
        for index, window in enumerate(parts):
            if cancel is not None and cancel():
                warnings.append(f"Stopped after {index} of {len(parts)} parts: the model read lines up to "
                                f"{parts[index - 1].last if index else 0}; the rest were read by the rules only.")
                break
            chunks.append(Chunk(index, window.first, window.last, window.tokens))
            try:
                summary, found, refused = read_window(model, transcript, window, index, people, meeting)
            except KitError as exc:  # one unreadable answer costs that window's model items, not the minutes
                warnings.append(f"Window {index + 1} (lines {window.first}-{window.last}): the model's answer could "
                                f"not be used ({str(exc).splitlines()[0]}); rule-found items there are still listed.")
                summary, found, refused = "", [], []
            if summary:
                summaries.append(summary)
            items += found
            rejected += refused
            if progress is not None:
                progress(index + 1, len(parts))
    kept, _dropped = merge(items)
    return Minutes(
        title=title or transcript.title or Path(transcript.name).stem.replace("_", " "),
        date=meeting, attendees=people, apologies=transcript.apologies, summary=" ".join(summaries),
        summary_source="model" if summaries else "none",
        decisions=tuple(i for i in kept if i.kind == "decision"), actions=tuple(i for i in kept if i.kind == "action"),
        transcript_name=transcript.name, transcript_lines=len(transcript.lines), chunks=tuple(chunks),
        rejected=tuple(rejected), warnings=tuple(warnings), seconds=time.perf_counter() - started,
    )


def _cut_warning(last: int, total: int, override: int | None) -> str:
    limit = limits.LIMITS["minutes_model_lines"]
    return (f"The transcript has {total:,} lines, over the limit of {limits.allowed('minutes_model_lines', override):,} "
            f"the model reads ({limit.env}), so the summary and the model's items cover lines up to {last} only; "
            f"the rules read every line. To let the model read more, set {limit.env} to a larger number (0: no "
            "limit) or pass max_model_lines= (the embedded model took about 3 hours over 20,000 lines on a laptop).")
