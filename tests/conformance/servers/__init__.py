"""Servers that differ from the mock in one way each, by kind (one module per kind of promise).

Every module lists its servers in `SERVERS`: a name and a `Server` saying how to build the app, the run
part that judges it, and what the run must conclude (the rule a defect breaks, or nothing for a free
variation). Each server is a `Tenant` subclass or a small ASGI wrapper around `create_app`; the mock
itself is never changed.
"""
