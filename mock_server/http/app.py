"""The app factory: Connexion serving `openapi.yaml` (and the control API) over one tenant."""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

# Connexion imports Starlette's test client at import time; its deprecation notice means nothing to users.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")

from connexion import AsyncApp  # noqa: E402
from connexion.exceptions import ProblemException  # noqa: E402
from connexion.middleware import MiddlewarePosition  # noqa: E402
from connexion.resolver import Resolver  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402

from mock_server.control.api import ControlApi  # noqa: E402
from mock_server.control.dashboard import DashboardMiddleware  # noqa: E402
from mock_server.control.validation import ControlJSONBodyValidator  # noqa: E402
from mock_server.http.auth import bearer_handler_factory  # noqa: E402
from mock_server.http.errors import handle_http_exception, handle_rise_error  # noqa: E402
from mock_server.http.handlers import RiseApi  # noqa: E402
from mock_server.http.operations import CompiledURIParser, middleware_stack  # noqa: E402
from mock_server.http.validation import RiseJSONBodyValidator, RiseParameterValidator  # noqa: E402
from mock_server.middleware.before_routing import BeforeRoutingMiddleware  # noqa: E402
from mock_server.middleware.connection import ConnectionMiddleware  # noqa: E402
from mock_server.middleware.control_access import ControlAccessMiddleware  # noqa: E402
from mock_server.middleware.faults import FaultMiddleware  # noqa: E402
from mock_server.middleware.journal import JournalMiddleware  # noqa: E402
from mock_server.middleware.version import VersionCheckMiddleware, VersionHeaderMiddleware  # noqa: E402
from mock_server.model.contract import CONTRACT_PATH, CONTROL_CONTRACT_PATH, load_contract  # noqa: E402
from mock_server.model.errors import RiseError  # noqa: E402
from mock_server.model.seed import DEFAULT_API_KEY  # noqa: E402
from mock_server.model.tenant import Tenant  # noqa: E402
from mock_server.store.backend import Backend, memory_backend, open_backend  # noqa: E402

__all__ = ["DEFAULT_API_KEY", "Backend", "create_app", "open_backend"]

CONTROL_BASE_PATH = "/__mock"
_BROWSABLE = ("/ui/", f"{CONTROL_BASE_PATH}/ui/")
_NOT_THE_API = (CONTROL_BASE_PATH, "/ui", "/openapi.json")
"""Paths the journal does not record and faults do not touch: the control API and the browsable contract."""
_CONTROL_DESCRIPTION = (f"{CONTROL_BASE_PATH}/ui/", f"{CONTROL_BASE_PATH}/openapi.json")
"""The browsable description of the control API: no data, so open even where the API needs a key."""


def _resolver(handlers: Mapping[str, Callable[..., Any]]) -> Resolver:
    def resolve(operation_id: str) -> Callable[..., Any]:
        return handlers[operation_id]

    return Resolver(function_resolver=resolve)


def _document(path: Path) -> dict[str, Any]:
    """A contract for Connexion, which fills in defaults in what it is given: a copy of the one read once
    per process, so that an app is built without parsing YAML again."""
    return copy.deepcopy(load_contract(path))


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
    admin_key: str | None = None,
    control_api: bool = True,
) -> AsyncApp:
    """A mock Rise tenant as an ASGI app.

    What it serves: `backend`, else `tenant` (with a fresh journal), else
    `open_backend(seed, database, report_lag)`, which is the demo tenant in memory by default.
    `base_url` is what absolute URLs in bodies start with; without it they use the address each request
    came to. The control API needs `admin_key` as a bearer key when one is given, and is not served with
    `control_api=False` (beyond loopback without an admin key). No key given here is ever journalled.
    """
    api_keys = tuple(api_keys)
    if backend is None:
        backend = (
            memory_backend(tenant)
            if tenant is not None
            else open_backend(seed=seed, database=database, report_lag=report_lag)
        )
    tenant, journal, faults = backend.tenant, backend.journal, backend.faults
    app = AsyncApp(
        __name__,
        middlewares=middleware_stack(
            outermost=[ConnectionMiddleware],
            # The control API's key is checked before any of its paths (its browsable description
            # aside) is served.
            before_browsable=[
                functools.partial(
                    ControlAccessMiddleware,
                    prefix=CONTROL_BASE_PATH,
                    admin_key=admin_key,
                    served=control_api,
                    open_paths=_CONTROL_DESCRIPTION,
                )
            ],
            # A bad key is a 401 before a bad version is a 400, which comes before request validation.
            after_security=[VersionCheckMiddleware],
        ),
        security_map={"bearer": bearer_handler_factory(api_keys)},
        validator_map={
            "body": {"application/json": RiseJSONBodyValidator},
            "parameter": RiseParameterValidator,
        },
        uri_parser_class=CompiledURIParser,
    )
    app.add_api(
        _document(CONTRACT_PATH),
        resolver=_resolver(RiseApi(tenant, base_url).handlers()),
        strict_validation=True,
        validate_responses=validate_responses,
        pythonic_params=True,
    )
    if control_api:
        app.add_api(
            _document(CONTROL_CONTRACT_PATH),
            base_path=CONTROL_BASE_PATH,
            resolver=_resolver(ControlApi(tenant, journal, faults).handlers()),
            strict_validation=True,
            validate_responses=validate_responses,
            validator_map={
                "body": {"application/json": ControlJSONBodyValidator},
                "parameter": RiseParameterValidator,
            },
        )
    # Outermost first: the journal sees the final answer, every answer (a fault's too) is stamped with
    # the version, faults pre-empt the API.
    outermost = MiddlewarePosition.BEFORE_EXCEPTION
    secrets = [*api_keys, *([admin_key] if admin_key else [])]
    app.add_middleware(
        JournalMiddleware, position=outermost, journal=journal, skip_prefixes=_NOT_THE_API, secrets=secrets
    )
    app.add_middleware(VersionHeaderMiddleware, position=outermost)
    app.add_middleware(FaultMiddleware, position=outermost, faults=faults, skip_prefixes=_NOT_THE_API)
    if control_api:
        app.add_middleware(DashboardMiddleware, position=outermost, prefix=CONTROL_BASE_PATH)
    app.add_middleware(
        BeforeRoutingMiddleware,
        position=MiddlewarePosition.BEFORE_ROUTING,
        keep=_BROWSABLE,
        control_prefix=CONTROL_BASE_PATH,
    )
    if validate_responses:
        # The contract makes the version header required, so handler answers carry it before response
        # validation looks at them; the outermost stamp covers every answer, and is enough without it.
        app.add_middleware(VersionHeaderMiddleware, position=MiddlewarePosition.BEFORE_CONTEXT)
    app.add_error_handler(RiseError, handle_rise_error)
    app.add_error_handler(ProblemException, handle_http_exception)
    app.add_error_handler(HTTPException, handle_http_exception)
    return app
