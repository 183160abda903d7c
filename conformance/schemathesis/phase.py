"""The Schemathesis phase: the `schemathesis` CLI (v4 has no in-process runner) over every operation of
the contract, configured for a contract test, with its progress streamed and its NDJSON events read back
(each failing check with its case and exchange, so that a finding can be traced to a rule)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.engine.client import mask
from conformance.engine.results import Check, Part
from conformance.engine.settings import SCHEMA_PHASES
from conformance.environment import (
    BUDGET_ENV,
    BUDGET_SPENT_LINE,
    KEY_ENV,
    LEDGER_ENV,
    PAIRS_ENV,
    PROFILE_ENV,
    RATE_ENV,
    REPORT_TIMEOUT_ENV,
)
from conformance.errors import SchemathesisError
from conformance.profile import Profile
from conformance.schemathesis.findings import SchemaFinding, read_events
from mock_server.model.contract import CONTRACT_PATH

_CHECKS = {
    "not_a_server_error": ("No request, valid or not, gets a 5xx.", ("responses.no-server-error",)),
    "status_code_conformance": (
        "Every status answered is one the contract lists for the operation.",
        ("responses.declared", "errors.statuses"),
    ),
    "content_type_conformance": (
        "Every response's Content-Type is one the contract declares.",
        ("responses.declared", "errors.envelope"),
    ),
    "response_schema_conformance": (
        "Every response body matches the contract's schema for its status.",
        ("responses.declared", "errors.envelope"),
    ),
    "response_headers_conformance": (
        "Declared response headers are present and match their schema.",
        ("version.on-every-response",),
    ),
    "negative_data_rejection": (
        "Requests that break the contract are rejected with a 4xx.",
        (
            "validation.invalid-request",
            "import.fields-required",
            "import.unknown-fields-rejected",
            "dates.forms",
            "users.email-not-empty",
            "lists.limit-outside-rejected",
            "lists.cursor-opaque",
            "version.others-rejected",
        ),
    ),
    "positive_data_acceptance": (
        "Requests the contract allows are not rejected as invalid.",
        ("import.accepted", "version.default", "lists.limit"),
    ),
    "missing_required_header": (
        "Requests missing a required header are rejected.",
        ("validation.invalid-request",),
    ),
    "unsupported_method": (
        "Methods the contract does not declare get 405 with an Allow header.",
        ("protocol.method-not-allowed",),
    ),
    "ignored_auth": ("Requests without a valid key get 401.", ("auth.bearer", "auth.unauthorized")),
    "import_row_matches_report": (
        "After every accepted import the pair's report row shows it, as the contract says.",
        (
            "import.shows-in-reports",
            "import.row-complete",
            "import.one-record-per-pair",
            "report.duration",
            "report.duration-form",
            "report.enrolled-at",
            "report.completed-at",
            "import.quiz-score",
            "report.quiz-passed",
            "import.no-third-party-score",
            "report.quiz-null-otherwise",
        ),
    ),
}
SCHEMA_CHECKS: tuple[Check, ...] = tuple(
    Check(name, Part.SCHEMA, rules, summary=summary) for name, (summary, rules) in _CHECKS.items()
)
"""The Schemathesis checks a run applies, each with the rules it stands for."""
CHECKS = tuple(_CHECKS)
UNEXPECTED_METHODS = ("PATCH", "OPTIONS", "TRACE")
"""Methods the coverage phase may try where the contract has none: never DELETE."""
HOOKS_MODULE = "conformance.schemathesis.hooks"
INTERRUPTED = 130
"""Schemathesis' exit status when it stops on an interrupt (Ctrl-C, or the hook at the budget)."""


@dataclass(frozen=True)
class SchemaSettings:
    base_url: str
    api_key: str | None
    profile: Profile
    max_examples: int
    seed: int
    rate: float | None
    report_timeout: float
    pairs: tuple[tuple[str, str], ...] = ()
    """The only pairs positive writes may go to (empty: every published profile pair)."""
    budget: int | None = None
    """Requests Schemathesis may send (None: no cap)."""
    phases: tuple[str, ...] = SCHEMA_PHASES
    deferred: bool = False
    """Record accepted writes in a ledger instead of polling after each import (rise-conformance judges
    them in its one report wait)."""
    contract: Path = CONTRACT_PATH


@dataclass(frozen=True)
class SchemaOutcome:
    findings: tuple[SchemaFinding, ...]
    operations: tuple[str, ...]
    summary: str
    cases: int = 0
    ledger: tuple[dict[str, Any], ...] = ()
    """Accepted writes (imports and enrollments) in the order sent, when deferred."""
    budget_spent: bool = False
    interrupted: bool = False


