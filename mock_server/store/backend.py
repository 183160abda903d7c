"""What one mock serves, put together: a tenant over a store, its request journal and its faults, in
memory or in one SQLite file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant
from mock_server.store.faults import Faults, MemoryFaults
from mock_server.store.journal import Journal, MemoryJournal
from mock_server.store.sqlite import Database, SQLiteFaults, SQLiteJournal, SQLiteStore


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
    """In memory, or with `database` in a SQLite file: kept across restarts (the seed only fills an empty
    file, unless `reseed` replaces what it holds, journal and faults included) and shared by every worker
    process that opens the same file. `report_lag` is how many seconds a write takes to reach the reports.
    A bad seed raises SeedError, a file that cannot be used DatabaseError."""
    seed_state = load_seed_file(seed or DEMO_SEED_PATH)
    lag = timedelta(seconds=report_lag)
    if database is None:
        return memory_backend(Tenant(seed_state, report_lag=lag))
    db = Database(database)
    store = SQLiteStore(db)
    kept = not reseed and store.holds_tenant()
    tenant = Tenant(seed_state, store=store, keep_existing=kept, report_lag=lag)
    journal, faults = SQLiteJournal(db), SQLiteFaults(db)
    if not kept:
        journal.clear()
        faults.clear()
    return Backend(tenant, journal, faults, kept=kept)
