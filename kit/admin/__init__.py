"""Admin assistants, one subpackage per tool: an advisor copilot whose drafts a supervisor approves, meeting
minutes, correspondence triage.

    from kit.admin import ApprovalQueue, Copilot, knowledge_base
    from kit.admin.minutes import minutes
    from kit.admin.triage import triage, triage_frame
"""

from __future__ import annotations

from kit.admin.copilot import (AdvisorItem, ApprovalQueue, Copilot, CopilotDraft, Item, Supervisor, Transition,
                               knowledge_base)

__all__ = ["AdvisorItem", "ApprovalQueue", "Copilot", "CopilotDraft", "Item", "Supervisor", "Transition",
           "knowledge_base"]
