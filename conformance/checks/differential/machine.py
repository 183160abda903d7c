"""The differential state machine: Hypothesis picks a sequence of operations (every operation of the
contract, valid and invalid), the driver sends each and compares it with the model, and a failing
sequence is shrunk to the shortest one that still fails."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from conformance.checks.differential import strategies as gen
from conformance.checks.differential.driver import Driver, Phase
from conformance.checks.differential.findings import Mismatch
from conformance.checks.differential.oracle import CLEAN, Spoil
from conformance.checks.differential.state import StopPhase
from mock_server.model.contract import declared_methods

UNDECLARED = ("PATCH", "POST", "PUT")
"""Methods tried where a path lacks them; never DELETE (the suite does not send it)."""


@dataclass
class Budget:
    """Bounds the phase: after a failure only so many shrinking examples run, and none past the deadline.
    The phase records the shortest failing sequence of each rule as it goes, so stopping loses nothing."""

    shrink_examples: int
    deadline: float
    after_failure: int = 0

    def admit(self, phase: Phase) -> None:
        if phase.aborted is not None or time.monotonic() > self.deadline:
            raise StopPhase
        if phase.failed:
            self.after_failure += 1
            if self.after_failure > self.shrink_examples:
                raise StopPhase
        phase.examples += 1


def one_origin(method: Callable[..., None]) -> Callable[..., None]:
    """Re-raise a step's Mismatch from one place: Hypothesis tells failures apart by exception type and
    the line that raised it, and a rule (one Mismatch class) should be one failure wherever it was seen."""

    @functools.wraps(method)
    def step(self: Any, **arguments: Any) -> None:
        try:
            method(self, **arguments)
        except Mismatch as found:
            raise found.with_traceback(None) from None

    return step


def machine_class(phase: Phase, budget: Budget) -> type[RuleBasedStateMachine]:
    """The machine for one phase: its strategies draw the profile's IDs, the target's emails and the pairs
    enrolled at the start (read before, so the same starting state gives the same draws)."""
    profile, catalogue = phase.profile, phase.catalogue
    enrolled = phase.enrolled_at_start() or [(c, u) for c in profile.courses for u in profile.users]
    courses = gen.ids(profile.courses, "course", frozenset(catalogue.courses))
    users = gen.ids(profile.users, "user", frozenset(catalogue.users))
    unknown_course = gen.unknown_ids("course", profile.courses, frozenset(catalogue.courses))
    unknown_user = gen.unknown_ids("user", profile.users, frozenset(catalogue.users))
    refused_pairs = st.one_of(
        st.tuples(unknown_course, users),
        st.tuples(st.sampled_from(profile.courses), unknown_user),
        *(
            [st.tuples(st.just(profile.unpublished), st.one_of(unknown_user, users))]
            if profile.unpublished
            else []
        ),
    )
    emails = sorted({f.record.email for f in catalogue.users.values() if f.record.email})
    declared = declared_methods()
    undeclared = sorted(
        (path, m) for path, methods in declared.items() for m in UNDECLARED if m not in methods
    )
    spoils = gen.spoils().map(lambda pair: Spoil(*pair))

    def clean_unless(valid: bool, spoil: Spoil) -> Spoil:
        """A wrong key or version only on a request that is otherwise right, where the contract's answer
        does not hang on an order it leaves open."""
        return spoil if valid else CLEAN

    class DifferentialMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            budget.admit(phase)
            self.driver = Driver(phase)

        @rule(
            course=st.sampled_from(profile.published_courses),
            user=st.sampled_from(profile.users),
            body=gen.valid_bodies(),
            spoil=spoils,
        )
        @one_origin
        def import_completion(self, course: str, user: str, body: dict[str, str], spoil: Spoil) -> None:
            """A valid import to a profile pair: most pairs get imported more than once."""
            self.driver.import_completion(course, user, body, spoil)

        @rule(course=courses, user=users, body=gen.invalid_bodies())
        @one_origin
        def import_invalid(self, course: str, user: str, body: Any) -> None:
            """A body the contract refuses, to a profile pair or to unknown IDs (validation comes first)."""
            self.driver.import_completion(course, user, body, CLEAN)

        @rule(pair=refused_pairs, body=gen.valid_bodies(), put=st.booleans())
        @one_origin
        def write_refused(self, pair: tuple[str, str], body: dict[str, str], put: bool) -> None:
            """A write to an unknown course or user, or an unpublished course: the lookups and their order."""
            if put:
                self.driver.enroll(*pair, CLEAN)
            else:
                self.driver.import_completion(*pair, body, CLEAN)

        @rule(pair=st.sampled_from(enrolled), body=gen.valid_bodies(), put=st.booleans())
        @one_origin
        def write_enrolled(self, pair: tuple[str, str], body: dict[str, str], put: bool) -> None:
            """A write to a pair enrolled before the phase began: its enrollment and its date are kept."""
            if put:
                self.driver.enroll(*pair, CLEAN)
            elif pair[0] in profile.published_courses:
                self.driver.import_completion(*pair, body, CLEAN)
            else:
                self.driver.enroll(*pair, CLEAN)

        @rule(course=st.sampled_from(profile.courses), user=st.sampled_from(profile.users), spoil=spoils)
        @one_origin
        def enroll(self, course: str, user: str, spoil: Spoil) -> None:
            self.driver.enroll(course, user, spoil)

        @rule(kind=st.sampled_from(("course", "user")), course=courses, user=users, spoil=spoils)
        @one_origin
        def read_one(self, kind: str, course: str, user: str, spoil: Spoil) -> None:
            if kind == "course":
                self.driver.read_course(course, clean_unless(course in profile.courses, spoil))
            else:
                self.driver.read_user(user, clean_unless(user in profile.users, spoil))

        @rule(limit=gen.limits(), spoil=spoils)
        @one_origin
        def list_courses(self, limit: int | None, spoil: Spoil) -> None:
            self.driver.list_courses(limit, spoil)

        @rule(limit=gen.limits(), email=st.one_of(st.none(), gen.email_filters(emails)), spoil=spoils)
        @one_origin
        def list_users(self, limit: int | None, email: str | None, spoil: Spoil) -> None:
            self.driver.list_users(limit, email, spoil)

        @rule(course=courses, limit=gen.limits(), spoil=spoils)
        @one_origin
        def course_report(self, course: str, limit: int | None, spoil: Spoil) -> None:
            self.driver.report("course", course, limit, clean_unless(course in profile.courses, spoil))

        @rule(user=users, limit=gen.limits(), spoil=spoils)
        @one_origin
        def learner_report(self, user: str, limit: int | None, spoil: Spoil) -> None:
            self.driver.report("learner", user, limit, clean_unless(user in profile.users, spoil))

        @rule(
            where=st.sampled_from(("courses", "users", "course", "learner", "email", "method")),
            limit=gen.bad_limits(),
            course=st.sampled_from(profile.courses),
            user=st.sampled_from(profile.users),
            method=st.sampled_from(undeclared),
        )
        @one_origin
        def refused_request(
            self, where: str, limit: Any, course: str, user: str, method: tuple[str, str]
        ) -> None:
            """A parameter out of range, an empty email filter, or a method the path does not have."""
            if where == "courses":
                self.driver.list_courses(limit, CLEAN)
            elif where == "users":
                self.driver.list_users(limit, None, CLEAN)
            elif where == "email":
                self.driver.list_users(None, "", CLEAN)
            elif where == "method":
                self.driver.undeclared(method[1], method[0], course, user)
            else:
                self.driver.report(where, course if where == "course" else user, limit, CLEAN)

        @one_origin
        def teardown(self) -> None:
            driver = getattr(self, "driver", None)
            if driver is not None:
                driver.finish()

    return DifferentialMachine
