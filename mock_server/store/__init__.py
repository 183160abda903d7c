"""Where a tenant, its request journal and its pending faults live: in memory or in SQLite.

Each kind of record has one protocol (`model.store.Store`, `journal.Journal`, `faults.Faults`) and an
implementation per medium; `backend.open_backend` puts one set together. Nothing here knows HTTP.
"""
