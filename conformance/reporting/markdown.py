"""The readable report: a Markdown file with the verdict, every check with its rules and what it observed,
and for each finding the rule it breaks and the requests and responses that show it."""

from __future__ import annotations

from pathlib import Path

from conformance.engine.client import mask
from conformance.engine.results import Outcome, Part, Result, RunReport
from conformance.reporting.verdict import drift_lines, headline

_TITLES = {
    Part.ENROLLMENT: "Enrollment: PUT and its effect on the reports",
    Part.REPORTS: "Reports: what an import shows, date forms, rows that agree",
    Part.LISTS: "Lists: pages, limits, nextUrl, the email filter",
    Part.SEMANTIC: "Semantic checks (one documented rule each)",
    Part.OBSERVED: "Observed: what the Rise documentation leaves open (answers recorded; failed only where "
    "the contract promises)",
    Part.PROTOCOL: "Protocol promises",
    Part.DIFFERENTIAL: "Differential phase (the model's prediction against the target)",
    Part.SCHEMA: "Schema checks (Schemathesis)",
}
_MARK = {Outcome.FAILURE: "**FAILED**", Outcome.DRIFT: "**DRIFT**"}


def markdown_report(report: RunReport) -> str:
    """The run as Markdown, with the API key masked."""
    settings = report.settings
    verdict = headline(report).replace("NOT", "**not**")
    lines = [
        "# rise-conformance report",
        "",
        f"Target `{settings.base_url}` {verdict}. Seed {report.seed}, {report.seconds:.1f} s"
        + (", dry run (no writes made)" if settings.dry_run else "")
        + ".",
    ]
    lines += ["", f"{report.requests} requests sent."]
    if settings.command:
        lines += [
            "",
            "Replay this run (the same seed against the same starting state sends the same requests):",
        ]
        lines += ["", "```sh", settings.command, "```"]
    if report.notes:
        lines += ["", "## What the verdict rests on", ""] + [f"- {note}" for note in report.notes]
    if report.schema_summary:
        lines += ["", f"Schemathesis: {report.schema_summary}."]
    if settings.baseline is not None:
        lines += ["", "## Since the baseline", ""]
        lines += [
            f"- {c.kind}: `{c.check}`"
            + (f" (`{c.rule}`)" if c.rule else "")
            + f": was {c.before}, now {c.now}"
            for c in report.changes
        ] or ["Nothing changed."]
    for part in Part:
        results = [r for r in report.results if r.part is part]
        if results:
            lines += [
                "",
                f"## {_TITLES[part]}",
                "",
                "| check | rule | rule IDs | result | observed |",
                "|---|---|---|---|---|",
            ]
            lines += [_row(r) for r in results]
    planned = report.of(Outcome.PLANNED)
    if planned:
        lines += ["", "## Writes the run would make (none were sent)"]
        for result in planned:
            lines += ["", f"### {result.name}", "", result.observed, "", "```", *result.writes, "```"]
    drifts = drift_lines(report)
    if drifts:
        lines += [
            "",
            "## Drift: decisions of this contract the target does not share",
            "",
            "Each row is a rule marked `x-assumption` in openapi.yaml: a difference from what this contract"
            " decided where Rise documents nothing, not a broken documented fact."
            + (" `--allow-drift` lists them without failing the run." if settings.allow_drift else ""),
            "",
            "| rule | the contract decided | the target did | check |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{d.rule}` ({d.where}) | {_cell(d.decided)} | {_cell(d.target_did)} | `{d.check}` |"
            for d in drifts
        ]
    findings = [r for r in report.results if r.is_finding]
    if findings:
        lines += ["", "## Failures and drift, with the requests and responses that show them"]
        for result in findings:
            lines += _finding(result)
    return mask("\n".join(lines) + "\n", settings.api_key)


def write_markdown(report: RunReport, path: Path) -> Path:
    path.write_text(markdown_report(report), encoding="utf-8")
    return path


def _row(result: Result) -> str:
    mark = _MARK.get(result.outcome, result.outcome.value)
    rules = ", ".join(f"`{rule}`" for rule in result.check.rules)
    observed = f"skipped: {result.observed}" if result.outcome is Outcome.SKIP else result.observed
    cells = (f"`{result.name}`", _cell(result.check.description), rules, mark, _cell(observed))
    return "| " + " | ".join(cells) + " |"


def _finding(result: Result) -> list[str]:
    lines = ["", f"### {result.name}", "", result.check.description, ""]
    rule = result.rule
    if rule is not None:
        kind = "a documented fact" if rule.basis.value == "documented" else "a decision of this contract"
        lines += [f"{result.outcome.value}: rule `{rule.id}` ({kind}, {rule.where}): {rule.statement}", ""]
    else:
        lines += ["failure: not traced to a rule of the contract, so it counts as a failure.", ""]
    lines += ["```", f"expected: {result.expected}", f"observed: {result.observed}", "```"]
    for detail in result.details:
        lines += ["", "```", detail, "```"]
    for exchange in result.exchanges:
        lines += ["", "```http", exchange.describe(), "```"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
