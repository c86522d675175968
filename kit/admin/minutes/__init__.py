"""Meeting minutes from a transcript: rules for what is exact, the model for the rest, every quote verified.

    from kit.admin.minutes import minutes
    result = minutes(model, "meeting.vtt")      # model=None: the rules alone
    result.save("minutes.docx")
"""

from __future__ import annotations

from kit.admin.minutes.build import minutes
from kit.admin.minutes.items import Chunk, Item, Rejected
from kit.admin.minutes.result import Minutes
from kit.admin.minutes.transcripts import Transcript, TranscriptError, read_transcript

__all__ = ["Chunk", "Item", "Minutes", "Rejected", "Transcript", "TranscriptError", "minutes", "read_transcript"]
