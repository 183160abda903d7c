"""`rise-conformance rules`: the rule catalogue as text, each rule with where it stands and its checks."""

from __future__ import annotations

from collections.abc import Mapping

from conformance.engine.results import Basis, Check, Rule


def catalogue_text(rules: Mapping[str, Rule], checks: Mapping[str, list[Check]]) -> str:
    """Every rule: ID, basis, where in openapi.yaml, the statement, and the checks that test it."""
    documented = sum(rule.basis is Basis.DOCUMENTED for rule in rules.values())
    untested = [rule_id for rule_id in rules if not checks.get(rule_id)]
    lines = [
        f"{len(rules)} rules in openapi.yaml: {documented} documented by Rise, "
        f"{len(rules) - documented} assumptions of this contract; {len(untested)} without a check.",
    ]
    for rule in rules.values():
        tested_by = ", ".join(f"{check.name} ({check.part.value})" for check in checks.get(rule.id, []))
        lines += [
            "",
            f"{rule.id}  {rule.basis.value}  {rule.where}",
            f"  {rule.statement}",
            f"  checks: {tested_by or 'none yet'}",
        ]
    return "\n".join(lines) + "\n"
