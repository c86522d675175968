"""Reading a local plan's rules from YAML: every file, rule and condition validated, errors naming file, rule, line."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import yaml

from kit.planning.policies.rules import (
    CONDITION_KEYS, FIELDS, LIST_FIELDS, NO_VALUE_OPS, NUMBER_FIELDS, NUMERIC_OPS, OPERATORS, REQUIRED_KEYS, RULE_KEYS,
    SEVERITIES, Condition, Policies, PolicyError, Rule,
)
from kit.planning.record import WORKS

FILE_KEYS = {"plan", "synthetic", "licence", "rules"}


def load_policies(folder_or_file: str | Path) -> Policies:
    """Read and validate the rules in a YAML file, or every ``*.yaml``/``*.yml`` file in a folder.

    Raises:
        PolicyError: bad YAML, an unknown key, field or operator, or a missing key, naming the file,
            the rule and the line; a rule id used twice; a folder with no rule files.
    """
    path = Path(folder_or_file)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise PolicyError(f"No policy files (*.yaml) in {path}. Put the local plan's rules there, "
                              "one or more YAML files with a 'rules:' list.")
    elif path.is_file():
        files = [path]
    else:
        raise PolicyError(f"No policy file or folder at {path}. Point load_policies at a YAML file or a folder of them "
                          "(the kit's example: datasets/planning/policies).")
    rules: list[Rule] = []
    plans: list[str] = []
    synthetic = True
    seen: dict[str, Rule] = {}
    for file in files:
        plan, is_synthetic, file_rules = _read_file(file)
        plans.append(plan)
        synthetic = synthetic and is_synthetic
        for rule in file_rules:
            if rule.id in seen:
                first = seen[rule.id]
                raise PolicyError(f"{file.name}, rule {rule.id!r}, line {rule.line}: the id is already used by the "
                                  f"rule at {Path(first.source).name} line {first.line}. Give each rule its own id.")
            seen[rule.id] = rule
            rules.append(rule)
    return Policies(tuple(rules), tuple(plans), tuple(str(f) for f in files), synthetic)


# -- reading and validation ------------------------------------------------------------------------
class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings remember the line (1-based) of each key."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = _Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.lines = {loader.construct_object(k): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


class _Located(dict):
    """A mapping from YAML that knows its own line and each key's line."""

    line: int = 0
    lines: dict = {}


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_file(file: Path) -> tuple[str, bool, list[Rule]]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{file.name}: cannot be read as UTF-8 text ({exc}).") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 0
        rule = _rule_near(text, line)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{file.name}, rule {rule}, line {line}: not valid YAML ({problem}). Check the indentation "
                          "and quoting there; text with a colon needs quotes.") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise PolicyError(f"{file.name}, line 1: a policy file is a mapping with a 'rules:' list "
                          "(and optionally 'plan:', 'synthetic:', 'licence:').")
    unknown = sorted(set(data) - FILE_KEYS)
    if unknown:
        raise PolicyError(f"{file.name}, line {data.lines[unknown[0]]}: unknown key {unknown[0]!r} at the top level. "
                          f"Allowed: {', '.join(sorted(FILE_KEYS))}.")
    rules = [_read_rule(file, i, raw) for i, raw in enumerate(data["rules"], start=1)]
    return str(data.get("plan", file.stem)), bool(data.get("synthetic", False)), rules


