"""Running the differential phase in-process against an ASGI app, with small defaults for tests."""

from __future__ import annotations

from typing import Any

from conformance.checks.differential import DifferentialOutcome, DifferentialSettings, run_differential
from conformance.engine.client import RiseClient
from conformance.engine.inprocess import AppTransport
from conformance.profile import load_profile

BASE_URL = "http://127.0.0.1:8080"


def client_of(app: Any) -> RiseClient:
    """A client whose requests go straight to `app` (loopback URL, so unpaced)."""
    return RiseClient(BASE_URL, "rise-mock-key", transport=AppTransport(app))


SHRINKING = {"shrink_examples": 10, "shrink_replays": 10}


def run_phase(app: Any, **options: Any) -> DifferentialOutcome:
    """The differential phase against `app` in-process, with the demo profile and small defaults: a test
    that judges how far a failure shrinks asks for more shrinking (`SHRINKING`)."""
    chosen = {
        "examples": 6,
        "steps": 12,
        "seed": 1,
        "report_timeout": 0.3,
        "shrink_examples": 4,
        "shrink_replays": 4,
        **options,
    }
    with client_of(app) as client:
        return run_differential(client, load_profile(), DifferentialSettings(**chosen))
