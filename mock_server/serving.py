"""Serve an ASGI app (by default the mock with its demo tenant) on a free loopback port in a background
thread, for as long as a `with` block lasts: for `rise-conformance run --mock` and the pytest fixture."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from mock_server.model.errors import MockError

STARTUP_SECONDS = 15.0


class ServeError(MockError):
    """The mock did not start listening (the message says where and for how long it tried)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: Any | None = None) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 and yield its base URL; stop it on exit."""
    if app is None:
        from mock_server.http.app import create_app

        app = create_app()
    port = free_port()
    # "error": the coverage phase sends requests uvicorn itself refuses, and says so at "warning".
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name=f"rise-mock-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ServeError(
                f"the in-process mock did not start on 127.0.0.1:{port} within {STARTUP_SECONDS:g} s"
            )
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
