"""Outgoing HTTP to developers' webhooks, guarded against SSRF.

Only http(s) URLs to public addresses are reached: the address is checked when the URL
is saved and again on every connection, by the resolver itself, so a host name that
later resolves to 127.0.0.1 or 10.x (DNS rebinding) is refused too. Redirects are not
followed, proxies from the environment are ignored, no cookies are kept, and replies
are read up to a small limit. `allow_private` (an operator setting; the tests use it for
loopback) lifts the address check. This module moves bytes; it decides nothing about
what the bytes mean (pushes.py does).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from microletter.platform.errors import WebhookRefused, WebhookVerificationFailed
from microletter.platform.rules.officials import check_webhook_url
from microletter.platform.signature import signature

log = logging.getLogger(__name__)

MAX_REPLY = 64 * 1024  # bytes of a webhook's answer we read at most


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 forms that carry an IPv4 address inside: a packet to one may end up at that IPv4
# address (through a NAT64 gateway, a 6to4 relay, a Teredo server, or a dual stack), so
# the IPv4 address inside must be public too.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052, the well-known prefix
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: a site's own; never public
TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, IPv4-translated (RFC 2765)
COMPATIBLE = ipaddress.IPv6Network("::/96")  # IPv4-compatible (RFC 4291, deprecated)


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself, or None for a name to resolve: an IP literal,
    or any numeric form of IPv4 that `inet_aton` reads ('2130706433', '0x7f000001',
    '0177.0.0.1', '127.1'), which resolvers answer without asking anyone."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, NAT64, translated,
    compatible, 6to4, both of Teredo's)."""
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    found = [ip.ipv4_mapped] if ip.ipv4_mapped is not None else []
    if ip in NAT64 or ip in TRANSLATED or ip in COMPATIBLE:
        found.append(low)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_public(address: str | IPAddress) -> bool:
    """Whether an IP address is on the public internet: not loopback, private,
    link-local, shared, multicast, reserved or unspecified, and (IPv6) not a form that
    carries such an IPv4 address. IPv4-mapped IPv6 is judged as the IPv4 address."""
    if isinstance(address, str):
        try:
            address = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in NAT64_LOCAL:
            return False
        if not all(is_public(inner) for inner in embedded_ipv4(address)):
            return False
    return address.is_global and not address.is_multicast


class GuardedResolver(AbstractResolver):
    """Resolves names like the default resolver, then drops every non-public address."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not self._allow_private:
            literal = literal_address(host)
            if literal is not None and not is_public(literal):
                raise OSError(f"{host} is not a public address")
        found = await self._inner.resolve(host, port, family)
        if self._allow_private:
            return found
        allowed = [r for r in found if is_public(r["host"])]
        if not allowed:
            raise OSError(f"{host} resolves only to non-public addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    truncated: bool


PUSHES = "push"  # an account's pushes (the dispatcher)
VERIFYING = "verify"  # an account's handshakes (the console): never queued behind its pushes
VERIFY_CONNECTIONS = 2
IDLE_SECONDS = 60.0  # a pool unused this long is closed (its account's webhook went quiet)


class Pool:
    """The connections of one account, for one purpose: at most `limit`, so webhooks
    that accept and never answer hold only their own account's share."""

    def __init__(self, allow_private: bool, limit: int) -> None:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(allow_private), limit=limit, limit_per_host=0
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": "microletter-platform"},
        )
        self.busy = 0
        self.used = time.monotonic()


