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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from microletter.core.errors import WebhookRefused, WebhookVerificationFailed
from microletter.core.officials import check_webhook_url
from microletter.platform.signature import signature

log = logging.getLogger(__name__)

MAX_REPLY = 64 * 1024  # bytes of a webhook's answer we read at most


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    shared, multicast, reserved or unspecified; IPv4-mapped IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class GuardedResolver(AbstractResolver):
    """Resolves names like the default resolver, then drops every non-public address."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
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


class WebhookClient:
    """One connection pool for all webhooks; every request has a total timeout."""

    def __init__(self, *, timeout: float, allow_private: bool) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.allow_private), limit=256, limit_per_host=16
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": "microletter-platform"},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def check_address(self, url: str) -> None:
        """Refuse a URL whose host is, or resolves to, a non-public address."""
        check_webhook_url(url)
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        try:
            ipaddress.ip_address(host.strip("[]"))
            addresses = [host.strip("[]")]
        except ValueError:
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
        self, method: str, url: str, params: dict[str, str], body: str | None = None
    ) -> Answer:
        """One request; raises OSError/TimeoutError/aiohttp.ClientError on failure."""
        await self._check_literal(url)
        kwargs: dict[str, Any] = {"params": params, "allow_redirects": False}
        if body is not None:
            kwargs["data"] = body.encode()
            kwargs["headers"] = {"Content-Type": "text/xml; charset=utf-8"}
        async with asyncio.timeout(self.timeout):
            async with self._http().request(method, url, **kwargs) as response:
                data = await response.content.read(MAX_REPLY + 1)
                return Answer(response.status, data[:MAX_REPLY], len(data) > MAX_REPLY)

    async def _check_literal(self, url: str) -> None:
        """IP literals never reach the resolver, so check them here."""
        host = (urlsplit(url).hostname or "").strip("[]")
        if self.allow_private:
            return
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return
        if not is_public(host):
            raise OSError(f"{host} is not a public address")

    async def verify(self, url: str, token: str, timestamp: int) -> None:
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
            answer = await self.request("GET", url, params)
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
