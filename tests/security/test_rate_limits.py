"""Rate limits cannot be stepped around (issue 11): an IPv6 client is counted by its /64,
not by the address it picks among 2^64; and a full table of counters drops the windows
that ended, instead of wiping every counter (which reset everyone's limits at once,
for anyone able to send from 200,000 addresses)."""

from __future__ import annotations

import pytest
from limits import parse_many

from microletter.gateway.ratelimit import LocalWindows, address_key
from tests.conftest import MakeClient
from tests.support.rest import error_of, raw


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client on a dual-stack socket
    ],
)
def test_addresses_of_one_ipv6_network_share_one_key(a: str, b: str) -> None:
    assert address_key(a) == address_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:3::1"),  # the next /64: another subscriber
        ("192.0.2.7", "192.0.2.8"),  # IPv4 addresses stay apart
    ],
)
def test_other_networks_keep_their_own_key(a: str, b: str) -> None:
    assert address_key(a) != address_key(b)


def test_the_key_of_an_ipv6_client_is_its_network() -> None:
    assert address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address_key("unknown") == "unknown"


def test_a_full_table_drops_ended_windows_and_keeps_live_counts() -> None:
    windows = LocalWindows(parse_many("2/minute"), max_keys=4)
    for key in ("k1", "k2", "k3"):
        assert windows.hit(key, now=0.0) is None  # their windows end at 60 s
    assert windows.hit("abuser", now=50.0) is None
    assert windows.hit("abuser", now=50.0) is None
    assert windows.hit("abuser", now=51.0) is not None  # over 2/minute until 110 s
    for n in range(3):  # new clients arrive, and the table is full
        assert windows.hit(f"new{n}", now=70.0) is None
    retry = windows.hit("abuser", now=71.0)
    assert retry == pytest.approx(39.0)  # still counted: only ended windows were dropped
    assert len(windows) == 4


def test_when_every_key_is_live_the_least_recently_active_go_first() -> None:
    windows = LocalWindows(parse_many("1/minute"), max_keys=8)
    for n in range(8):
        windows.hit(f"old{n}", now=float(n))
    assert windows.hit("recent", now=10.0) is None  # full of live keys: 1/8 are dropped
    assert len(windows) == 8 * 7 // 8 + 1
    assert windows.hit("old7", now=11.0) is not None  # the most recent old key is kept
    assert windows.hit("old0", now=11.0) is None  # the stalest one was dropped


@pytest.mark.settings(trust_proxy=True, rate_auth_ip="3/minute")
async def test_rotating_addresses_within_a_slash_64_does_not_escape_the_login_limit(
    clients: MakeClient,
) -> None:
    anon = await clients()
    body = {"username": "nobody", "password": "wrong password"}

    async def attempt(address: str) -> tuple[int, object]:
        return await raw(
            anon, "POST", "/api/v1/sessions", json=body, headers={"X-Forwarded-For": address}
        )

    for n in range(1, 4):
        status, reply = await attempt(f"2001:db8:7:7::{n:x}")
        assert status == 401, reply
    status, reply = await attempt("2001:db8:7:7:dead:beef:0:1")
    assert status == 429
    error_of(reply, "rate_limited")
    status, _ = await attempt("2001:db8:7:8::1")  # the neighbouring network is not punished
    assert status == 401
