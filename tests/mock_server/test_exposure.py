"""What changes beyond loopback: which hosts are loopback or wildcards, what serve refuses, what it warns
about, and whether the control API is served."""

from __future__ import annotations

import pytest

from mock_server import DEFAULT_API_KEY
from mock_server.exposure import Exposure, is_loopback, is_wildcard, local_url, url_host

KEY = "s3cret-key-7f2b9c"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host) and not is_wildcard(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "", "192.0.2.1", "10.1.2.3", "2001:db8::1", "::ffff:10.0.0.1"]
)
def test_hosts_beyond_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_wildcards_and_how_this_machine_reaches_them() -> None:
    assert is_wildcard("0.0.0.0") and is_wildcard("::") and not is_wildcard("192.0.2.1")
    assert local_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert local_url("::", 8080) == "http://[::1]:8080"
    assert local_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert (
        url_host("::1") == "[::1]" and url_host("[::1]") == "[::1]" and url_host("127.0.0.1") == "127.0.0.1"
    )


def test_a_name_that_does_not_resolve_is_not_loopback() -> None:
    assert not is_loopback("no-such-host.invalid")


def test_on_loopback_nothing_changes() -> None:
    exposure = Exposure("127.0.0.1", 8080, (DEFAULT_API_KEY,), None)
    assert not exposure.exposed and exposure.control_api
    assert exposure.refusal(keys_given=False) is None
    assert exposure.warnings(base_url_given=False) == []


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_beyond_loopback_the_demo_key_is_refused_saying_how_to_start(host: str) -> None:
    refusal = Exposure(host, 8080, (DEFAULT_API_KEY,), None).refusal(keys_given=False)
    assert refusal is not None and "--api-key KEY" in refusal and DEFAULT_API_KEY in refusal
    explicit = Exposure(host, 8080, (KEY, DEFAULT_API_KEY), "admin-key").refusal(keys_given=True)
    assert explicit is not None and "demo key" in explicit
    assert Exposure(host, 8080, (KEY,), None).refusal(keys_given=True) is None


def test_beyond_loopback_the_control_api_needs_an_admin_key_or_is_not_served() -> None:
    without = Exposure("0.0.0.0", 8080, (KEY,), None)
    assert not without.control_api
    assert "not served (pass --admin-key KEY" in without.warnings(base_url_given=True)[0]
    with_key = Exposure("0.0.0.0", 8080, (KEY,), "admin-key-0c9d1e")
    assert with_key.control_api and "needs the admin key" in with_key.warnings(base_url_given=True)[0]


def test_the_warning_names_the_exposure_and_suggests_base_url_on_a_wildcard_only() -> None:
    (wildcard, suggestion) = Exposure("0.0.0.0", 8080, (KEY,), None).warnings(base_url_given=False)
    assert "every network interface of this machine" in wildcard and "port 8080" in wildcard
    assert "--base-url http://" in suggestion
    assert len(Exposure("0.0.0.0", 8080, (KEY,), None).warnings(base_url_given=True)) == 1
    (address,) = Exposure("192.0.2.1", 8080, (KEY,), None).warnings(base_url_given=False)
    assert "the address 192.0.2.1" in address


def test_an_admin_key_that_is_also_an_api_key_is_refused_everywhere() -> None:
    for host in ("127.0.0.1", "0.0.0.0"):
        refusal = Exposure(host, 8080, (KEY,), KEY).refusal(keys_given=True)
        assert refusal is not None and "--admin-key" in refusal
