"""The deterministic part of the minutes: attendees, marked actions and decisions, owners and due dates.

Rules (each item names the rule that found it):

- ``ACTION: Priya to send ...`` / ``Action point - Tom will ...`` / ``ACTION (Ana): ...``: an action; the
  owner is the name before "to"/"will" (or in brackets), a speaker's "I"/"I'll" is the speaker;
- ``I'll draft the letter by Friday``: a speaker giving themselves a task *with a due date*;
- ``DECISION: ...``, ``AGREED: ...``, ``RESOLVED: ...``, ``It was agreed that ...``, ``We agreed to ...``: a decision.

A marked item whose line does not end a sentence carries on into the next line if that line continues the
same turn (no new speaker label), up to two lines.
"""

from __future__ import annotations

import datetime as dt
import re

from kit.admin.minutes.chunks import link_quote
from kit.admin.minutes.dates import due_date
from kit.admin.minutes.items import RULE, Item
from kit.admin.minutes.transcripts import Line, Transcript

_NAME = r"[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)?"
_ACTION = re.compile(r"\b(?:ACTION(?:\s+POINT)?|Action(?:\s+point)?|AP)\b\s*(?:\((?P<bracket>[^)]{1,40})\))?"
                     r"\s*[:\-–—]\s*(?P<body>\S.*)$")
_OWNER = re.compile(rf"^(?P<owner>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*|I|We|All|Everyone)\s+"
                    r"(?:to|will|'ll|’ll|is to|are to|needs? to|should|agreed to|can)\s+(?P<task>\S.*)$")
_DECISION = re.compile(r"\b(?:DECISION|Decision|AGREED|Agreed|RESOLVED|Resolved)\s*[:\-–—]\s*(?P<body>\S.*)$")
_AGREED = re.compile(r"\b(?:[Ii]t was|[Ww]e(?:'ve|’ve| have)?|[Tt]he (?:group|board|committee|panel) has|"
                     r"[Ee]veryone)\s+agreed\s+(?:that\s+|to\s+)(?P<body>[^.?!]*\w[^.?!]*[.?!]?)")
_SELF = re.compile(r"\bI(?:'ll|’ll| will| can)\s+(?P<task>[^.?!]*\w)")
_OWNER_FIELD = re.compile(r"\b[Oo]wner\s*[:\-]\s*(?P<owner>[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)?)")
_END = re.compile(r"[.!?]['\"’”)]*\s*$")


def canonical(name: str | None, people: tuple[str, ...]) -> str | None:
    """A name as the attendee list writes it: "Priya" -> "Priya Shah" when one attendee is called Priya."""
    if not name:
        return None
    parts = [p.strip() for p in re.split(r"\s*(?:,|\band\b|&)\s*", name) if p.strip()]
    out = []
    for part in parts:
        exact = [p for p in people if p.casefold() == part.casefold()]
        first = [p for p in people if p.split()[0].casefold() == part.split()[0].casefold()]
        out.append(exact[0] if exact else first[0] if len(first) == 1 else part)
    return " and ".join(dict.fromkeys(out))


def attendees(transcript: Transcript) -> tuple[str, ...]:
    """The header's attendee list, plus any speaker it leaves out (first names matched to full names)."""
    listed = list(transcript.attendees)
    for speaker in transcript.speakers:
        if canonical(speaker, tuple(listed)) not in listed and speaker.casefold() not in map(str.casefold, listed):
            listed.append(speaker)
    return tuple(listed)


def _with_continuation(lines: list[Line], i: int, body: str) -> tuple[str, list[Line]]:
    """The item's words and lines, following the turn onto up to two more lines when the sentence runs on."""
    used = [lines[i]]
    for nxt in lines[i + 1:i + 3]:
        if _END.search(body) or not (nxt.continued or nxt.speaker is None):
            break
        if nxt.number - used[-1].number > 2:
            break
        body = f"{body} {nxt.text}"
        used.append(nxt)
    return body, used


def _owner(body: str, bracket: str | None, speaker: str | None) -> tuple[str | None, str]:
    match = _OWNER.match(body)
    owner, task = (match["owner"], match["task"]) if match else (None, body)
    if bracket:
        owner = bracket.strip()
    field = _OWNER_FIELD.search(body)
    if owner is None and field:
        owner = field["owner"]
    if owner in ("I", "We") and speaker:
        owner = speaker
    return owner, task


def _item(kind: str, text: str, used: list[Line], quote: str, rule: str, **extra) -> Item | None:
    linked = link_quote(quote, used)
    if linked is None:  # cannot happen for a quote cut from the lines, but never minute an unverified quote
        return None
    numbers, words = linked
    return Item(kind, text.strip().rstrip("."), numbers, words, f"{RULE}: {rule}", **extra)


def find_items(transcript: Transcript, meeting: dt.date | None = None) -> list[Item]:
    """Every action and decision the rules find, with owners and due dates resolved against ``meeting``."""
    people = attendees(transcript)
    meeting = meeting or transcript.date
    lines = list(transcript.lines)
    items: list[Item] = []
    for i, line in enumerate(lines):
        marked = _ACTION.search(line.text)
        if marked:
            body, used = _with_continuation(lines, i, marked["body"])
            owner, task = _owner(body, marked["bracket"], line.speaker)
            due = due_date(body, meeting)
            sources = {"task": RULE, "owner": RULE if owner else "none", "due": RULE if due else "none"}
            item = _item("action", task, used, body, "ACTION line", owner=canonical(owner, people),
                         due=due.date if due else None, due_text=due.text if due else None, sources=sources,
                         notes=(due.note,) if due and due.note else ())
            items += [item] if item else []
            continue
        decided = _DECISION.search(line.text) or _AGREED.search(line.text)
        if decided:
            body, used = _with_continuation(lines, i, decided["body"])
            rule = "DECISION line" if decided.re is _DECISION else "'agreed' wording"
            item = _item("decision", body, used, body, rule, sources={"text": RULE})
            items += [item] if item else []
        own = _SELF.search(line.text) if line.speaker else None
        if own:
            body, used = _with_continuation(lines, i, own["task"])
            due = due_date(body, meeting)
            if due is not None:
                sources = {"task": RULE, "owner": RULE, "due": RULE}
                item = _item("action", body, used, body, "'I'll ... by <date>'", owner=canonical(line.speaker, people),
                             due=due.date, due_text=due.text, sources=sources, notes=(due.note,) if due.note else ())
                items += [item] if item else []
    return items
