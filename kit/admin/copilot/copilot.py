"""The advisor copilot: a client's question, redacted, answered from the knowledge base, queued for approval.

    store = knowledge_base("datasets/admin/kb")
    copilot = Copilot(model, store, ApprovalQueue("copilot.sqlite"), advisor="amy")
    draft = copilot.ask("Mrs Okafor (07700 900123) asks when her bin is collected")
    copilot.answers()   # the advisor's items; answers appear once a supervisor approves, re-personalised

Personal data in the question is replaced by placeholders before retrieval and before the model sees it
(unless ``KIT_REDACT=off``); the queue on disk holds only the redacted question and draft. The way back is
kept in this Copilot's memory, so only the advisor who asked sees the answer with the client's details.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.admin.copilot.queue import AdvisorItem, ApprovalQueue
from kit.admin.errors import EmptyQuestionError, KnowledgeBaseError
from kit.errors import InputError, PromptError
from kit.redaction import Session, enabled

ESCALATE = "No approved guidance found for this question: ask the duty supervisor."


@dataclass(frozen=True)
class CopilotDraft:
    """What ``ask`` did: the queued item, the redacted question the model saw, and the grounded answer."""

    item_id: int
    redacted_question: str
    redacted_types: tuple[str, ...]
    answer: Any  # kit.docs.GroundedAnswer (placeholders, not personal data)
    draft: str  # the text queued for the supervisor

    @property
    def grounded(self) -> bool:
        """Whether every quote in the draft was found verbatim in its cited article."""
        return bool(self.answer.grounded)


def knowledge_base(folder: str | Path, *, index_dir: str | Path | None = None):
    """The knowledge base in ``folder`` as a searchable ``kit.docs`` store; an empty folder says what to add."""
    from kit.docs import ingest

    folder = Path(folder)
    if not folder.is_dir():
        raise KnowledgeBaseError(f"No knowledge-base folder at {folder}. Point the copilot at a folder of "
                                 ".md, .txt, .docx or .pdf articles.")
    try:
        return ingest(folder, index_dir=index_dir)
    except InputError as exc:
        raise KnowledgeBaseError(f"The knowledge base at {folder} has no readable articles ({exc}). Add .md, "
                                 ".txt, .docx or .pdf articles, then try again.") from None


def format_draft(answer: Any) -> str:
    """The draft a supervisor reviews: the answer, then each quote with the article section it comes from."""
    lines = [answer.text.strip()]
    if answer.quotes:
        lines += ["", "Quotes:"]
        lines += [f'- "{q.text}" ({q.section_id})' + ("" if q.found else " NOT FOUND in the article")
                  for q in answer.quotes]
    if not answer.grounded:
        lines += ["", f"Escalated, not answered: {answer.reason}"]
    return "\n".join(lines)


def check_question(question: Any) -> str:
    """The question stripped; empty or non-text questions raise a message saying what to type."""
    if not isinstance(question, str):
        raise PromptError(f"The question must be text, not {type(question).__name__}.")
    if not question.strip():
        raise EmptyQuestionError("The question is empty. Type the client's question, e.g. 'How do I apply for "
                                 "a Blue Badge?'.")
    return question.strip()


class Copilot:
    """One advisor's copilot session: asks go to the approval queue; answers come back once approved."""

    def __init__(self, model: Any, store: Any, queue: ApprovalQueue, *, advisor: str, k: int = 4,
                 min_coverage: float | None = None, max_tokens: int = 256):
        """``min_coverage``: the retrieval gate's threshold (kit.docs.gate; None: its MIN_COVERAGE)."""
        self.model, self.store, self.queue, self.advisor = model, store, queue, advisor
        self.k, self.min_coverage, self.max_tokens = k, min_coverage, max_tokens
        self._session = Session()  # the way back from placeholders: memory only

    def __repr__(self) -> str:
        return f"Copilot(advisor={self.advisor!r}, queue={self.queue!r})"

    def ask(self, question: str) -> CopilotDraft:
        """Redact the question, draft a grounded answer with citations, and queue it for a supervisor."""
        from kit.docs import answer

        question = check_question(question)
        if enabled():
            redacted = self._session.redact(question)
            text, types = redacted.text, redacted.types
        else:
            text, types = question, ()
        grounded = answer(self.model, text, self.store, k=self.k, min_coverage=self.min_coverage,
                          max_tokens=self.max_tokens, escalate=ESCALATE)
        draft = format_draft(grounded)
        item = self.queue.submit(text, draft, advisor=self.advisor,
                                 sources=[c.section_id for c in grounded.citations], grounded=grounded.grounded)
        return CopilotDraft(item.id, text, types, grounded, draft)

    def restore(self, text: str | None) -> str | None:
        """Put this session's client details back into a text from the queue."""
        return None if text is None else self._session.restore(text)

    def answers(self) -> list[AdvisorItem]:
        """This advisor's items, newest first, with the client's details put back: answers only once approved."""
        return [self._personal(item) for item in self.queue.for_advisor(self.advisor)]

    def answer_for(self, item_id: int) -> AdvisorItem:
        """One of this advisor's items as the advisor sees it (re-personalised)."""
        item = self.queue.advisor_item(item_id)
        return self._personal(item)

    def _personal(self, item: AdvisorItem) -> AdvisorItem:
        return AdvisorItem(item.id, self.restore(item.question), item.status, self.restore(item.answer),
                           item.sources, self.restore(item.comment))
