"""report.json: every result of a run in machine form, for CI and for `--baseline` in a later run."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from conformance.engine.baseline import REPORT_VERSION
from conformance.engine.client import mask
from conformance.engine.results import Outcome, RunReport


def report_document(report: RunReport) -> dict[str, Any]:
    settings = report.settings
    return {
        "version": REPORT_VERSION,
        "target": settings.base_url,
        "seed": report.seed,
        "command": settings.command,
        "seconds": round(report.seconds, 3),
        "requests": report.requests,
        "conforms": report.conforms,
        "allowDrift": settings.allow_drift,
        "interrupted": report.interrupted,
        "counts": {outcome.value: len(report.of(outcome)) for outcome in Outcome},
        "notes": list(report.notes),
        "changes": [asdict(change) for change in report.changes],
        "results": [result.to_dict() for result in report.results],
    }


def write_json(report: RunReport, path: Path) -> Path:
    text = json.dumps(report_document(report), indent=2, ensure_ascii=False)
    path.write_text(mask(text, report.settings.api_key) + "\n", encoding="utf-8")
    return path
