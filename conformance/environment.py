"""The environment variables rise-conformance and its Schemathesis hooks read, each named once."""

KEY_ENV = "RISE_API_KEY"
"""The target's API key, when --api-key is not given (and for plain `schemathesis run`)."""
PROFILE_ENV = "RISE_CONFORMANCE_PROFILE"
"""A profile file for the Schemathesis hooks (default: the mock's demo tenant)."""
RATE_ENV = "RISE_CONFORMANCE_RATE"
"""Requests per second for the Schemathesis hooks (unset: no pacing beyond Retry-After)."""
REPORT_TIMEOUT_ENV = "RISE_REPORT_TIMEOUT"
"""Seconds the hooks wait for a report to show an import (default: DEFAULT_REPORT_TIMEOUT, 300)."""
PAIRS_ENV = "RISE_CONFORMANCE_PAIRS"
"""`course/user,...`: the only pairs positive Schemathesis writes may go to (set by rise-conformance so that
they stay clear of the pairs its named checks judge)."""
LEDGER_ENV = "RISE_CONFORMANCE_LEDGER"
"""A file the hooks append each accepted import to, instead of polling after it (set by rise-conformance,
which judges them all in its one report wait)."""
BUDGET_ENV = "RISE_CONFORMANCE_BUDGET"
"""Requests the Schemathesis phase may still send (set by rise-conformance from --budget)."""
