"""Reading Schemathesis' NDJSON event stream back: every failing check with its case (the generation
metadata that says which constraint a negative case breaks) and the exchange that shows it."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.engine.client import Exchange, mask

_OPERATION = re.compile(r"^[A-Z]+ /")


@dataclass(frozen=True)
class SchemaFinding:
    """One failing Schemathesis check on one case."""

    check: str
    operation: str
    code: str
    title: str
    message: str
    case: dict[str, Any]
    exchange: Exchange | None

    @property
    def status(self) -> int | None:
        return self.exchange.status if self.exchange else None

    def evidence(self) -> dict[str, Any]:
        """What the classifier reads: operation, message, case, and the response's status and JSON body."""
        body = self.exchange.json() if self.exchange else None
        return {
            "operation": self.operation,
            "message": self.message,
            "case": self.case,
            "status": self.status,
            "body": body,
        }

    def describe(self) -> str:
        return f"{self.operation} ({self.code}) {self.title}:\n{self.message}"


@dataclass(frozen=True)
class SchemaEvents:
    findings: tuple[SchemaFinding, ...]
    operations: tuple[str, ...]
    cases: int
    """Test cases Schemathesis sent."""


def read_events(lines: Iterable[str], secret: str | None) -> SchemaEvents:
    """The findings of an NDJSON event stream, each unique (check, operation, message) once."""
    findings: dict[tuple[str, str, str], SchemaFinding] = {}
    operations: set[str] = set()
    cases = 0
    for line in lines:
        if not line.strip():
            continue
        event = json.loads(line)
        kind, data = next(iter(event.items()))
        if kind == "ScenarioFinished":
            recorder = data.get("recorder") or {}
            label = str(recorder.get("label", ""))
            if _OPERATION.match(label):
                operations.add(label)
            cases += len(recorder.get("cases") or {})
            for finding in _scenario_findings(recorder, secret):
                findings.setdefault((finding.check, finding.operation, finding.message), finding)
        elif kind == "NonFatalError":
            message = mask(json.dumps(data)[:2000], secret)
            finding = SchemaFinding(
                "schemathesis_error", str(data.get("label", "?")), "error", "error", message, {}, None
            )
            findings.setdefault((finding.check, finding.operation, message), finding)
    return SchemaEvents(tuple(findings.values()), tuple(sorted(operations)), cases)


def _scenario_findings(recorder: dict[str, Any], secret: str | None) -> list[SchemaFinding]:
    found = []
    for case_id, checks in (recorder.get("checks") or {}).items():
        for result in checks:
            if result.get("status") not in ("failure", "error"):
                continue
            failure = (result.get("failure_info") or {}).get("failure") or {}
            case = ((recorder.get("cases") or {}).get(case_id) or {}).get("value") or {}
            interaction = (recorder.get("interactions") or {}).get(case_id)
            operation = failure.get("operation") or f"{case.get('method', '?')} {case.get('path', '?')}"
            message = failure.get("message") or f"the check {result.get('name')} raised an error on this case"
            found.append(
                SchemaFinding(
                    check=str(result.get("name")),
                    operation=str(operation),
                    code=str(failure.get("code") or result.get("status")),
                    title=str(failure.get("title") or result.get("status")),
                    message=mask(str(message), secret),
                    case=case,
                    exchange=_exchange(interaction, secret) if interaction else None,
                )
            )
    return found


def _exchange(interaction: dict[str, Any], secret: str | None) -> Exchange:
    request, response = interaction.get("request") or {}, interaction.get("response") or {}
    body = _text(request.get("body"))
    return Exchange(
        method=str(request.get("method", "?")),
        url=mask(str(request.get("uri", "?")), secret),
        request_headers={k: mask(", ".join(v), secret) for k, v in (request.get("headers") or {}).items()},
        request_body=None if body is None else mask(body, secret),
        status=int(response.get("status_code") or 0),
        response_headers={k: mask(", ".join(v), secret) for k, v in (response.get("headers") or {}).items()},
        response_body=mask(_text(response.get("content")) or "", secret),
        seconds=float(response.get("elapsed") or 0.0),
    )


def _text(payload: Any) -> str | None:
    """A VCR-style body: `{"$base64": ...}` or `{"string": ...}`, as text."""
    if not isinstance(payload, dict):
        return None
    if "$base64" in payload:
        return base64.b64decode(payload["$base64"]).decode("utf-8", "replace")
    if "string" in payload:
        return str(payload["string"])
    return None
