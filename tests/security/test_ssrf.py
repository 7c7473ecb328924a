"""The webhook SSRF guard (issue 11): IPv6 forms that carry a private IPv4 address are not
public, and hosts that name an address by themselves (IP literals, and IPv4 written as
one number, in hex or in octal) are judged at every connection, not only when the URL
was saved. The server had tried to connect to [64:ff9b::7f00:1], [2002:7f00:1::] and
[::7f00:1], which reach 127.0.0.1 through NAT64, 6to4 or a dual stack."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from microletter.platform.fetcher import FetchRefused, PublicFetcher
from microletter.platform.webhook import GuardedResolver, WebhookClient, is_public
from tests.conftest import MakeClient
from tests.support.platform import new_account
from tests.support.rest import error_of, raw

# Each carries 127.0.0.1, 10.0.0.1, 192.168.1.1 or 169.254.169.254 inside.
HIDING_A_PRIVATE_IPV4 = [
    "64:ff9b::7f00:1",  # NAT64, well-known prefix
    "64:ff9b::a9fe:a9fe",  # NAT64 to the cloud metadata address
    "64:ff9b:1::808:808",  # NAT64, a site's local-use prefix: never public
    "2002:7f00:1::",  # 6to4
    "2002:c0a8:101::1",  # 6to4
    "::7f00:1",  # IPv4-compatible
    "::a00:1",  # IPv4-compatible
    "::ffff:7f00:1",  # IPv4-mapped
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo (client 127.0.0.1, obfuscated)
]
PUBLIC = [
    "8.8.8.8",
    "2606:4700:4700::1111",
    "64:ff9b::808:808",  # NAT64 to a public address is fine
    "2002:808:808::1",  # so is 6to4
    "::ffff:8.8.8.8",
]
NUMERIC_LOOPBACK = ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "017700000001"]


@pytest.mark.parametrize("address", HIDING_A_PRIVATE_IPV4)
def test_an_ipv6_address_carrying_a_private_ipv4_is_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_stay_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:7f00:1::", "::7f00:1"])
async def test_saving_a_webhook_on_such_an_address_is_refused(
    clients: MakeClient, address: str
) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    status, body = await raw(
        dev,
        "PUT",
        f"/api/v1/developer/accounts/{made['account']['id']}/webhook",
        json={"url": f"http://[{address}]:8080/hook"},
    )
    assert status == 400
    error_of(body, "platform.webhook_refused")


@pytest.fixture
async def listener() -> AsyncIterator[tuple[int, list[str]]]:
    """A webhook on 127.0.0.1 that records every request reaching it."""
    reached: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        reached.append(request.path)
        if request.path == "/loop":
            raise web.HTTPFound("/loop")
        if request.path == "/elsewhere":
            raise web.HTTPFound("file:///etc/passwd")
        return web.Response(text="success")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1], reached
    await runner.cleanup()


@pytest.mark.parametrize(
    "host", [*NUMERIC_LOOPBACK, "[::7f00:1]", "[64:ff9b::7f00:1]", "[::ffff:7f00:1]"]
)
async def test_at_connect_time_a_host_naming_a_private_address_is_refused(
    listener: tuple[int, list[str]], host: str
) -> None:
    """As the dispatcher calls it, with a URL that was never checked (saved before an
    upgrade, or by a database restore): the guard itself refuses, at once."""
    port, reached = listener
    client = WebhookClient(timeout=3.0, allow_private=False)
    try:
        started = time.monotonic()
        with pytest.raises(OSError, match="not a public address"):
            await client.request("POST", f"http://{host}:{port}/hook", {}, "<xml/>", owner=1)
        assert time.monotonic() - started < 1.0  # no connection was even tried
    finally:
        await client.close()
    assert reached == []


@pytest.mark.parametrize("host", NUMERIC_LOOPBACK)
async def test_the_resolver_judges_numeric_hosts_without_resolving_them(host: str) -> None:
    resolver = GuardedResolver(allow_private=False)
    try:
        with pytest.raises(OSError, match="not a public address"):
            await resolver.resolve(host, 80)
    finally:
        await resolver.close()


async def test_the_guard_is_lifted_only_by_the_operator_setting(
    listener: tuple[int, list[str]],
) -> None:
    port, reached = listener
    client = WebhookClient(timeout=3.0, allow_private=True)
    try:
        answer = await client.request(
            "POST", f"http://127.0.0.1:{port}/hook", {}, "<xml/>", owner=1
        )
    finally:
        await client.close()
    assert answer.status == 200 and reached == ["/hook"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", *NUMERIC_LOOPBACK, "[::ffff:7f00:1]", "[::7f00:1]"]
)
async def test_the_fetcher_of_link_pictures_refuses_private_addresses(
    listener: tuple[int, list[str]], host: str
) -> None:
    """Moments' link-card pictures go through the same guard (platform/fetcher.py)."""
    port, reached = listener
    fetcher = PublicFetcher(allow_private=False, timeout=3.0)
    try:
        with pytest.raises(OSError):
            await fetcher.get(f"http://{host}:{port}/pic.png", 1 << 20)
    finally:
        await fetcher.close()
    assert reached == []


async def test_the_fetcher_follows_few_redirects_and_only_to_http(
    listener: tuple[int, list[str]],
) -> None:
    port, reached = listener
    fetcher = PublicFetcher(allow_private=True, timeout=3.0)
    try:
        with pytest.raises(FetchRefused, match="too many redirects"):
            await fetcher.get(f"http://127.0.0.1:{port}/loop", 1 << 20)
        assert reached == ["/loop"] * 4
        with pytest.raises(FetchRefused, match="not an http"):
            await fetcher.get(f"http://127.0.0.1:{port}/elsewhere", 1 << 20)
        with pytest.raises(FetchRefused, match="larger than"):
            await fetcher.get(f"http://127.0.0.1:{port}/ok", 3)
        assert await fetcher.get(f"http://127.0.0.1:{port}/ok", 100) == b"success"
    finally:
        await fetcher.close()
