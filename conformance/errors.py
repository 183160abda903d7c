"""The one exception family of the conformance tester.

    ConformanceError            anything that stops a run before it can judge the target (exit 2)
    ├── ProfileError            the profile file is missing or malformed
    ├── TargetError             the target cannot be reached, refuses the key, or lacks a profile ID
    └── SchemathesisError       the Schemathesis phase could not run (not: a check failed)

A check that fails is not an exception of this family: it is a `CheckFailed` (see `engine/results.py`).
"""

from __future__ import annotations


class ConformanceError(Exception):
    """A problem with the set-up of a run, not with the target's conformance."""


class ProfileError(ConformanceError):
    """The profile names what the suite may touch; without a valid one nothing runs."""


class TargetError(ConformanceError):
    """The target is unreachable, refuses the API key, or does not hold what the profile names."""


class SchemathesisError(ConformanceError):
    """Schemathesis itself failed to run (bad configuration, missing executable)."""
