"""rise-conformance: how far a server (the mock, or a real Rise tenant) is from `openapi.yaml`.

    engine/        the run: settings, the paced and budgeted client, the rule catalogue, the pair planner,
                   the batch with its one report wait, the poller, results, events (never prints)
    checks/        named semantic rules and observed questions, the one row judge, the answer helpers
    schemathesis/  the Schemathesis phase, the hooks it (and plain `schemathesis run`) loads, and the
                   tracing of its findings to the rules of the contract
    reporting/     consumers of a run: console, junit.xml, report.md, report.json, `rules`
    cli.py         the only edge that prints or exits

Of the mock it imports only `mock_server.model` (its oracle), and the app factory lazily for `--mock`.
"""
