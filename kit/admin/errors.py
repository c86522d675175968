"""Errors the admin assistants raise; each says what went wrong and how to fix it."""

from __future__ import annotations

from kit.errors import InputError, KitError, PromptError


class AdminError(KitError):
    """Base class for the admin assistants' errors."""


class QueueCorruptError(InputError, AdminError):
    """An approval-queue database that cannot be read; it is left untouched, never reset."""


class QueueBusyError(AdminError):
    """The approval queue stayed locked by another user for longer than the wait allowed."""


class PassphraseError(AdminError):
    """A supervisor action with a wrong, missing or too-short passphrase (the refusal is logged)."""


class DecisionConflictError(AdminError):
    """A decision on an item that another supervisor has already decided; says who did what, and when."""

    def __init__(self, message: str, *, item_id: int, status: str, decided_by: str | None):
        self.item_id, self.status, self.decided_by = item_id, status, decided_by
        super().__init__(message)


class EmptyQuestionError(PromptError, AdminError):
    """An advisor's question with no text in it."""


class KnowledgeBaseError(InputError, AdminError):
    """A knowledge-base folder that is missing or holds no readable articles."""
