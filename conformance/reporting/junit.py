"""The JUnit XML consumer: one test case per check, grouped by kind; failures carry request and response."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from conformance.engine.client import mask
from conformance.engine.results import CheckResult, Kind, Outcome
from conformance.engine.runner import RunReport


def junit_xml(report: RunReport) -> str:
    """The run as JUnit XML text, with the API key masked."""
    secret = report.settings.api_key
    suites = ElementTree.Element("testsuites", name="rise-conformance", time=f"{report.seconds:.3f}")
    for kind in Kind:
        results = [r for r in report.results if r.kind is kind]
        if results:
            suites.append(_suite(kind, results, secret))
    ElementTree.indent(suites)
    return mask(ElementTree.tostring(suites, encoding="unicode", xml_declaration=True), secret) + "\n"


def write_junit(report: RunReport, path: Path) -> Path:
    path.write_text(junit_xml(report), encoding="utf-8")
    return path


def _suite(kind: Kind, results: list[CheckResult], secret: str | None) -> ElementTree.Element:
    suite = ElementTree.Element(
        "testsuite",
        name=f"rise-conformance.{kind.value}",
        tests=str(len(results)),
        failures=str(sum(r.outcome is Outcome.FAILED for r in results)),
        skipped=str(sum(r.outcome in (Outcome.SKIPPED, Outcome.PLANNED) for r in results)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"rise-conformance.{kind.value}",
            name=result.name,
            time=f"{result.seconds:.3f}",
        )
        if result.outcome is Outcome.FAILED:
            failure = ElementTree.SubElement(
                case, "failure", message=mask(result.evidence.splitlines()[0], secret)
            )
            failure.text = mask(_details(result), secret)
        elif result.outcome in (Outcome.SKIPPED, Outcome.PLANNED):
            ElementTree.SubElement(case, "skipped", message=mask(result.evidence, secret))
        else:
            ElementTree.SubElement(case, "system-out").text = mask(result.evidence, secret)
    return suite


def _details(result: CheckResult) -> str:
    parts = [result.description, result.evidence]
    parts += [exchange.describe() for exchange in result.exchanges]
    return "\n\n".join(parts)
