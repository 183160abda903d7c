"""Connexion handlers of the control API (`control.yaml`, served under `/__mock/`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from mock_server.errors import RiseError, SeedError
from mock_server.seed import state_from_document, state_to_document
from mock_server.tenant import Tenant


class ControlApi:
    """Reset, seed and inspect one tenant."""

    def __init__(self, tenant: Tenant) -> None:
        self._tenant = tenant

    def handlers(self) -> dict[str, Callable[..., Any]]:
        return {"reset": self.reset, "getState": self.get_state, "seed": self.seed}

    async def reset(self) -> Response:
        self._tenant.reset()
        return Response(status_code=204)

    async def get_state(self) -> dict[str, Any]:
        return state_to_document(self._tenant.state())

    async def seed(self, body: dict[str, Any]) -> Response:
        try:
            state = state_from_document(body, source="POST /__mock/seed body")
        except SeedError as error:
            raise RiseError("invalid_request", str(error)) from None
        self._tenant.load(state)
        return Response(status_code=204)
