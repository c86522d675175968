"""Policy checks: a local plan's rules as YAML data (load), applied to a PlanningRecord (rules.check)."""

from __future__ import annotations

from kit.planning.policies.load import load_policies
from kit.planning.policies.rules import Finding, Policies, PolicyError, check

__all__ = ["Finding", "Policies", "PolicyError", "check", "load_policies"]