class WebhookClient:
    """Outgoing requests to webhooks, each with a total timeout, each account on pools of
    its own (`per_account` connections for its pushes, two for handshakes). One pool for
    everyone was a shared resource: an account whose webhooks accept and never answer
    held all 256 of its connections, and an honest account's push waited out its 5 s."""

    def __init__(self, *, timeout: float, allow_private: bool, per_account: int = 8) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.per_account = per_account
        self._pools: dict[tuple[str, int], Pool] = {}
        self._swept = time.monotonic()

    def _pool(self, purpose: str, owner: int) -> Pool:
        key = (purpose, owner)
        pool = self._pools.get(key)
        if pool is None:
            limit = self.per_account if purpose == PUSHES else VERIFY_CONNECTIONS
            pool = self._pools[key] = Pool(self.allow_private, limit)
        pool.used = time.monotonic()
        return pool

    async def _sweep(self) -> None:
        """Close the pools nobody used for a while (at most once per IDLE_SECONDS)."""
        now = time.monotonic()
        if now - self._swept < IDLE_SECONDS:
            return
        self._swept = now
        idle = [k for k, p in self._pools.items() if not p.busy and now - p.used > IDLE_SECONDS]
        for key in idle:
            await self._pools.pop(key).session.close()

    async def forget(self, owner: int) -> None:
        """Close an account's push pool (its webhook was removed, or another process
        pushes now). Its handshake pool closes when idle: a handshake may be under way."""
        pool = self._pools.pop((PUSHES, owner), None)
        if pool is not None:
            await pool.session.close()

    async def close(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.session.close()

    async def check_address(self, url: str) -> None:
        """Refuse a URL whose host is, or resolves to, a non-public address."""
        check_webhook_url(url)
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        literal = literal_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, None, type=socket.SOCK_STREAM
                )
            except OSError:
                raise WebhookRefused(
                    "The webhook's host name does not resolve.", host=host
                ) from None
            addresses = [str(info[4][0]) for info in infos]
        if not addresses or not all(is_public(a) for a in addresses):
            raise WebhookRefused(
                "The webhook's address is private, loopback or reserved.", host=host
            )

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        body: str | None = None,
        *,
        owner: int,
        purpose: str = PUSHES,
        timeout: float | None = None,
        content_type: str = "text/xml; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request on `owner`'s pool (the account whose webhook it is), within
        `timeout` seconds (default: the client's); raises OSError/TimeoutError/
        aiohttp.ClientError on failure."""
        await self._check_literal(url)
        await self._sweep()
        kwargs: dict[str, Any] = {"params": params, "allow_redirects": False}
        if body is not None:
            kwargs["data"] = body.encode()
            kwargs["headers"] = {"Content-Type": content_type, **(headers or {})}
        pool = self._pool(purpose, owner)
        pool.busy += 1
        try:
            async with asyncio.timeout(self.timeout if timeout is None else timeout):
                async with pool.session.request(method, url, **kwargs) as response:
                    data = await response.content.read(MAX_REPLY + 1)
                    return Answer(response.status, data[:MAX_REPLY], len(data) > MAX_REPLY)
        finally:
            pool.busy -= 1
            pool.used = time.monotonic()

    async def _check_literal(self, url: str) -> None:
        """Hosts that name an address by themselves (IP literals, and numeric IPv4 such
        as 2130706433) never reach the resolver, so judge them here, at every
        connection, whatever was checked when the URL was saved."""
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        literal = literal_address(host)
        if literal is not None and not is_public(literal):
            raise OSError(f"{host} is not a public address")

    async def verify(self, url: str, token: str, timestamp: int, *, owner: int) -> None:
        """The protocol's handshake: GET with signature, timestamp, nonce and echostr;
        the webhook must answer 200 with exactly the echostr (a trailing newline is fine)."""
        await self.check_address(url)
        nonce = str(secrets.randbelow(10**10))
        echostr = secrets.token_hex(10)
        params = {
            "signature": signature(token, str(timestamp), nonce),
            "timestamp": str(timestamp),
            "nonce": nonce,
            "echostr": echostr,
        }
        try:
            answer = await self.request("GET", url, params, owner=owner, purpose=VERIFYING)
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            raise WebhookVerificationFailed(
                "The webhook could not be reached.", reason=type(exc).__name__, error=str(exc)
            ) from None
        got = answer.body.rstrip(b"\r\n")
        if answer.status != 200 or got != echostr.encode():
            raise WebhookVerificationFailed(
                status=answer.status,
                expected=echostr,
                got=got[:200].decode("utf-8", "replace"),
            )
