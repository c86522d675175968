"""Policy checks: a local plan's rules as YAML data, validated when loaded, applied to a PlanningRecord.

A rule names the policy paragraph it comes from, when it applies and its test (each a list of conditions
on record fields, all of which must hold; ``match: any`` makes the test pass when one does), and the
message a planning officer reads. The rule language is deliberately small: a condition is
``{field, op, value}`` with one of the operators in :data:`OPERATORS`. A condition on a field the record
does not know (None, or an empty list) is false, except ``absent``, ``!=`` and ``not in``, which are true.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from kit.errors import InputError
from kit.planning.record import Evidence, PlanningRecord

OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "in", "not in", "contains", "contains any", "present", "absent")
NUMERIC_OPS = (">", ">=", "<", "<=")
NO_VALUE_OPS = ("present", "absent")
NEGATIVE_OPS = ("!=", "not in", "absent")
SEVERITIES = ("requirement", "advice", "note")
RULE_KEYS = {"id", "title", "policy", "paragraph", "applies_when", "test", "match", "message", "severity"}
REQUIRED_KEYS = ("id", "title", "policy", "paragraph", "test", "message")
CONDITION_KEYS = {"field", "op", "value"}
# Fields a rule may test: what extraction fills in (not the free text, which a rule could only regex).
FIELDS = ("reference", "application_type", "works", "dwellings", "storeys", "retrospective", "related_references",
          "registered_building_number", "postcode", "settlement", "address")
LIST_FIELDS = ("works", "related_references")
NUMBER_FIELDS = ("dwellings", "storeys")


class PolicyError(InputError):
    """A policy file that cannot be used: bad YAML, an unknown field or operator, a missing key."""


@dataclass(frozen=True)
class Condition:
    """One test on one record field, e.g. ``dwellings >= 10``."""

    field: str
    op: str
    value: Any = None

    def holds(self, record: PlanningRecord) -> bool:
        """Whether the condition is true of ``record``."""
        have = getattr(record, self.field, None)
        known = have not in (None, "", [])
        if self.op == "present":
            return known
        if self.op == "absent":
            return not known
        if self.op in ("!=", "not in") and not known:
            return True
        if not known:
            return False
        fold = _fold
        if self.op == "==":
            return fold(have) == fold(self.value)
        if self.op == "!=":
            return fold(have) != fold(self.value)
        if self.op == "in":
            return fold(have) in {fold(v) for v in self.value}
        if self.op == "not in":
            return fold(have) not in {fold(v) for v in self.value}
        if self.op == "contains":
            return fold(self.value) in {fold(v) for v in have}
        if self.op == "contains any":
            return bool({fold(v) for v in have} & {fold(v) for v in self.value})
        compare = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}[self.op]
        return compare(float(have), float(self.value))

    def __str__(self) -> str:
        return self.field + " " + self.op + ("" if self.op in NO_VALUE_OPS else f" {self.value!r}")


@dataclass(frozen=True)
class Rule:
    """One rule of the local plan, with where it was written (file and line) for error messages."""

    id: str
    title: str
    policy: str  # the reference, e.g. "Policy H1, paragraph 5.3"
    paragraph: str  # the policy paragraph's text
    applies_when: tuple[Condition, ...]
    test: tuple[Condition, ...]
    match: str  # "all" or "any" (of the test's conditions)
    message: str
    severity: str
    source: str = ""
    line: int = 0

    @property
    def fields(self) -> tuple[str, ...]:
        """The record fields this rule reads, in order, once each."""
        return tuple(dict.fromkeys(c.field for c in (*self.applies_when, *self.test)))

    def cited_fields(self, record: PlanningRecord) -> tuple[str, ...]:
        """The fields whose evidence a finding cites: what put the rule in scope and the test conditions that held.

        Conditions that hold because something is absent (``absent``, ``!=``, ``not in``) have no text to cite.
        """
        positive = [c for c in self.applies_when if c.op not in NEGATIVE_OPS]
        held = [c for c in self.test if c.op not in NEGATIVE_OPS and c.holds(record)]
        return tuple(dict.fromkeys(c.field for c in (*positive, *held)))

    def applies(self, record: PlanningRecord) -> bool:
        """Whether the rule is in scope for ``record`` (all ``applies_when`` conditions hold)."""
        return all(c.holds(record) for c in self.applies_when)

    def fires(self, record: PlanningRecord) -> bool:
        """Whether the rule is in scope and its test holds, so a finding is due."""
        if not self.applies(record):
            return False
        results = [c.holds(record) for c in self.test]
        return any(results) if self.match == "any" else all(results)


@dataclass(frozen=True)
class Policies:
    """A loaded set of rules (a local plan), and the files they came from."""

    rules: tuple[Rule, ...]
    plans: tuple[str, ...]
    files: tuple[str, ...]
    synthetic: bool

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (a PolicyError listing the ids when there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise PolicyError(f"No rule {rule_id!r}. The rules are: {', '.join(r.id for r in self.rules)}.")


class Finding(BaseModel):
    """A rule that fired on a record: the rule, the paragraph it cites, the message and the record's evidence."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    policy: str
    paragraph: str
    message: str
    evidence: list[Evidence]
    severity: str
    fields: list[str]


def check(record: PlanningRecord, policies: Policies | Iterable[Rule]) -> list[Finding]:
    """Apply every rule to ``record``; one Finding per rule that fires, citing its paragraph and the evidence."""
    findings = []
    for rule in policies:
        if not rule.fires(record):
            continue
        cited = rule.cited_fields(record)
        evidence = [item for name in cited for item in (record.evidence or {}).get(name, [])]
        findings.append(Finding(
            rule_id=rule.id, title=rule.title, policy=rule.policy, paragraph=rule.paragraph,
            message=_render(rule.message, record), evidence=evidence, severity=rule.severity, fields=list(cited)))
    return findings


def _fold(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def _render(message: str, record: PlanningRecord) -> str:
    values = {name: _shown(getattr(record, name, None)) for name in FIELDS}
    return message.format(**values)


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "unknown"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
