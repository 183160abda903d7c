"""`AppTransport`: a run can judge an ASGI app in-process, and an app that raises answers 500 as a
server would, instead of stopping the run."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.engine.inprocess import AppTransport


async def _hello(request: object) -> JSONResponse:
    return JSONResponse({"path": request.url.path, "body": (await request.body()).decode()})  # type: ignore[attr-defined]


async def _boom(request: object) -> JSONResponse:
    raise RuntimeError("broken handler")


APP = Starlette(routes=[Route("/hello", _hello, methods=["GET", "POST"]), Route("/boom", _boom)])


def test_app_transport_sends_requests_to_the_app_with_their_bodies() -> None:
    transport = AppTransport(APP)
    with httpx.Client(transport=transport, base_url="http://127.0.0.1") as client:
        answer = client.post("/hello", content=b'{"a": 1}')
        again = client.get("http://any.host.example/hello")
    transport.close()
    assert answer.status_code == 200 and answer.json() == {"path": "/hello", "body": '{"a": 1}'}
    assert again.json()["path"] == "/hello"


def test_app_transport_answers_500_when_the_app_raises() -> None:
    transport = AppTransport(APP)
    with httpx.Client(transport=transport, base_url="http://127.0.0.1") as client:
        answer = client.get("/boom")
    transport.close()
    assert answer.status_code == 500
