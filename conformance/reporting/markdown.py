"""The readable report: a Markdown file with the verdict, every check with its rule and evidence, the
observed answers to the open questions, and for each failure the requests and responses that show it."""

from __future__ import annotations

from pathlib import Path

from conformance.engine.client import mask
from conformance.engine.results import CheckResult, Kind, Outcome
from conformance.engine.runner import RunReport

_TITLES = {
    Kind.SEMANTIC: "Semantic checks (one documented rule each)",
    Kind.OBSERVED: "Observed: the open questions of the API reference, section 3",
    Kind.SCHEMA: "Schema checks (Schemathesis)",
    Kind.DIFFERENTIAL: "Differential: random sequences judged against the model",
}


def markdown_report(report: RunReport) -> str:
    """The run as Markdown, with the API key masked."""
    settings = report.settings
    verdict = (
        "conforms" if report.conforms else f"does **not** conform ({len(report.failed)} check(s) failed)"
    )
    lines = [
        "# rise-conformance report",
        "",
        f"Target `{settings.base_url}` {verdict}. Seed {report.seed}, {report.seconds:.1f} s"
        + (", dry run (no writes made)" if settings.dry_run else "")
        + ".",
    ]
    if report.schema_summary:
        lines += ["", f"Schemathesis: {report.schema_summary}."]
    for kind in Kind:
        results = [r for r in report.results if r.kind is kind]
        if results:
            lines += [
                "",
                f"## {_TITLES[kind]}",
                "",
                "| check | rule | result | evidence |",
                "|---|---|---|---|",
            ]
            lines += [_row(r) for r in results]
    planned = [r for r in report.results if r.outcome is Outcome.PLANNED]
    if planned:
        lines += ["", "## Writes the run would make (none were sent)"]
        for result in planned:
            lines += ["", f"### {result.name}", "", "```", result.evidence, "```"]
    failures = report.failed
    if failures:
        lines += ["", "## Failures, with the requests and responses that show them"]
        for result in failures:
            lines += ["", f"### {result.name}", "", result.description, "", "```", result.evidence, "```"]
            for exchange in result.exchanges:
                lines += ["", "```http", exchange.describe(), "```"]
    return mask("\n".join(lines) + "\n", settings.api_key)


def write_markdown(report: RunReport, path: Path) -> Path:
    path.write_text(markdown_report(report), encoding="utf-8")
    return path


def _row(result: CheckResult) -> str:
    evidence = result.evidence.splitlines()[0] if result.evidence else ""
    mark = "**FAILED**" if result.outcome is Outcome.FAILED else result.outcome.value
    return f"| `{result.name}` | {_cell(result.description)} | {mark} | {_cell(evidence)} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
