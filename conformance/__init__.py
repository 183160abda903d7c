"""rise-conformance: how far a server (the mock, or a real Rise tenant) is from `openapi.yaml`.

    engine/        the run: settings, the paced client, the check context, results, events (never prints)
    checks/        named semantic rules and observed questions, and the helpers that judge answers
    schemathesis/  the Schemathesis phase and the hooks it (and plain `schemathesis run`) loads
    reporting/     consumers of a run: console, junit.xml, report.md
    cli.py         the only edge that prints or exits

Of the mock it imports only `mock_server.model` (its oracle), and the app factory lazily for `--mock`.
"""
