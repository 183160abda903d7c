"""Fixtures of the mock's tests: a client factory, a demo-tenant client shared and cleared per test, and
PostgreSQL databases (a throwaway server for the session, a fresh schema per test)."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import psycopg
import pytest
from postgres_cluster import NoPostgres, postgres_server

from mock_server import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient


def _client(**options: Any) -> TestClient:
    """Responses are validated against openapi.yaml; a server error comes back as a 500 response (so the
    test sees its status and body) instead of being raised inside the test."""
    options.setdefault("validate_responses", True)
    return TestClient(create_app(**options), raise_server_exceptions=False)


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Build clients over their own app and tenant: `make_client(base_url=..., seed=..., api_keys=...)`."""
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        clients.append(_client(**options))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def _demo() -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """One app over the demo tenant for the whole session, and the demo seed document it started with."""
    client = _client()
    seed = client.get("/__mock/state").json()
    yield client, seed
    client.close()


@pytest.fixture
def client(_demo: tuple[TestClient, dict[str, Any]]) -> TestClient:
    """A client of the demo tenant, seeded afresh (so reset goes back to the demo seed too)."""
    client, seed = _demo
    response = client.post("/__mock/seed", json=seed)
    assert response.status_code == 204, response.text
    return client


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server for the session (see postgres_cluster.py); the test skips when none can be
    started, and says why."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except NoPostgres as error:
            pytest.skip(f"no PostgreSQL server for the PostgreSQL store tests: {error}")
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A `--db` URL of an empty schema of its own, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")
