"""rise-mock: a stateful mock of the Rise API, served from its OpenAPI contract."""

from mock_server.app import DEFAULT_API_KEY, create_app
from mock_server.tenant import Tenant

__all__ = ["DEFAULT_API_KEY", "Tenant", "create_app"]
