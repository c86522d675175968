"""The model's part of the minutes: per window, a short summary and the decisions and actions no rule marked.

One grammar-constrained ``model.json`` call per window. The grammar lets a quote be only one of the window's
lines (or a wrapped turn) and an owner only an attendee or "unknown". Every quote is still checked verbatim
against the window's lines (``kit.grounding``), and an item whose words share nothing with its quote is
dropped too; rejected items are kept in ``Minutes.rejected`` with the reason, never minuted. A due date is resolved by the date rules from
the quoted lines first, then from the model's "due" words; each field records which.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field, create_model

from kit import grounding, prompts
from kit.admin.minutes.chunks import Window, content_words, link_quote
from kit.admin.minutes.dates import due_date
from kit.admin.minutes.items import MODEL, RULE, Item, Rejected
from kit.admin.minutes.rules import canonical
from kit.admin.minutes.transcripts import Transcript
from kit.model import ChatModel

ANSWER_TOKENS = 450  # room for the JSON answer; the window budget is what is left of the context
REPEAT_PENALTY = 1.15  # the tiny model otherwise repeats one summary sentence until the length limit


def quote_choices(window: Window) -> tuple[str, ...]:
    """What a quote may be: one line's words, or a whole turn that wraps over several lines."""
    choices = [line.text for line in window.lines]
    turn: list[str] = []
    for line in window.lines:
        if line.continued and turn:
            turn.append(line.text)
            choices.append(" ".join(turn))
        else:
            turn = [line.text]
    return tuple(dict.fromkeys(c for c in choices if c.strip()))


def reading_schema(window: Window, people: tuple[str, ...]) -> type[BaseModel]:
    """The schema for one window: quotes are the window's own lines, owners the attendees (or "unknown").

    Choosing among the lines (rather than writing a quote) keeps a small model's quotes verbatim; they are
    still checked with ``kit.grounding`` like any other quote.
    """
    quote = Literal[quote_choices(window)]  # type: ignore[valid-type]
    owner = Literal[(*people, "unknown")] if people else str  # type: ignore[valid-type]
    decision = create_model("ModelDecision", decision=(str, Field(min_length=3, max_length=160)), quote=(quote, ...))
    action = create_model("ModelAction", owner=(owner, Field(max_length=60)),
                          task=(str, Field(min_length=3, max_length=160)), due=(str, Field(max_length=40)),
                          quote=(quote, ...))
    return create_model("WindowReading", summary=(str, Field(min_length=20, max_length=300)),
                        decisions=(list[decision], Field(max_length=3)), actions=(list[action], Field(max_length=4)))


def system_prompt(people: tuple[str, ...]) -> str:
    """The instructions, naming the people who may own actions."""
    return prompts.load("admin_minutes_system").format(people=", ".join(people) or "the speakers")


def user_prompt(transcript: Transcript, window: Window) -> str:
    """The window's lines inside ``<transcript>`` tags, as data after the instructions."""
    return prompts.load("admin_minutes_user").format(first=window.first, last=window.last,
                                                     transcript=transcript.render(window.lines))


def window_budget(model: ChatModel, people: tuple[str, ...]) -> int:
    """How many transcript tokens fit in one window: the context less instructions, schema and answer."""
    context = model.info.context_size if model.info else 4096
    instructions = system_prompt(people) + prompts.load("admin_minutes_user")
    overhead = model.count_tokens(instructions) + 300  # schema grammar + chat template
    return max(64, context - overhead - ANSWER_TOKENS)


def read_window(model: ChatModel, transcript: Transcript, window: Window, index: int, people: tuple[str, ...],
                meeting: dt.date | None) -> tuple[str, list[Item], list[Rejected]]:
    """(summary, verified items, rejected items) for one window."""
    schema = reading_schema(window, people)
    answer = model.json(user_prompt(transcript, window), schema, system=system_prompt(people),
                        max_tokens=ANSWER_TOKENS, repeat_penalty=REPEAT_PENALTY).model_dump()
    items: list[Item] = []
    rejected: list[Rejected] = []
    for found in answer.get("decisions", []):
        text, quote = found["decision"].strip(), found["quote"].strip()
        linked = link_quote(quote, window.lines)
        if linked is None or not text or not supported(text, quote):
            rejected.append(Rejected("decision", text, quote, _why(quote, text), index))
            continue
        items.append(Item("decision", text.rstrip("."), linked[0], linked[1], MODEL, sources={"text": MODEL}))
    for found in answer.get("actions", []):
        task, quote = _LABEL.sub("", found["task"].strip()), found["quote"].strip()
        linked = link_quote(quote, window.lines)
        if linked is None or not task or not supported(task, quote):
            rejected.append(Rejected("action", task, quote, _why(quote, task), index))
            continue
        numbers, words = linked
        said = " ".join(transcript.line(n).text for n in numbers)
        due, due_source = due_date(said, meeting), RULE
        model_due = found["due"].strip()
        if due is None and model_due and grounding.check_evidence(model_due, said).ok:
            due, due_source = due_date(model_due, meeting), MODEL  # a date the model read, not one it made up
        said_owner = found["owner"].strip()
        owner = canonical(said_owner if said_owner and said_owner != "unknown" else None, people)
        notes: tuple[str, ...] = ()
        if owner is not None and not _named_in(owner, [transcript.line(n) for n in numbers]):
            notes, owner = (f"the model named {owner!r} as owner, but the quoted lines neither name nor come from "
                            "them",), None
        elif owner is not None and owner not in people and " and " not in owner:
            notes = (f"the owner {owner!r} is not in the attendee list",)
        sources = {"task": MODEL, "owner": MODEL if owner else "none", "due": due_source if due else "none"}
        items.append(Item("action", task.rstrip("."), numbers, words, MODEL, owner=owner,
                          due=due.date if due else None, due_text=due.text if due else (found["due"].strip() or None),
                          sources=sources, notes=notes))
    return answer.get("summary", "").strip(), items, rejected


_LABEL = re.compile(r"^(?:action|task)\s*:\s*", re.IGNORECASE)  # "action: Imran to ..." -> "Imran to ..."


def _named_in(owner: str, lines: list) -> bool:
    """Whether the quoted lines name the owner (any part of the name) or were spoken by them."""
    parts = {p.casefold() for p in re.findall(r"[A-Za-z'-]{2,}", owner)}
    for line in lines:
        if line.speaker and {p.casefold() for p in re.findall(r"[A-Za-z'-]{2,}", line.speaker)} & parts:
            return True
        if {w.casefold() for w in re.findall(r"[A-Za-z'-]{2,}", line.text)} & parts:
            return True
    return False


def supported(text: str, quote: str) -> bool:
    """Whether the item's words share a content word (4+ letters) with its quote: a check that it says
    something the quoted line says, not that it is right."""
    return bool(content_words(text) & content_words(quote))


def _why(quote: str, text: str) -> str:
    if not text:
        return "the model gave no text for it"
    if not quote:
        return "the model gave no quote from the transcript"
    if not supported(text, quote):
        return "its words share nothing with the line it quotes"
    return ("its quote is not evidence in the transcript lines the model read (not word for word, cuts a word, "
            "or holds no content word)")
