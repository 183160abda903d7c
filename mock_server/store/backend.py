"""What one mock serves, put together: a tenant over a store, its request journal and its faults, in
memory, in one SQLite file, or in a PostgreSQL database (`--db postgresql://...`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant
from mock_server.store.faults import Faults, MemoryFaults
from mock_server.store.journal import Journal, MemoryJournal
from mock_server.store.postgres import (
    PostgresDatabase,
    PostgresFaults,
    PostgresJournal,
    PostgresStore,
    printable_url,
)
from mock_server.store.sqlite import open_sqlite

POSTGRES_URL_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Backend:
    """What one mock serves: a tenant, its request journal and its pending faults."""

    tenant: Tenant
    journal: Journal
    faults: Faults
    kept: bool = False
    """The database already held a tenant, which is served instead of the seed."""


def memory_backend(tenant: Tenant) -> Backend:
    """`tenant` with a fresh in-memory journal and no pending fault."""
    return Backend(tenant, MemoryJournal(), MemoryFaults())


def open_backend(
    *,
    seed: str | Path | None = None,
    database: str | Path | None = None,
    report_lag: float = 0,
    reseed: bool = False,
) -> Backend:
    """In memory; with `database` a SQLite file, or a `postgresql://` URL: kept across restarts (the seed
    only fills an empty store, unless `reseed` replaces what it holds, journal and faults included) and
    shared by every process that opens the same file (on one host) or database (on any host). `report_lag`
    is how many seconds a write takes to reach the reports. A bad seed raises SeedError; a database that
    cannot be used, DatabaseError (PostgresError for PostgreSQL)."""
    seed_state = load_seed_file(seed or DEMO_SEED_PATH)
    lag = timedelta(seconds=report_lag)
    if database is None:
        return memory_backend(Tenant(seed_state, report_lag=lag))
    if is_postgres_url(str(database)):
        pg = PostgresDatabase(str(database))
        store, journal, faults = PostgresStore(pg), PostgresJournal(pg), PostgresFaults(pg)
    else:
        store, journal, faults = open_sqlite(database)
    kept = not reseed and store.holds_tenant()
    tenant = Tenant(seed_state, store=store, keep_existing=kept, report_lag=lag)
    if not kept:
        journal.clear()
        faults.clear()
    return Backend(tenant, journal, faults, kept=kept)


def is_postgres_url(database: str) -> bool:
    """`--db` names a PostgreSQL database when it is a URL of that scheme, else a SQLite file."""
    return database.startswith(POSTGRES_URL_SCHEMES)


def printable_database(database: str) -> str:
    """Where the state is kept, as a banner may show it: a URL's password as ***."""
    return printable_url(database) if is_postgres_url(database) else database
