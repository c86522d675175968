"""Admin assistants: an advisor copilot whose drafts a supervisor approves, on a shared approval queue.

    from kit.admin import ApprovalQueue, Copilot, knowledge_base
"""

from __future__ import annotations

from kit.admin.copilot import Copilot, CopilotDraft, knowledge_base
from kit.admin.queue import AdvisorItem, ApprovalQueue, Item, Supervisor, Transition

__all__ = ["AdvisorItem", "ApprovalQueue", "Copilot", "CopilotDraft", "Item", "Supervisor", "Transition",
           "knowledge_base"]
