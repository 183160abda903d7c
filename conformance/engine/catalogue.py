"""The rule catalogue: every `x-rules` entry of openapi.yaml as a `Rule`, with where it stands.

The contract is the one place a rule is stated; checks name rules by ID and findings carry the `Rule`
they break, so a report can say whether a difference is a broken documented fact or a decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import yaml

from conformance.engine.results import Basis, Check, Outcome, Rule
from mock_server.model.contract import CONTRACT_PATH, YAML_DUMPER, YAML_LOADER


class CatalogueError(ValueError):
    """The contract's x-rules are malformed (a missing field, an unknown basis, an ID given twice)."""


@cache
def load_rules(path: Path = CONTRACT_PATH) -> Mapping[str, Rule]:
    """Every rule of the contract by ID, in document order."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    rules: dict[str, Rule] = {}
    for pointer, node in _nodes(root, ""):
        for entry in _rules_of(node):
            rule = _rule(entry, pointer, path)
            if rule.id in rules:
                raise CatalogueError(
                    f"{path}:{rule.line}: rule ID {rule.id!r} is given twice; IDs are unique"
                )
            rules[rule.id] = rule
    return rules


def rule(rule_id: str) -> Rule:
    """The rule with this ID; a KeyError names the ID and where the catalogue comes from."""
    try:
        return load_rules()[rule_id]
    except KeyError:
        raise KeyError(
            f"no rule {rule_id!r} in {CONTRACT_PATH.name} x-rules; name an existing rule ID"
        ) from None


def checks_by_rule(checks: tuple[Check, ...]) -> dict[str, list[Check]]:
    """For every rule of the catalogue, the checks that test it (empty when none does)."""
    found: dict[str, list[Check]] = {rule_id: [] for rule_id in load_rules()}
    for check in checks:
        for rule_id in check.rules:
            found.setdefault(rule_id, []).append(check)
    return found


def _nodes(node: yaml.Node, pointer: str) -> Iterator[tuple[str, yaml.MappingNode]]:
    """Every mapping node below `node` with its JSON pointer (aliases are visited where they stand)."""
    if isinstance(node, yaml.MappingNode):
        yield pointer, node
        for key, value in node.value:
            yield from _nodes(value, f"{pointer}/{_escape(str(key.value))}")
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _nodes(item, f"{pointer}/{index}")


def _rules_of(node: yaml.MappingNode) -> list[yaml.Node]:
    for key, value in node.value:
        if key.value == "x-rules":
            if not isinstance(value, yaml.SequenceNode):
                raise CatalogueError(f"line {key.start_mark.line + 1}: x-rules must be a list of rules")
            return list(value.value)
    return []


def _rule(entry: yaml.Node, pointer: str, path: Path) -> Rule:
    line = entry.start_mark.line + 1
    data = yaml.load(yaml.serialize(entry, Dumper=YAML_DUMPER), Loader=YAML_LOADER)
    if not isinstance(data, dict) or not {"id", "basis", "statement"} <= set(data):
        raise CatalogueError(f"{path}:{line}: a rule needs id, basis and statement, got {data!r}")
    try:
        basis = Basis(data["basis"])
    except ValueError:
        raise CatalogueError(
            f"{path}:{line}: rule {data['id']!r} has basis {data['basis']!r}; use documented or assumption"
        ) from None
    statement = " ".join(str(data["statement"]).split())
    return Rule(str(data["id"]), basis, statement, pointer, line, tuple(data.get("keywords") or ()))


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def broken_rule(check: Check, named: str | None) -> Rule:
    """The rule a finding of `check` breaks: the one it names, else the check's only rule, else
    (conservatively) the check's first documented rule, so that an unclassified finding is a failure."""
    if named is not None:
        return rule(named)
    rules = [rule(rule_id) for rule_id in check.rules]
    if len(rules) == 1:
        return rules[0]
    return next((r for r in rules if r.basis is Basis.DOCUMENTED), rules[0])


def finding_outcome(found: Rule) -> Outcome:
    """A broken documented fact is a failure; a difference on a decision of the contract is drift."""
    return Outcome.DRIFT if found.basis is Basis.ASSUMPTION else Outcome.FAILURE
