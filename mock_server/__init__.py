"""rise-mock: a stateful mock of the Rise API, served from its OpenAPI contract."""

import warnings

# Connexion imports Starlette's test client at import time; its deprecation notice means nothing to users.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")

from mock_server.app import DEFAULT_API_KEY, Backend, create_app, open_backend  # noqa: E402
from mock_server.tenant import Tenant  # noqa: E402

__all__ = ["DEFAULT_API_KEY", "Backend", "Tenant", "create_app", "open_backend"]
