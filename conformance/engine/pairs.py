"""Which profile pairs each check of a batched run may write to, so that writes sent together do not cross.

A run sends every check's writes before it reads the reports once, so two checks on one pair would judge
each other's writes. The planner hands out pairs: accepted imports go to a pair of the course kind they
need, never shared within a round (a check that finds none free runs in the next round); refused writes
go to a pair the round sends no accepted import to, so that "nothing changed" can be read off the
report; what is left goes to the Schemathesis phase. Spare users (`spare_users` in the profile) are only
ever given to a check that needs a pair nobody was enrolled in, so that repeated runs keep that rule
testable.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from conformance.profile import Profile

if TYPE_CHECKING:
    from conformance.engine.context import Snapshot

Pair = tuple[str, str]


class PairsExhausted(Exception):
    """No pair fits the check in this round: every one it could use is held by another check. The check
    runs again in the next round, after this round's writes have been judged."""


class PairPlanner:
    def __init__(self, profile: Profile, before: Snapshot, rng: random.Random) -> None:
        self.profile = profile
        self.before = before
        self.rng = rng
        self.accepted: dict[Pair, list[str]] = {}
        """Pairs that get accepted imports, with the checks that send them."""
        self.untouched: dict[Pair, list[str]] = {}
        """Pairs that get only writes the contract rejects, with the checks that judge them unchanged."""
        self.importing: set[Pair] = set()
        """Accepted pairs whose writes include an import (the others are only enrolled, by PUT)."""
        self.kept_clear: set[Pair] = set()
        """Pairs another part of the run holds for the whole run (they never free up in a later round)."""
        self.enrolling: set[Pair] = set()
        """Pairs a check of this round enrolls (PUT) with success expected."""
        self.observers: dict[Pair, list[str]] = {}
        """Pairs read by checks that judge another check's import, with those checks."""

    # -- what the profile offers ------------------------------------------------------------------------

    def regular(self, course: str | None = None) -> list[Pair]:
        courses = [course] if course else list(self.profile.published_courses)
        return [(c, u) for u in self.profile.users for c in courses]

    def spare(self) -> list[Pair]:
        return [(c, u) for u in self.profile.spare_users for c in self.profile.published_courses]

    def enrolled_at(self, pair: Pair) -> str | None:
        """The pair's enrollment date before the run, or None when it was not enrolled (or had no date)."""
        rows = self.before.pair(*pair)
        value = rows[0].get("enrolledAt") if rows else None
        return value if isinstance(value, str) else None

    def was_enrolled(self, pair: Pair) -> bool:
        return bool(self.before.pair(*pair))

    # -- claims -----------------------------------------------------------------------------------------

    def held(self, pair: Pair) -> bool:
        return pair in self.accepted or pair in self.untouched

    def claim(self, check: str, course: str | None = None, *, imports: bool = True) -> Pair:
        """A pair no other check of this round holds, for accepted writes (imports unless `imports` is
        False: enrollments only): of `course`, or of the course with the most free pairs, an enrollment
        made before the run last (see `_plainness`). Raises `PairsExhausted` when none is free (the check
        then runs in the next round)."""
        free = [p for p in self.regular(course or self._roomiest()) if not self.held(p)]
        if not free:
            raise PairsExhausted(check)
        pair = self._pick(sorted(free, key=self._plainness), prefer_first=True)
        return self._hold(check, pair, imports)

    def _plainness(self, pair: Pair) -> tuple[bool, bool]:
        """Sort key: pairs enrolled without a date first, then unenrolled ones, then dated enrollments
        (kept for the checks that need an enrollment made before the run)."""
        return self.enrolled_at(pair) is not None, not self.was_enrolled(pair)

    def observe(self, check: str, fits: Callable[[Pair], bool]) -> Pair | None:
        """A pair another check of this round imports into that `fits`: a check that only needs to see
        an accepted import judged can read that one instead of holding a pair of its own."""
        found = next((p for p in self.accepted if p in self.importing and fits(p)), None)
        if found is not None:
            self.observers.setdefault(found, []).append(check)
        return found

    def _hold(self, check: str, pair: Pair, imports: bool) -> Pair:
        self.accepted.setdefault(pair, []).append(check)
        if imports:
            self.importing.add(pair)
        return pair

    def claim_unenrolled(self, check: str, *, imports: bool = True) -> Pair | None:
        """A pair nobody was enrolled in before the run (a spare user's only when no regular one is left);
        None when there is none at all."""
        for pool in (self.regular(), self.spare()):
            unenrolled = [p for p in pool if not self.was_enrolled(p) and p not in self.kept_clear]
            free = [p for p in unenrolled if not self.held(p)]
            if free:
                return self._hold(check, self._pick(free), imports)
            if unenrolled:
                raise PairsExhausted(check)
        return None

    def claim_enrolled(self, check: str) -> Pair | None:
        """A pair enrolled before the run, with an enrollment date; None when there is none at all."""
        dated = [p for p in self.regular() if self.enrolled_at(p)]
        if not dated:
            return None
        free = [p for p in dated if not self.held(p)]
        if not free:
            raise PairsExhausted(check)
        return self._hold(check, self._pick(free), True)

    def keep_clear(self, pairs: Iterable[Pair], holder: str) -> None:
        """Pairs another part judges unchanged: no accepted write of this round goes there."""
        for pair in pairs:
            self.untouched.setdefault(pair, []).append(holder)
            self.kept_clear.add(pair)

    def claim_untouched(self, check: str) -> Pair:
        """A pair this round sends no accepted import to, shared by the checks whose writes must all be
        refused (each write's fresh dates tell which one a change came from)."""
        if self.untouched:
            pair = min(self.untouched, key=lambda p: len(self.untouched[p]))
        else:
            free = [p for p in self.regular(self._roomiest()) if not self.held(p)]
            if not free:
                raise PairsExhausted(check)
            pair = self._pick(free)
        self.untouched.setdefault(pair, []).append(check)
        return pair

    def _roomiest(self) -> str:
        """The published course with the most pairs no check holds."""
        free = {c: sum(not self.held(p) for p in self.regular(c)) for c in self.profile.published_courses}
        most = max(free.values())
        return self.rng.choice([c for c, count in free.items() if count == most])

    def unclaimed(self) -> list[Pair]:
        """Regular pairs no check holds: the Schemathesis phase may write to these meanwhile."""
        return [p for p in self.regular() if not self.held(p)]

    def spare_runs_left(self) -> int:
        """Runs the spare users still leave for the checks that need a pair nobody was enrolled in."""
        return sum(1 for p in self.spare() if not self.was_enrolled(p) and p not in self.accepted)

    def _pick(self, pairs: Iterable[Pair], *, prefer_first: bool = False) -> Pair:
        choices = list(pairs)
        if prefer_first:
            best = self._plainness(choices[0])
            choices = [p for p in choices if self._plainness(p) == best]
        return self.rng.choice(choices)