def config_text() -> str:
    """The Schemathesis configuration rise-conformance runs with (the key comes from the environment).

    Every check of `SCHEMA_CHECKS` is enabled by name, this project's `import_row_matches_report` too:
    `[checks] enabled = false` alone would leave it off with the built-ins.
    """
    checks = "\n".join(f"{name}.enabled = true" for name in CHECKS)
    methods = ", ".join(f'"{m}"' for m in UNEXPECTED_METHODS)
    return (
        f'hooks = "{HOOKS_MODULE}"\n'
        "continue-on-failure = true\n"
        'rate-limit = "auto"\n'
        f'headers = {{ Authorization = "Bearer ${{{KEY_ENV}}}" }}\n\n'
        "[checks]\nenabled = false\n" + checks + "\n\n"
        f"[phases.coverage]\nunexpected-methods = [{methods}]\n"
    )


def command(settings: SchemaSettings, config: Path, events: Path) -> list[str]:
    """The Schemathesis command line; every random choice flows from the seed and nothing from earlier
    runs (no example database), so the same seed against the same state sends the same requests."""
    return [
        sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(config),
        "run", str(settings.contract),
        "--url", settings.base_url,
        "--phases", ",".join(settings.phases),
        "--max-examples", str(settings.max_examples),
        "--seed", str(settings.seed),
        "--generation-database", "none",
        "--workers", "1",
        "--report", "ndjson", "--report-ndjson-path", str(events),
    ]  # fmt: skip


def run_schema_phase(settings: SchemaSettings, on_line: Callable[[str], None]) -> SchemaOutcome:
    """Run Schemathesis against the target; every output line goes to `on_line` with the key masked."""
    with tempfile.TemporaryDirectory(prefix="rise-conformance-") as scratch:
        folder = Path(scratch)
        config, events, profile = (
            folder / "schemathesis.toml",
            folder / "events.ndjson",
            folder / "profile.yaml",
        )
        config.write_text(config_text(), encoding="utf-8")
        profile.write_text(yaml.safe_dump(_profile_document(settings.profile)), encoding="utf-8")
        env = dict(os.environ, **{KEY_ENV: settings.api_key or "", PROFILE_ENV: str(profile)})
        env[RATE_ENV] = str(settings.rate) if settings.rate else ""
        env[REPORT_TIMEOUT_ENV] = f"{settings.report_timeout:g}"
        # String hashing is salted per process; Schemathesis iterates sets of strings, so the salt too
        # must come from the seed for a seed to replay the same requests.
        env["PYTHONHASHSEED"] = str(settings.seed % 4294967296)
        env[PAIRS_ENV] = ",".join(f"{course}/{user}" for course, user in settings.pairs)
        env[BUDGET_ENV] = "" if settings.budget is None else str(settings.budget)
        ledger = folder / "ledger.ndjson"
        env[LEDGER_ENV] = str(ledger) if settings.deferred else ""
        lines = list(_stream(command(settings, config, events), env, settings.api_key, on_line))
        if not events.exists():
            tail = "\n".join(lines[-15:])
            raise SchemathesisError(f"Schemathesis stopped without a report:\n{tail}")
        with events.open(encoding="utf-8") as stream:
            read = read_events(stream, settings.api_key)
        writes = _ledger(ledger)
    summary = next(
        (line.strip("= ") for line in reversed(lines) if line.startswith("=") and " in " in line), ""
    )
    spent = BUDGET_SPENT_LINE in lines
    interrupted = not spent and any(line.startswith("=") and "Interrupted" in line for line in lines)
    return SchemaOutcome(read.findings, read.operations, summary, read.cases, writes, spent, interrupted)


def _ledger(path: Path) -> tuple[dict[str, Any], ...]:
    if not path.exists():
        return ()
    return tuple(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def _stream(
    argv: list[str], env: dict[str, str], secret: str | None, on_line: Callable[[str], None]
) -> Iterator[str]:
    try:
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as error:
        raise SchemathesisError(
            f"cannot start Schemathesis ({error}); reinstall with pip install -e ."
        ) from None
    assert process.stdout is not None
    with process:
        try:
            for raw in process.stdout:
                line = mask(raw.rstrip("\n"), secret)
                on_line(line)
                yield line
        except KeyboardInterrupt:
            _stop(process)
            raise
    if process.returncode not in (0, 1, INTERRUPTED):
        on_line(f"Schemathesis exited with status {process.returncode}")


def _profile_document(profile: Profile) -> dict[str, object]:
    courses = {"quiz": profile.quiz, "no_quiz": profile.no_quiz, "third_party": profile.third_party}
    if profile.unpublished:
        courses["unpublished"] = profile.unpublished
    document: dict[str, object] = {"courses": courses, "users": list(profile.users)}
    if profile.spare_users:
        document["spare_users"] = list(profile.spare_users)
    return document


def _stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C: let Schemathesis stop as it does on an interrupt (it writes its events), then end it."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
