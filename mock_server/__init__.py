"""rise-mock: a stateful mock of the Rise API, served from its OpenAPI contract.

    model/       Rise as plain data and pure functions: the executable specification
    store/       where a tenant, its journal and its faults live (memory, SQLite)
    http/        the Connexion app: handlers, validators, error answers
    middleware/  one ASGI concern per module: body limit, version header, journal, faults, control access
    control/     the /__mock/ API
    exposure.py  what changes when the mock listens beyond loopback

Importing this package imports nothing heavy: `create_app` and friends load Connexion on first use, so
that the pure model (and the pytest plugin) stay cheap to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.http.app import DEFAULT_API_KEY, Backend, create_app, open_backend
    from mock_server.model.tenant import Tenant

__all__ = ["DEFAULT_API_KEY", "Backend", "Tenant", "create_app", "open_backend"]


def __getattr__(name: str) -> Any:
    if name == "Tenant":
        from mock_server.model.tenant import Tenant

        return Tenant
    if name in __all__:
        from mock_server.http import app

        return getattr(app, name)
    raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
