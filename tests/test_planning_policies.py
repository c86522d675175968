"""Policy checks: the synthetic local plan loads, rules fire on the records they should and cite their evidence,
and bad rule files are refused with the file, the rule and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

import kit.planning as planning
from kit import grounding
from kit.errors import InputError
from kit.planning import Evidence, PlanningRecord, check, load_policies

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "datasets" / "planning" / "policies"


@pytest.fixture(scope="module")
def plan():
    return load_policies(POLICIES)


def _record(description: str, **values) -> PlanningRecord:
    """A record whose evidence for each given field is a verbatim span of the description."""
    quotes = values.pop("quotes", {})
    evidence = {}
    for field, quote in quotes.items():
        span = grounding.locate(quote, description)
        evidence[field] = [Evidence(field=field, text=span.text, start=span.start, end=span.end, source="description")]
    return PlanningRecord(description=description, evidence=evidence, **values)


def _ids(findings) -> list[str]:
    return [f.rule_id for f in findings]


def test_the_kit_plan_is_synthetic_and_every_rule_cites_a_paragraph(plan):
    assert plan.synthetic and len(plan) >= 10
    assert "fictional" in plan.plans[0].lower()
    for rule in plan:
        assert rule.paragraph and rule.policy.startswith("Policy ") and rule.message and rule.test
    assert "synthetic" in (POLICIES / "README.md").read_text(encoding="utf-8").lower()


def test_ten_dwellings_need_an_affordable_housing_statement_citing_the_count(plan):
    text = "Erection of 12 dwellings with associated access"
    findings = check(_record(text, works=["new dwellings"], dwellings=12, quotes={"dwellings": "12 dwellings"}), plan)
    assert _ids(findings) == ["H1-affordable-housing"]
    finding = findings[0]
    assert finding.paragraph.startswith("Development that provides 10 or more")
    assert finding.policy == "Policy H1, paragraph 5.3"
    assert "12 net new dwellings" in finding.message
    assert [(e.text, e.field) for e in finding.evidence] == [("12 dwellings", "dwellings")]
    assert text[finding.evidence[0].start:finding.evidence[0].end] == "12 dwellings"
    assert _ids(check(_record("Erection of 9 dwellings", dwellings=9), plan)) == []
    assert _ids(check(_record("Erection of 30 dwellings", dwellings=30), plan)) == [
        "H1-affordable-housing", "T2-transport-assessment"]


def test_registered_building_works_need_consent_unless_this_is_the_consent(plan):
    text = "Replacement windows to registered building (RB no 169)"
    works = {"works": ["replacement windows/doors", "registered building works"], "registered_building_number": "169",
             "quotes": {"registered_building_number": "RB no 169", "works": "registered building"}}
    findings = check(_record(text, application_type="GB", **works), plan)
    assert _ids(findings) == ["RB1-registered-building-consent"]
    assert "number 169" in findings[0].message
    assert {e.text for e in findings[0].evidence} == {"RB no 169", "registered building"}
    assert _ids(check(_record(text, application_type="CON", **works), plan)) == []
    assert _ids(check(_record(text, application_type=None, **works), plan)) == ["RB1-registered-building-consent"]


def test_storeys_over_the_limit_only_in_the_named_settlements(plan):
    def ids(storeys, settlement):
        return _ids(check(_record("Erection of a building", storeys=storeys, settlement=settlement), plan))

    assert ids(4, "Peel") == ["D3-height-historic-towns"]
    assert ids(4, "peel") == ["D3-height-historic-towns"]  # text comparisons ignore case
    assert ids(3, "Castletown") == []
    assert ids(4, "Douglas") == []
    assert ids(9, "Douglas") == ["D4-height-douglas"]
    assert ids(6, None) == []  # an unknown settlement cannot put the rule in scope


def test_retrospective_gives_an_enforcement_note_and_related_references_are_named(plan):
    record = _record("Retrospective installation of decking (amends PA 16/00125/B)", retrospective=True,
                     related_references=["16/00125/B"], quotes={"retrospective": "Retrospective",
                                                                "related_references": "PA 16/00125/B"})
    findings = {f.rule_id: f for f in check(record, plan)}
    assert set(findings) == {"E1-retrospective", "G2-earlier-permissions"}
    assert findings["E1-retrospective"].severity == "note"
    assert "enforcement" in findings["E1-retrospective"].message
    assert "16/00125/B" in findings["G2-earlier-permissions"].message
    assert [e.text for e in findings["E1-retrospective"].evidence] == ["Retrospective"]


def test_findings_are_frozen(plan):
    finding = check(_record("Erection of 12 dwellings", dwellings=12), plan)[0]
    with pytest.raises(Exception):
        finding.message = "changed"


def test_a_field_the_record_does_not_know_is_false_except_for_absence(tmp_path):
    path = tmp_path / "ops.yaml"
    path.write_text("""rules:
  - id: no-postcode
    title: t
    policy: Policy X
    paragraph: p
    test:
      - {field: postcode, op: absent}
      - {field: application_type, op: "!=", value: D}
    message: "no postcode for {reference}"
  - id: postcode
    title: t
    policy: Policy Y
    paragraph: p
    test:
      - {field: postcode, op: present}
    message: m
