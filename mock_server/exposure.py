"""Where the mock listens, and what changes beyond loopback.

On loopback (127.0.0.0/8, ::1, localhost) only this machine reaches the mock, so the demo key and an open
control API are harmless. Anywhere else `rise-mock serve` wants a key of the user's own, serves the control
API only behind an admin key, and says what it exposes. These functions decide; the CLI prints.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from mock_server.model.seed import DEFAULT_API_KEY


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_wildcard(host: str) -> bool:
    """Whether `host` means every interface of the machine (0.0.0.0, ::)."""
    address = _address(host)
    return host in ("", "*") or (address is not None and address.is_unspecified)


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`: a loopback address, or a name that resolves to nothing
    else."""
    if host.lower() == "localhost":
        return True
    address = _address(host)
    if address is not None:
        return address.is_loopback
    if is_wildcard(host):
        return False
    try:
        found = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False  # a name that does not resolve cannot be listened on either; that check says so
    addresses = [_address(str(info[4][0])) for info in found]
    return bool(addresses) and all(a is not None and a.is_loopback for a in addresses)


def url_host(host: str) -> str:
    """`host` as it stands in a URL: IPv6 addresses in brackets."""
    address = _address(host)
    bracketed = isinstance(address, ipaddress.IPv6Address) or (address is None and ":" in host)
    return f"[{host.strip('[]')}]" if bracketed and not host.startswith("[") else host


def local_url(host: str, port: int) -> str:
    """A URL this machine can reach the mock at: for a wildcard host, its loopback address."""
    if is_wildcard(host):
        address = _address(host)
        return f"http://{'[::1]' if isinstance(address, ipaddress.IPv6Address) else '127.0.0.1'}:{port}"
    return f"http://{url_host(host)}:{port}"


@dataclass(frozen=True)
class Exposure:
    """What serving on `host` means: who can reach it, and whether the control API is served."""

    host: str
    port: int
    api_keys: tuple[str, ...]
    admin_key: str | None

    @property
    def exposed(self) -> bool:
        return not is_loopback(self.host)

    @property
    def control_api(self) -> bool:
        """Served on loopback, and beyond it only behind an admin key."""
        return not self.exposed or self.admin_key is not None

    def refusal(self, *, keys_given: bool) -> str | None:
        """Why the mock must not start this way, with what to do instead; None when it may."""
        if self.admin_key is not None and self.admin_key in self.api_keys:
            return (
                "--admin-key is also an --api-key: give the control API a key of its own, so that an "
                "importer's key cannot reset or reseed the tenant."
            )
        if not self.exposed:
            return None
        where = f"--host {self.host} is beyond loopback"
        if not keys_given:
            return (
                f"{where}, where anyone who can reach this machine could use the demo key "
                f"{DEFAULT_API_KEY} (it is in the README): pass --api-key KEY with a secret of your own, "
                "and --admin-key KEY to reach the control API there too."
            )
        if DEFAULT_API_KEY in self.api_keys:
            return (
                f"{where}, and --api-key {DEFAULT_API_KEY} is the demo key that anyone can read in the "
                "README: choose a secret of your own."
            )
        return None

    def warnings(self, *, base_url_given: bool) -> list[str]:
        """What the user must know before it listens: what is exposed, and how to fix the body URLs."""
        if not self.exposed:
            return []
        reach = (
            "every network interface of this machine"
            if is_wildcard(self.host)
            else f"the address {self.host}"
        )
        control = (
            "the control API (/__mock/) needs the admin key"
            if self.admin_key is not None
            else "the control API (/__mock/) is not served (pass --admin-key KEY to serve it)"
        )
        lines = [
            f"WARNING: --host {self.host} is beyond loopback: anyone who can reach {reach} on port "
            f"{self.port} can call the Rise API with the API key; {control}. Traffic is plain HTTP."
        ]
        if is_wildcard(self.host) and not base_url_given:
            lines.append(
                f"URLs in bodies start with the address each request came to; pass --base-url "
                f"http://<this machine's name>:{self.port} to make them the same for every client."
            )
        return lines
