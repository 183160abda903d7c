"""The JUnit XML consumer: one test case per check, grouped by part; failures carry request and response."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from conformance.engine.client import mask
from conformance.engine.results import Outcome, Part, Result, RunReport


def junit_xml(report: RunReport) -> str:
    """The run as JUnit XML text, with the API key masked."""
    secret = report.settings.api_key
    suites = ElementTree.Element("testsuites", name="rise-conformance", time=f"{report.seconds:.3f}")
    failing = {id(result) for result in report.failed}
    for part in Part:
        results = [r for r in report.results if r.part is part]
        if results:
            suites.append(_suite(part, results, failing, secret))
    ElementTree.indent(suites)
    return mask(ElementTree.tostring(suites, encoding="unicode", xml_declaration=True), secret) + "\n"


def write_junit(report: RunReport, path: Path) -> Path:
    path.write_text(junit_xml(report), encoding="utf-8")
    return path


def _suite(part: Part, results: list[Result], failing: set[int], secret: str | None) -> ElementTree.Element:
    suite = ElementTree.Element(
        "testsuite",
        name=f"rise-conformance.{part.value}",
        tests=str(len(results)),
        failures=str(sum(id(r) in failing for r in results)),
        skipped=str(sum(r.outcome in (Outcome.SKIP, Outcome.PLANNED) for r in results)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"rise-conformance.{part.value}",
            name=result.name,
            time=f"{result.seconds:.3f}",
        )
        if id(result) in failing:
            message = f"expected {result.expected}; observed {result.observed}"
            failure = ElementTree.SubElement(
                case, "failure", message=mask(message, secret), type=result.outcome.value
            )
            failure.text = mask(_details(result), secret)
        elif result.outcome in (Outcome.SKIP, Outcome.PLANNED):
            ElementTree.SubElement(case, "skipped", message=mask(result.observed, secret))
        else:
            ElementTree.SubElement(case, "system-out").text = mask(_details(result), secret)
    return suite


def _details(result: Result) -> str:
    parts = [result.check.description, f"rules: {', '.join(result.check.rules)}"]
    if result.rule is not None:
        parts.append(f"breaks {result.rule.id} ({result.rule.basis.value}): {result.rule.statement}")
    if result.expected:
        parts.append(f"expected: {result.expected}")
    parts.append(f"observed: {result.observed}")
    parts += list(result.writes) + list(result.details)
    parts += [exchange.describe() for exchange in result.exchanges]
    return "\n\n".join(parts)