""", encoding="utf-8")
    rules = load_policies(path)
    assert not rules.synthetic  # the file does not say so
    findings = check(_record("Erection of a shed"), rules)
    assert _ids(findings) == ["no-postcode"]
    assert findings[0].message == "no postcode for unknown" and findings[0].evidence == []
    assert _ids(check(_record("Erection of a shed", postcode="IM1 1AA"), rules)) == ["postcode"]


def test_the_chain_from_a_real_description_through_the_parsers_to_cited_findings(plan):
    record = planning.extract(None, "Retrospective erection of a four storey building comprising 12 apartments",
                              "10 Market Street Peel Isle Of Man IM5 1AB", method="parsers")
    findings = {f.rule_id: f for f in check(record, plan)}
    assert {"H1-affordable-housing", "D3-height-historic-towns", "E1-retrospective"} <= set(findings)
    for finding in findings.values():
        assert finding.evidence, finding.rule_id
        for item in finding.evidence:
            assert grounding.is_verbatim(item.text, record.source_text(item.source))


# -- bad rule files --------------------------------------------------------------------------------
GOOD_RULE = """plan: test
synthetic: true
rules:
  - id: first
    title: First
    policy: Policy A, paragraph 1
    paragraph: text
    test:
      - {field: dwellings, op: ">=", value: 10}
    message: m
"""


def _write(tmp_path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_key_in_a_rule_names_the_file_the_rule_and_the_line(tmp_path):
    path = _write(tmp_path, GOOD_RULE + """  - id: second
    title: Second
    policy: Policy B
    paragraph: text
    test:
      - {field: storeys, op: ">", value: 3}
    mesage: typo
""")
    with pytest.raises(InputError, match=r"plan\.yaml, rule 'second', line 17: unknown key 'mesage'.*message"):
        load_policies(path)


def test_an_unknown_record_field_names_the_file_the_rule_and_the_line(tmp_path):
    path = _write(tmp_path, GOOD_RULE.replace("field: dwellings", "field: dwelings"))
    with pytest.raises(planning.PolicyError, match=r"plan\.yaml, rule 'first', line 9: unknown field 'dwelings'.*"
                                                   r"dwellings, storeys"):
        load_policies(path)


def test_bad_yaml_names_the_file_the_rule_nearest_and_the_line(tmp_path):
    path = _write(tmp_path, GOOD_RULE + """  - id: broken
    title: "unclosed
    policy: Policy B
""")
    with pytest.raises(InputError, match=r"plan\.yaml, rule 'broken', line \d+: not valid YAML"):
        load_policies(path)


@pytest.mark.parametrize(("old", "new", "why"), [
    ('op: ">="', "op: about", r"unknown operator 'about'"),
    ("field: dwellings", "field: settlement", r"'>=' compares numbers"),
    ('{field: dwellings, op: ">=", value: 10}', "{field: works, op: contains, value: flats}",
     r"'flats' is not in the works vocabulary"),
    ('{field: dwellings, op: ">=", value: 10}', "{field: settlement, op: in, value: Peel}", "needs a list value"),
    ("message: m", 'message: "{dwelings} homes"', r"\{dwelings\}, which is not a record field"),
    ("message: m", "message: m\n    severity: urgent", "severity 'urgent'"),
    ("    message: m\n", "", "'message' is missing"),
])
def test_each_kind_of_bad_rule_is_refused_with_its_line(tmp_path, old, new, why):
    path = _write(tmp_path, GOOD_RULE.replace(old, new))
    with pytest.raises(InputError, match=r"plan\.yaml, rule 'first', line \d+: .*" + why):
        load_policies(path)


def test_duplicate_ids_across_files_and_empty_or_missing_folders_are_refused(tmp_path):
    _write(tmp_path, GOOD_RULE, "a.yaml")
    _write(tmp_path, GOOD_RULE, "b.yaml")
    with pytest.raises(InputError, match=r"b\.yaml, rule 'first', line 4: the id is already used .*a\.yaml line 4"):
        load_policies(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="No policy files"):
        load_policies(empty)
    with pytest.raises(InputError, match="No policy file or folder"):
        load_policies(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="'rules:' list"):
        load_policies(_write(tmp_path, "plan: x\n", "c.yml"))