def _read_rule(file: Path, number: int, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise PolicyError(f"{file.name}, rule number {number}: each rule is a mapping with the keys "
                          f"{', '.join(REQUIRED_KEYS)}.")
    rule_id = str(raw.get("id") or f"number {number}")
    where = f"{file.name}, rule {rule_id!r}"

    def fail(key: str | None, why: str, line: int | None = None) -> PolicyError:
        at = line or (raw.lines.get(key) if key else None) or raw.line
        return PolicyError(f"{where}, line {at}: {why}")

    for key in raw:
        if key not in RULE_KEYS:
            raise fail(key, f"unknown key {key!r}. A rule's keys are: {', '.join(sorted(RULE_KEYS))}.")
    for key in REQUIRED_KEYS:
        if not str(raw.get(key) or "").strip():
            raise fail(None, f"the key {key!r} is missing or empty.")
    severity = str(raw.get("severity", "requirement"))
    if severity not in SEVERITIES:
        raise fail("severity", f"severity {severity!r} is not one of {', '.join(SEVERITIES)}.")
    match = str(raw.get("match", "all"))
    if match not in ("all", "any"):
        raise fail("match", f"match {match!r} must be 'all' or 'any'.")
    applies = _read_conditions(raw.get("applies_when") or [], "applies_when", fail)
    test = _read_conditions(raw.get("test"), "test", fail)
    if not test:
        raise fail("test", "the test needs at least one condition.")
    message = str(raw["message"]).strip()
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise fail("message", f"the message has a broken {{placeholder}} ({exc}).") from None
    for name in sorted(names):
        if name not in FIELDS:
            raise fail("message", f"the message names {{{name}}}, which is not a record field. "
                                  f"Fields: {', '.join(FIELDS)}.")
    return Rule(id=rule_id, title=str(raw["title"]).strip(), policy=str(raw["policy"]).strip(),
                paragraph=" ".join(str(raw["paragraph"]).split()), applies_when=applies, test=test, match=match,
                message=message, severity=severity, source=str(file), line=raw.line)


def _read_conditions(raw: Any, key: str, fail) -> tuple[Condition, ...]:
    if not isinstance(raw, list):
        raise fail(key, f"{key!r} is a list of conditions, each {{field: ..., op: ..., value: ...}}.")
    conditions = []
    for item in raw:
        line = getattr(item, "line", None)
        if not isinstance(item, dict):
            raise fail(key, f"each condition in {key!r} is a mapping {{field: ..., op: ..., value: ...}}, "
                            f"not {item!r}.")
        for name in item:
            if name not in CONDITION_KEYS:
                raise fail(None, f"unknown key {name!r} in a condition of {key!r}; use field, op and value.",
                           item.lines.get(name, line))
        field, op, value = item.get("field"), str(item.get("op", "")), item.get("value")
        at = item.lines.get("field", line)
        if field not in FIELDS:
            raise fail(None, f"unknown field {field!r} in {key!r}. Record fields a rule can test: "
                             f"{', '.join(FIELDS)}.", at)
        if op not in OPERATORS:
            raise fail(None, f"unknown operator {op!r}. Operators: {', '.join(OPERATORS)}.", item.lines.get("op", at))
        _check_value(field, op, value, lambda why, _at=at: fail(None, why, _at))
        conditions.append(Condition(field, op, value))
    return tuple(conditions)


def _check_value(field: str, op: str, value: Any, fail) -> None:
    if op in NO_VALUE_OPS:
        if value is not None:
            raise fail(f"the operator {op!r} takes no value; remove 'value'.")
        return
    if value is None:
        raise fail(f"the operator {op!r} needs a value.")
    if op in NUMERIC_OPS and (field not in NUMBER_FIELDS or isinstance(value, bool)
                              or not isinstance(value, (int, float))):
        raise fail(f"{op!r} compares numbers: use it on {' or '.join(NUMBER_FIELDS)} with a number, "
                   f"not {field} with {value!r}.")
    if op in ("in", "not in", "contains any") and not isinstance(value, list):
        raise fail(f"the operator {op!r} needs a list value, e.g. [Peel, Castletown].")
    if op.startswith("contains") and field not in LIST_FIELDS:
        raise fail(f"{op!r} tests a list field ({', '.join(LIST_FIELDS)}); {field} is not one.")
    if field == "works" and op.startswith("contains"):
        for item in value if isinstance(value, list) else [value]:
            if item not in WORKS:
                raise fail(f"{item!r} is not in the works vocabulary: {', '.join(WORKS)}.")


def _rule_near(text: str, line: int) -> str:
    """The id of the last rule that starts at or before ``line`` (for YAML syntax errors), else 'unknown'."""
    found = "(before the first rule)"
    for i, row in enumerate(text.splitlines()[:max(line, 1)], start=1):
        match = re.match(r"\s*-?\s*id:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(#.*)?$", row)
        if match and i <= line:
            found = repr(match.group(1).strip())
    return found
