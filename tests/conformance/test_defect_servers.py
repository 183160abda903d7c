"""rise-conformance exits 1 on a server that breaks one promise of the contract, and names the rule it
breaks in junit.xml and on the console. Each server runs only the part that judges it, in-process where
that part allows it."""

from __future__ import annotations

import pytest
from servers import dates, enrollment, lists, lookups, outside, protocol, reports, shapes
from servers.base import Server

MODULES = (reports, enrollment, dates, lists, protocol, lookups, outside, shapes)
DEFECTS: dict[str, Server] = {
    f"{module.__name__.removeprefix('servers.')}: {name}": server
    for module in MODULES
    for name, server in module.SERVERS.items()
    if server.rule is not None or server.schema_check is not None
}
REPORT_TIMEOUT = "0.2"
"""Long enough for the mock (no report lag) to show every write; a defect's failing waits end there."""


@pytest.mark.parametrize("name", DEFECTS)
def test_run_fails_naming_the_broken_rule(run_cli, name: str) -> None:
    server = DEFECTS[name]
    if server.part == "schema":
        phases = ("--schema-phases", server.schema_phases) if server.schema_phases else ()
        run = run_cli(server.build(), "--parts", "schema", "--max-examples", "5", *phases)
    else:
        run = run_cli(
            server.build(), "--parts", server.part, "--report-timeout", REPORT_TIMEOUT, in_process=True
        )
    assert run.code == 1, run.out
    if server.schema_check:
        assert server.schema_check in run.failed, f"{name}: failed checks {sorted(run.failed)}"
    if server.rule is None:
        return
    catching = run.breaking(server.rule)
    assert catching, (
        f"{name}: no finding breaks {server.rule}; rules broken: {sorted(run.broken_rules)}\n{run.out}"
    )
    assert any(run.console_failed(check) for check in catching), run.out


SECRET = "s3cret-Key-7f2b9c"


def test_key_variants_never_show_the_key_in_any_output(run_cli) -> None:
    """The protocol part sends variants of the key (a prefix, another case, base64 in Basic); when one
    is answered wrongly, the evidence names the variant and shows none of the key's characters."""
    import base64

    from servers.base import app_for, demo_tenant
    from servers.protocol import _401_as_403, responses

    app = responses(_401_as_403)(app_for(demo_tenant(), api_keys=[SECRET]))
    run = run_cli(app, "--parts", "protocol", "--report-timeout", REPORT_TIMEOUT, key=SECRET, in_process=True)
    assert run.code == 1 and "key_variants_are_unauthorized" in run.failed
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    junit = (run.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert "(a prefix of the key)" in report + junit
    variants = [SECRET, SECRET[:-1], SECRET.swapcase(), base64.b64encode(f"{SECRET}:".encode()).decode()]
    for text in (run.out, run.err, report, junit):
        assert not [variant for variant in variants if variant in text]
