"""The rule catalogue: every x-rules entry of openapi.yaml, where it stands, and the checks that test it."""

from __future__ import annotations

import pytest

from conformance.cli import main
from conformance.engine.catalogue import broken_rule, checks_by_rule, finding_outcome, load_rules, rule
from conformance.engine.results import Basis, Check, Outcome, Part
from conformance.engine.runner import all_checks
from conformance.reporting.catalogue import catalogue_text
from mock_server.model.contract import CONTRACT_PATH, load_contract

RULES_AWAITING_A_CHECK: frozenset[str] = frozenset()
"""Rules no check tests yet, named on purpose: the protocol and differential work adds their checks.
The list only shrinks: a rule listed here that a check now tests fails the test until it is removed."""


def _untested() -> set[str]:
    return {rule_id for rule_id, checks in checks_by_rule(all_checks()).items() if not checks}


def test_every_rule_has_a_check_except_the_named_allowance() -> None:
    untested = _untested()
    assert untested <= RULES_AWAITING_A_CHECK, (
        f"rules without a check: {sorted(untested - RULES_AWAITING_A_CHECK)}"
    )


def test_the_allowance_lists_only_rules_still_untested() -> None:
    tested_now = RULES_AWAITING_A_CHECK - _untested()
    assert not tested_now, (
        f"these rules have checks now: remove them from RULES_AWAITING_A_CHECK: {sorted(tested_now)}"
    )
    assert set(load_rules()) >= RULES_AWAITING_A_CHECK, (
        "the allowance names a rule the contract does not have"
    )


def test_every_rule_a_check_names_is_in_the_catalogue() -> None:
    known = set(load_rules())
    unknown = {
        (check.name, rule_id) for check in all_checks() for rule_id in check.rules if rule_id not in known
    }
    assert not unknown


def test_check_names_are_unique() -> None:
    names = [check.name for check in all_checks()]
    assert len(names) == len(set(names))


def test_a_rule_knows_the_line_and_node_it_stands_on() -> None:
    found = rule("users.email-not-empty")
    lines = CONTRACT_PATH.read_text(encoding="utf-8").splitlines()
    assert "id: users.email-not-empty" in lines[found.line - 1]
    assert found.pointer == "/paths/~1users/get/parameters/2"
    assert found.basis is Basis.ASSUMPTION and found.keywords == ("minLength",)
    assert "minLength 1" in found.statement and found.where.startswith(f"openapi.yaml:{found.line} ")


def test_catalogue_holds_every_rule_of_the_contract_once() -> None:
    def walk(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [entry["id"] for entry in node.get("x-rules", [])]
            return own + [
                rule_id for key, value in node.items() if key != "x-rules" for rule_id in walk(value)
            ]
        return [rule_id for item in node for rule_id in walk(item)] if isinstance(node, list) else []

    assert list(load_rules()) == walk(load_contract())


def _check(*rules: str) -> Check:
    return Check("probe", Part.SEMANTIC, rules)


def test_a_finding_breaks_the_rule_it_names_and_is_drift_on_an_assumption() -> None:
    found = broken_rule(_check("import.accepted", "users.email-not-empty"), "users.email-not-empty")
    assert found.id == "users.email-not-empty" and finding_outcome(found) is Outcome.DRIFT


def test_an_unnamed_finding_is_conservatively_a_failure() -> None:
    found = broken_rule(_check("users.email-not-empty", "import.accepted"), None)
    assert found.id == "import.accepted" and finding_outcome(found) is Outcome.FAILURE
    only = broken_rule(_check("users.email-not-empty"), None)
    assert only.id == "users.email-not-empty"


def test_an_unknown_rule_id_is_refused_naming_it() -> None:
    with pytest.raises(KeyError, match=r"no rule 'users\.nope'"):
        rule("users.nope")


def test_rules_command_prints_each_rule_with_where_basis_statement_and_checks(capsys) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    found = rule("import.one-record-per-pair")
    assert f"import.one-record-per-pair  documented  openapi.yaml:{found.line} " in out
    assert found.statement in out
    block = out.split("import.one-record-per-pair  ", 1)[1].split("\n\n", 1)[0]
    assert "upsert_keeps_one_record (semantic)" in block and "import_row_matches_report (schema)" in block
    assert f"{len(load_rules())} rules in openapi.yaml" in out
    assert "body_over_limit_is_413 (protocol)" in out.split("protocol.body-limit  ", 1)[1].split("\n\n", 1)[0]
    untested = catalogue_text(load_rules(), {})
    assert "checks: none yet" in untested.split("protocol.body-limit  ", 1)[1].split("\n\n", 1)[0]
    assert f"; {len(load_rules())} without a check." in untested
