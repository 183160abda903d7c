"""Where a tenant, its request journal and its pending faults live: in memory, in SQLite or in PostgreSQL.

Each kind of record has one protocol (`model.store.Store`, `journal.Journal`, `faults.Faults`) and an
implementation per medium; `backend.open_backend` puts one set together. The SQL stores share their
reads (`sql.py`), their rows (`rows.py`) and their keyset paging (`keyset.py`). Nothing here knows HTTP.
"""
