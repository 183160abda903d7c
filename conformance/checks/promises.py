"""What the promise checks (the protocol and behaviour parts) share.

- `promise(*rule_ids)` tags a check function with the `x-rules` IDs of `openapi.yaml` it tests, and
  `as_check` makes it a `Check` of a part.
- `RuleBroken` is the failure of one of them: a `CheckFailed` that names the rule it breaks.
- `Probe` is a request sent on purpose (any method, headers, raw body, key variant); `send` passes the
  ones that may write through the --dry-run gate and keeps key variants out of the evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from conformance.engine.catalogue import load_rules
from conformance.engine.catalogue import rule as catalogue_rule
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext, DryRun
from conformance.engine.results import Check, CheckFailed, Part, Rule
from mock_server.model.contract import ERROR_STATUS

CheckFunction = Callable[[CheckContext], str]
STATUS_RULES = {
    "course_not_found": "errors.not-found-status",
    "user_not_found": "errors.not-found-status",
    "course_not_published": "errors.not-published-status",
}
"""The rule that gives an error code its status, where the contract names one; otherwise errors.statuses."""
_READS = frozenset({"GET", "HEAD"})
_SHOWN_BODY = 300


def contract_rules() -> Mapping[str, Rule]:
    """Every rule the contract declares, by ID: the catalogue (`conformance.engine.catalogue`)."""
    return load_rules()


def contract_rule(rule_id: str) -> Rule:
    return catalogue_rule(rule_id)


def rule_bases() -> dict[str, str]:
    return {rule_id: rule.basis.value for rule_id, rule in contract_rules().items()}


def rule_ids() -> frozenset[str]:
    return frozenset(contract_rules())


class RuleBroken(CheckFailed):
    """The target broke `rule` (an x-rules ID): `expected` is what it promises, `observed` what came."""

    def __init__(self, rule: str, expected: str, observed: str, exchanges: Sequence[Exchange] = ()) -> None:
        super().__init__(expected, observed, list(exchanges), rule=rule)


def promise(*rules: str) -> Callable[[CheckFunction], CheckFunction]:
    """Tag a check function with the rule IDs it tests; an ID the contract does not declare is a
    programming error. `as_check` then makes it a `Check` of a part."""
    unknown = sorted(set(rules) - rule_ids())
    if unknown or not rules:
        raise ValueError(
            f"a promise check names the rules it tests, from openapi.yaml x-rules; got {unknown}"
        )

    def tag(function: CheckFunction) -> CheckFunction:
        function.rules = rules  # type: ignore[attr-defined]
        return function

    return tag


def as_check(function: CheckFunction, part: Part) -> Check:
    """A tagged function (or bound method) as a `Check` of `part`, named after the function."""
    return Check(function.__name__, part, tuple(function.rules), function)  # type: ignore[attr-defined]


# -- probes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request sent on purpose. `token` as for `RiseClient.request` ("" the run's key, None none);
    `shown` replaces the Authorization header in the evidence when it is derived from the key."""

    method: str
    path: str
    body: str | bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    token: str | None = ""
    shown: str | None = None

    @property
    def may_write(self) -> bool:
        return self.method.upper() not in _READS

    def describe(self) -> str:
        """The request in one line, for --dry-run listings."""
        headers = [f"{name}: {value}" for name, value in self.headers if name.lower() != "authorization"]
        if self.shown is not None:
            headers.append(f"Authorization: {self.shown}")
        elif self.token is None and not any(name.lower() == "authorization" for name, _ in self.headers):
            headers.append("(no key)")
        body = self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body
        if body is not None and len(body) > _SHOWN_BODY:
            body = f"{body.strip()[:_SHOWN_BODY]}... ({len(body.encode())} bytes)"
        return " ".join([self.method, self.path, *(f"[{h}]" for h in headers), *([body] if body else [])])


def send(ctx: CheckContext, probes: Sequence[Probe]) -> list[Exchange]:
    """Send the probes in order; under --dry-run a check that would write stops and lists its writes."""
    if ctx.dry_run and any(probe.may_write for probe in probes):
        raise DryRun([probe for probe in probes if probe.may_write])  # type: ignore[list-item]
    return [_send_one(ctx, probe) for probe in probes]


def _send_one(ctx: CheckContext, probe: Probe) -> Exchange:
    exchange = ctx.client.request(
        probe.method, probe.path, content=probe.body, headers=dict(probe.headers), token=probe.token
    )
    if probe.shown is None:
        return exchange
    headers = {k: v for k, v in exchange.request_headers.items() if k.lower() != "authorization"}
    shown = replace(exchange, request_headers={**headers, "Authorization": probe.shown})
    ctx.client.exchanges[-1] = shown
    return shown


def read(ctx: CheckContext, path: str, **headers: str) -> Exchange:
    """A GET with the run's key (reads are never gated)."""
    return ctx.client.get(path, headers=headers or None)


# -- judging answers -----------------------------------------------------------------------------------


def answer(exchange: Exchange) -> str:
    """An answer in a few words: status, error code, content type."""
    kind = exchange.response_headers.get("content-type", "no Content-Type")
    code = exchange.error_code
    return f"HTTP {exchange.status}" + (f" {code}" if code else "") + f" ({kind})"


def expect_code(exchange: Exchange, code: str, rule: str, what: str) -> None:
    """The answer is `code` with the status the contract gives it. A wrong code breaks `rule`; the right
    code with another status breaks the rule that fixes the status (a decision of this contract)."""
    status = ERROR_STATUS[code]
    if exchange.error_code == code and exchange.status == status:
        return
    if exchange.error_code == code:
        status_rule = STATUS_RULES.get(code, "errors.statuses")
        raise RuleBroken(status_rule, f"{what}: HTTP {status} {code}", answer(exchange), [exchange])
    raise RuleBroken(rule, f"{what}: HTTP {status} {code}", answer(exchange), [exchange])


def expect_status(exchange: Exchange, status: int, rule: str, what: str) -> None:
    if exchange.status != status:
        raise RuleBroken(rule, f"{what}: HTTP {status}", answer(exchange), [exchange])


def is_json(exchange: Exchange) -> bool:
    """The answer is declared application/json (parameters such as charset allowed)."""
    media = exchange.response_headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json"
