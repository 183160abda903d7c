"""Reading the two reports page by page through a client: the rows of a learner, of a course, of a pair."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from conformance.engine.client import Exchange, RiseClient
from conformance.engine.results import CheckFailed

MAX_PAGES = 50
"""Pages followed per report read; a report longer than 5,000 rows is not a profile's."""
Row = dict[str, Any]


def segment(value: str) -> str:
    """A path segment as sent: every reserved character, and any non-ASCII one, percent-encoded."""
    return quote(value, safe="")


class ReportReader:
    """The learner and course reports of one target, followed through `nextUrl`."""

    def __init__(self, client: RiseClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers

    def learner_rows(self, user_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._rows(f"/reports/learners/{segment(user_id)}?limit=100", "courses", "reports.learner")

    def course_rows(self, course_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._rows(f"/reports/courses/{segment(course_id)}?limit=100", "learners", "reports.course")

    def pair_rows(self, course_id: str, user_id: str) -> tuple[list[Row], list[Exchange]]:
        """The learner report's rows for one pair (the contract says: at most one)."""
        rows, exchanges = self.learner_rows(user_id)
        return [row for row in rows if row.get("courseId") == course_id], exchanges

    def _rows(self, url: str, key: str, rule: str) -> tuple[list[Row], list[Exchange]]:
        rows: list[Row] = []
        exchanges: list[Exchange] = []
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                break
            exchange = self.client.get(next_url, headers=self.headers, token=None if self.headers else "")
            exchanges.append(exchange)
            body = exchange.json()
            if exchange.status != 200 or not isinstance(body, dict) or not isinstance(body.get(key), list):
                raise CheckFailed(
                    f"200 with a '{key}' list from the report",
                    f"HTTP {exchange.status}",
                    exchanges,
                    rule=rule,
                )
            rows += [row for row in body[key] if isinstance(row, dict)]
            next_url = body.get("nextUrl")
        return rows, exchanges
