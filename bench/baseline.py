"""The floor any mock pays: a bare Starlette app doing the import's upsert and a learner report read, with
no contract, no validation and no middleware. `bench/run.py` serves it with uvicorn beside the mock."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_records: dict[str, dict[str, dict]] = {}
"""user ID -> course ID -> the imported body."""


async def upsert(request: Request) -> Response:
    body = await request.json()
    _records.setdefault(request.path_params["user"], {})[request.path_params["course"]] = body
    return Response(status_code=202)


async def learner_report(request: Request) -> Response:
    rows = _records.get(request.path_params["user"], {})
    return JSONResponse(
        {"courses": [{"courseId": course, **body} for course, body in sorted(rows.items())], "nextUrl": None}
    )


app = Starlette(
    routes=[
        Route("/courses/{course}/users/{user}/completions", upsert, methods=["POST"]),
        Route("/reports/learners/{user}", learner_report, methods=["GET"]),
    ]
)
