"""The app factory: Connexion serving `openapi.yaml` (and the control API) over one tenant."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from mock_server.auth import bearer_handler_factory
from mock_server.contract import CONTRACT_PATH, CONTROL_CONTRACT_PATH
from mock_server.control import ControlApi
from mock_server.errors import RiseError
from mock_server.faults import FaultMiddleware, Faults
from mock_server.handlers import RiseApi
from mock_server.http_errors import handle_http_exception, handle_rise_error
from mock_server.journal import Journal, JournalMiddleware
from mock_server.middleware import (
    BodyLimitMiddleware,
    NoSlashRedirectMiddleware,
    VersionCheckMiddleware,
    VersionHeaderMiddleware,
)
from mock_server.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.sqlite_store import Database, SQLiteFaults, SQLiteJournal, SQLiteStore
from mock_server.tenant import Tenant
from mock_server.validation import RiseJSONBodyValidator, RiseParameterValidator

DEFAULT_API_KEY = "rise-mock-key"
CONTROL_BASE_PATH = "/__mock"
_BROWSABLE = ("/ui/", f"{CONTROL_BASE_PATH}/ui/")
_NOT_THE_API = (CONTROL_BASE_PATH, "/ui", "/openapi.json")
"""Paths the journal does not record and faults do not touch: the control API and the browsable contract."""


def _resolver(handlers: Mapping[str, Callable[..., Any]]) -> Resolver:
    def resolve(operation_id: str) -> Callable[..., Any]:
        return handlers[operation_id]

    return Resolver(function_resolver=resolve)


@dataclass(frozen=True)
class Backend:
    """What one mock serves: a tenant, its request journal and its pending faults."""

    tenant: Tenant
    journal: Journal
    faults: Faults


def open_backend(
    *, seed: str | Path | None = None, database: str | Path | None = None, report_lag: float = 0
) -> Backend:
    """In memory, or with `database` in a SQLite file: kept across restarts (the seed only fills an empty
    file) and shared by every worker process that opens the same file. `report_lag` is how many seconds a
    write takes to reach the reports. A bad seed raises SeedError."""
    seed_state = load_seed_file(seed or DEMO_SEED_PATH)
    lag = timedelta(seconds=report_lag)
    if database is None:
        return Backend(Tenant(seed_state, report_lag=lag), Journal(), Faults())
    db = Database(database)
    tenant = Tenant(seed_state, store=SQLiteStore(db), keep_existing=True, report_lag=lag)
    return Backend(tenant, SQLiteJournal(db), SQLiteFaults(db))


def create_app(
    *,
    seed: str | Path | None = None,
    tenant: Tenant | None = None,
    backend: Backend | None = None,
    api_keys: Iterable[str] = (DEFAULT_API_KEY,),
    base_url: str | None = None,
    validate_responses: bool = False,
    database: str | Path | None = None,
    report_lag: float = 0,
) -> AsyncApp:
    """A mock Rise tenant as an ASGI app.

    What it serves: `backend`, else `tenant` (with a fresh journal), else
    `open_backend(seed, database, report_lag)`, which is the demo tenant in memory by default.
    `base_url` is what absolute URLs in bodies start with; without it they use the address each request
    came to.
    """
    if backend is None:
        backend = (
            Backend(tenant, Journal(), Faults())
            if tenant is not None
            else open_backend(seed=seed, database=database, report_lag=report_lag)
        )
    tenant, journal, faults = backend.tenant, backend.journal, backend.faults
    app = AsyncApp(
        __name__,
        specification_dir=str(CONTRACT_PATH.parent),
        security_map={"bearer": bearer_handler_factory(api_keys)},
        validator_map={
            "body": {"application/json": RiseJSONBodyValidator},
            "parameter": RiseParameterValidator,
        },
    )
    app.add_api(
        CONTRACT_PATH.name,
        resolver=_resolver(RiseApi(tenant, base_url).handlers()),
        strict_validation=True,
        validate_responses=validate_responses,
        pythonic_params=True,
    )
    app.add_api(
        CONTROL_CONTRACT_PATH.name,
        base_path=CONTROL_BASE_PATH,
        resolver=_resolver(ControlApi(tenant, journal, faults).handlers()),
        strict_validation=True,
        validate_responses=validate_responses,
    )
    # Outermost first: the journal sees the final answer, faults pre-empt the API, every answer is stamped.
    outermost = MiddlewarePosition.BEFORE_EXCEPTION
    app.add_middleware(JournalMiddleware, position=outermost, journal=journal, skip_prefixes=_NOT_THE_API)
    app.add_middleware(FaultMiddleware, position=outermost, faults=faults, skip_prefixes=_NOT_THE_API)
    app.add_middleware(VersionHeaderMiddleware, position=outermost)
    app.add_middleware(NoSlashRedirectMiddleware, position=MiddlewarePosition.BEFORE_ROUTING, keep=_BROWSABLE)
    app.add_middleware(BodyLimitMiddleware, position=MiddlewarePosition.BEFORE_ROUTING)
    app.add_middleware(VersionCheckMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_error_handler(RiseError, handle_rise_error)
    app.add_error_handler(ProblemException, handle_http_exception)
    app.add_error_handler(HTTPException, handle_http_exception)
    return app
