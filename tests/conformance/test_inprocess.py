"""`AppTransport`: a run can judge an ASGI app in-process, and an app that raises answers 500 as a
server would, instead of stopping the run."""

from __future__ import annotations

import json

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


async def _scope_echo(scope, receive, send):  # type: ignore[no-untyped-def]
    """A raw ASGI app that answers with what it was given, after waiting for the client to go."""
    request = await receive()
    await send({"type": "http.response.start", "status": 201, "headers": [(b"x-seen", b"yes")]})
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode(),
        "query": scope["query_string"].decode(),
        "server": list(scope["server"]),
        "host": dict(scope["headers"]).get(b"host", b"").decode(),
        "body": request["body"].decode(),
    }
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})
    assert (await receive())["type"] == "http.disconnect"


def test_app_transport_gives_the_app_the_request_as_a_server_would() -> None:
    transport = AppTransport(_scope_echo)
    with httpx.Client(transport=transport) as client:
        answer = client.post("http://127.0.0.1:8080/a%20b/c?limit=5&cursor=x", content=b"payload")
        head = client.head("http://127.0.0.1/a")
    transport.close()
    assert answer.status_code == 201 and answer.headers["x-seen"] == "yes"
    assert answer.json() == {
        "method": "POST",
        "path": "/a b/c",
        "raw_path": "/a%20b/c",
        "query": "limit=5&cursor=x",
        "server": ["127.0.0.1", 8080],
        "host": "127.0.0.1:8080",
        "body": "payload",
    }
    assert head.status_code == 201 and head.content == b""
