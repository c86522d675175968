"""Admin assistants: an advisor copilot whose drafts a supervisor approves, meeting minutes, correspondence triage.

    from kit.admin import ApprovalQueue, Copilot, knowledge_base
    from kit.admin.minutes import minutes          # the submodules keep their own names
    from kit.admin.triage import triage
    from kit.admin.triage_batch import triage_frame
"""

from __future__ import annotations

from kit.admin.copilot import Copilot, CopilotDraft, knowledge_base
from kit.admin.queue import AdvisorItem, ApprovalQueue, Item, Supervisor, Transition

__all__ = ["AdvisorItem", "ApprovalQueue", "Copilot", "CopilotDraft", "Item", "Supervisor", "Transition",
           "knowledge_base"]
