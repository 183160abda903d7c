"""Facts read from `openapi.yaml`, so that code never restates them.

The contract is the single source of truth for error codes and their statuses, the version header, the
page-size limits and the body-size limit; `control.yaml` for the control API's own body limit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml


def _libyaml_works() -> bool:
    """Whether libyaml's classes work in this process. They do not once the `yaml` package has been
    imported a second time (pytest's in-process pytester runs drop the modules a run imported): the C
    extension, which cannot be imported twice, then makes nodes of the first import's classes."""
    if not getattr(yaml, "__with_libyaml__", False):
        return False
    try:
        node = yaml.compose("a: [1]", Loader=yaml.CSafeLoader)
        return isinstance(node, yaml.MappingNode) and yaml.load("a: [1]", Loader=yaml.CSafeLoader) == {
            "a": [1]
        }
    except yaml.YAMLError:
        return False


_LIBYAML = _libyaml_works()
YAML_LOADER = yaml.CSafeLoader if _LIBYAML else yaml.SafeLoader
"""libyaml's safe loader where it works: the pure-Python one takes a tenth of a second per contract."""
YAML_DUMPER = yaml.CSafeDumper if _LIBYAML else yaml.SafeDumper

_PACKAGE = Path(__file__).resolve().parents[1]
CONTRACT_PATH = _PACKAGE / "openapi.yaml"
CONTROL_CONTRACT_PATH = _PACKAGE / "control" / "control.yaml"
"""The control API's own document: its TenantState schema is the shape of a seed."""
CLIENT_CONFIG_PATH = _PACKAGE / "openapi-python-client.yaml"
"""openapi-python-client settings for a client of the contract (package `rise_client`)."""


@cache
def load_contract(path: Path = CONTRACT_PATH) -> dict[str, Any]:
    """The contract as a plain dict (YAML anchors resolved), read once per process; callers copy it before
    changing it."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=YAML_LOADER)


OPERATION_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
"""The keys of an OpenAPI path item that name an operation."""


@cache
def declared_methods() -> dict[str, frozenset[str]]:
    """Each path of the contract and the methods it declares, upper-case."""
    return {
        path: frozenset(m.upper() for m in item if m in OPERATION_METHODS)
        for path, item in load_contract()["paths"].items()
    }


def _components() -> dict[str, Any]:
    return load_contract()["components"]


ERROR_STATUS: dict[str, int] = dict(_components()["schemas"]["ErrorCode"]["x-status"])
"""Every error code and the HTTP status it is answered with."""

_version = _components()["parameters"]["RiseApiVersion"]
VERSION_HEADER: str = _version["name"]
API_VERSION: str = _components()["schemas"][_version["schema"]["$ref"].rsplit("/", 1)[-1]]["default"]

_limit = _components()["parameters"]["Limit"]["schema"]
LIMIT_DEFAULT: int = _limit["default"]
LIMIT_MIN: int = _limit["minimum"]
LIMIT_MAX: int = _limit["maximum"]

MAX_BODY_BYTES: int = _components()["responses"]["PayloadTooLarge"]["x-max-body-bytes"]

CONTROL_MAX_BODY_BYTES: int = load_contract(CONTROL_CONTRACT_PATH)["components"]["responses"][
    "PayloadTooLarge"
]["x-max-body-bytes"]
"""The control API's own body limit (a state document of a real tenant is megabytes)."""
