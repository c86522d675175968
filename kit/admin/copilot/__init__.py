"""The advisor copilot: questions answered from a knowledge base, redacted, and approved by a supervisor first."""

from __future__ import annotations

from kit.admin.copilot.copilot import Copilot, CopilotDraft, knowledge_base
from kit.admin.copilot.queue import AdvisorItem, ApprovalQueue, Item, Supervisor, Transition

__all__ = ["AdvisorItem", "ApprovalQueue", "Copilot", "CopilotDraft", "Item", "Supervisor", "Transition",
           "knowledge_base"]
