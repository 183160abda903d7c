"""The `schemathesis.toml` for plain `schemathesis run` anywhere, written by
`rise-conformance schemathesis-config [DIR]`.

Schemathesis reads `schemathesis.toml` from the folder it runs in (or a parent); this one loads the hooks
from the installed package (`conformance.schemathesis.hooks`: profile IDs in positive cases, no made-up
cursor, `completedAt >= startedAt`, the `import_row_matches_report` check) and names the installed
contract, so the run works outside this repository.
"""

from __future__ import annotations

from pathlib import Path

from conformance.engine.settings import DEFAULT_REPORT_TIMEOUT
from conformance.environment import KEY_ENV, PROFILE_ENV, RATE_ENV, REPORT_TIMEOUT_ENV
from conformance.errors import ConformanceError
from conformance.schemathesis.phase import HOOKS_MODULE, UNEXPECTED_METHODS
from mock_server.model.contract import CONTRACT_PATH

CONFIG_NAME = "schemathesis.toml"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def standalone_config(*, contract: Path = CONTRACT_PATH, base_url: str | None = None) -> str:
    """The configuration text; the key is read from the environment when Schemathesis starts."""
    methods = ", ".join(_toml_string(method) for method in UNEXPECTED_METHODS)
    lines = [
        "# Written by `rise-conformance schemathesis-config`. Run it from this folder with",
        f"#   schemathesis run {contract}" + ("" if base_url else " --url URL"),
        f"# (the installed contract). The key comes from ${KEY_ENV}; {PROFILE_ENV} names a profile file",
        f"# (default: the mock's demo tenant), {RATE_ENV}=2 paces a shared tenant to 2 requests/s and",
        f"# {REPORT_TIMEOUT_ENV} is how long import_row_matches_report waits for a report to show an import",
        f"# (default {DEFAULT_REPORT_TIMEOUT:g} s, Rise's documented lag; it never fails a row before then).",
        f"hooks = {_toml_string(HOOKS_MODULE)}",
        "continue-on-failure = true",
        "# Honour 429 + Retry-After.",
        'rate-limit = "auto"',
        f'headers = {{ Authorization = "Bearer ${{{KEY_ENV}}}" }}',
    ]
    if base_url:
        lines.append(f"base-url = {_toml_string(base_url)}")
    lines += [
        "",
        "[phases.coverage]",
        "# Undeclared methods to try (the coverage phase expects 405): never DELETE against a tenant.",
        f"unexpected-methods = [{methods}]",
        "",
    ]
    return "\n".join(lines)


def write_standalone_config(folder: Path, *, base_url: str | None = None, force: bool = False) -> Path:
    """Write `folder/schemathesis.toml` (the folder is made if needed); refuses to replace one unless
    `force`."""
    path = folder / CONFIG_NAME
    if path.exists() and not force:
        raise ConformanceError(f"{path} exists already: pass --force to replace it, or name another folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(standalone_config(base_url=base_url), encoding="utf-8")
    except OSError as error:
        raise ConformanceError(
            f"cannot write {path} ({error.strerror}): name a folder you can write"
        ) from None
    return path
