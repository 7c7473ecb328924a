"""Outgoing GETs of a public URL's bytes for other rooms (a Moments link card's picture),
under the webhooks' SSRF guard (webhook.py): only http(s), only public addresses, judged
by the resolver at every connection and for IP literals before it; redirects are followed
by hand (a few), each hop judged again; no proxies from the environment, no cookies;
bounded in bytes and in time. It moves bytes and decides nothing about what they are
(the media room decodes them, in its decoder processes).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urljoin, urlsplit

import aiohttp

from microletter.platform.webhook import GuardedResolver, is_public, literal_address

MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


class FetchRefused(OSError):
    """The URL was not fetched: refused by the guard, failed, too large or too slow."""


class PublicFetcher:
    """GET the bytes behind public URLs; every failure is an OSError (FetchRefused,
    TimeoutError). `allow_private` lifts the address check, as for webhooks (tests)."""

    def __init__(self, *, allow_private: bool, timeout: float = 5.0) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.allow_private), limit=32, limit_per_host=4
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": "microletter-fetcher"},
            )
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def get(self, url: str, max_bytes: int, timeout: float | None = None) -> bytes:
        """The body of a 200 answer to GET `url` (at most `max_bytes`), within `timeout`
        seconds in all (redirects included)."""
        try:
            async with asyncio.timeout(timeout or self.timeout):
                for _ in range(MAX_REDIRECTS + 1):
                    self._check(url)
                    async with self._open().get(url, allow_redirects=False) as response:
                        if response.status in REDIRECTS and "Location" in response.headers:
                            url = urljoin(url, response.headers["Location"])
                            continue
                        if response.status != 200:
                            raise FetchRefused(f"answered {response.status}")
                        return await _read(response, max_bytes)
                raise FetchRefused("too many redirects")
        except aiohttp.ClientError as exc:
            raise FetchRefused(type(exc).__name__) from None

    def _check(self, url: str) -> None:
        """http(s) only; and a host that names an address by itself (an IP literal, or
        numeric IPv4 such as 2130706433) never reaches the resolver, so it is judged here."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:  # such as an unclosed IPv6 bracket in a redirect
            host = None
        if not host or parts.scheme not in ("http", "https"):
            raise FetchRefused("not an http(s) URL")
        if self.allow_private:
            return
        literal = literal_address(host)
        if literal is not None and not is_public(literal):
            raise FetchRefused(f"{host} is not a public address")


async def _read(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise FetchRefused(f"larger than {max_bytes} bytes")
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise FetchRefused(f"larger than {max_bytes} bytes")
    return bytes(body)
