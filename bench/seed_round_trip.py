"""How long a real tenant takes to go through the control API: POST /__mock/seed, GET /__mock/state and
the state posted back, in memory and on SQLite.

    python bench/seed_round_trip.py [--courses 100] [--users 1000]      (100,000 completions)

The mock runs in this process on 127.0.0.1 (uvicorn in a thread); the figures are wall-clock seconds on a
shared machine, so read them as an order of magnitude.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from mock_server.http.app import create_app
from mock_server.serving import serving

JSON = {"Content-Type": "application/json"}


def tenant_document(courses: int, users: int) -> dict[str, Any]:
    """Every user enrolled in and having completed every course, with dates that differ."""
    course_ids = [f"course-{c:04d}" for c in range(courses)]
    user_ids = [f"user-{u:06d}" for u in range(users)]
    pairs = [(c, u) for c in course_ids for u in user_ids]
    return {
        "courses": [{"id": c, "title": c, "publishedVersion": 1, "quizRequired": True} for c in course_ids],
        "users": [{"id": u, "email": f"{u}@example.com"} for u in user_ids],
        "enrollments": [{"courseId": c, "userId": u, "enrolledAt": "2024-01-15T09:00:00Z"} for c, u in pairs],
        "completions": [
            {
                "courseId": c,
                "userId": u,
                "startedAt": f"2024-02-{1 + i % 28:02d}T09:{i % 60:02d}:00Z",
                "completedAt": f"2024-03-{1 + i % 28:02d}T10:{i % 60:02d}:{i % 60:02d}Z",
                "courseVersion": 1,
                "quizScorePercent": 100,
            }
            for i, (c, u) in enumerate(pairs)
        ],
    }


def _timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def measure(body: bytes, database: Path | None) -> dict[str, float]:
    with serving(create_app(database=database)) as url, httpx.Client(base_url=url, timeout=600) as client:
        seeded, seed_seconds = _timed(lambda: client.post("/__mock/seed", content=body, headers=JSON))
        state, state_seconds = _timed(lambda: client.get("/__mock/state"))
        back, back_seconds = _timed(lambda: client.post("/__mock/seed", content=state.content, headers=JSON))
        assert (seeded.status_code, state.status_code, back.status_code) == (204, 200, 204), seeded.text
        assert client.get("/__mock/state").json() == state.json(), "the state did not round-trip"
    return {"seed": seed_seconds, "state": state_seconds, "seed again": back_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    body = json.dumps(tenant_document(args.courses, args.users)).encode()
    print(f"tenant: {args.courses * args.users:,} completions, {len(body) / 2**20:.1f} MiB of JSON")
    with tempfile.TemporaryDirectory() as folder:
        for name, database in (("memory", None), ("sqlite", Path(folder) / "tenant.sqlite3")):
            figures = measure(body, database)
            trip = figures["state"] + figures["seed again"]
            parts = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in figures.items())
            print(f"{name:7} {parts}; state -> seed round trip {trip:.1f} s")


if __name__ == "__main__":
    main()
