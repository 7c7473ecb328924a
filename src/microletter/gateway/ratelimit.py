"""Rate limits per user and per client address, with the `limits` library (fixed windows,
in memory now; the same limiter takes a Redis storage when the server is scaled out)."""

from __future__ import annotations

import functools
import ipaddress
import itertools
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from microletter.core.errors import RateLimited


@functools.lru_cache(maxsize=4096)  # parsing IPv6 costs microseconds; clients come back
def address_key(address: str) -> str:
    """What a client address is counted under: an IPv4 address as it is, an IPv6 address
    by its /64. A /64 is one subscriber's network, in which a host may take any of 2^64
    addresses, so counting each address would let one client rotate past every limit."""
    if ":" not in address:  # IPv4 (as the socket and _client_ip write it): as it is
        return address
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return f"{ipaddress.IPv6Address(int(ip) >> 64 << 64)}/64"  # (IPv6Network: 1.5x slower)
    return str(ip)


class LocalWindows:
    """The same fixed windows, counted in this process without awaiting anything: for the
    WebSocket hot path, where the async limiter cost ~10% of the CPU of a send.

    At most `max_keys` keys are kept. When a new key finds the table full, the keys whose
    every window has ended are dropped (they count nothing any more). Only if that frees
    too little (more keys active at once than the table holds) are the keys least
    recently active dropped too, down to 7/8 of the table, so the sweep is rare. Nobody
    else's count is reset: the table once was cleared whole when full, which reset
    everyone's limits at once, on demand of anyone with 200,000 addresses."""

    def __init__(self, items: list[RateLimitItem], max_keys: int = 200_000) -> None:
        self._rules = [(item.amount, float(item.get_expiry())) for item in items]
        # key -> [[window start, count] per rule]; ordered by when a window last started
        self._windows: dict[str, list[list[float]]] = {}
        self._max_keys = max_keys

    def __len__(self) -> int:
        return len(self._windows)

    def hit(self, key: str, now: float) -> float | None:
        """Count one request; None if allowed, else seconds until it would be."""
        windows = self._windows.get(key)
        if windows is None:
            if len(self._windows) >= self._max_keys:
                self._expire(now)
            windows = self._windows[key] = [[now, 0.0] for _ in self._rules]
        restarted = False
        for (amount, length), window in zip(self._rules, windows, strict=True):
            if now - window[0] >= length:
                window[0], window[1] = now, 0.0
                restarted = True
            if window[1] >= amount:
                return window[0] + length - now
        if restarted:  # keep the table ordered by activity: the stalest keys come first
            self._windows[key] = self._windows.pop(key)
        for window in windows:
            window[1] += 1
        return None

    def _expire(self, now: float) -> None:
        rules = self._rules
        ended = [
            key
            for key, windows in self._windows.items()
            if all(now - w[0] >= length for (_, length), w in zip(rules, windows, strict=True))
        ]
        for key in ended:
            del self._windows[key]
        excess = len(self._windows) - self._max_keys * 7 // 8
        if excess > 0:
            for key in list(itertools.islice(self._windows, excess)):
                del self._windows[key]


class RateLimits:
    def __init__(
        self,
        user: str,
        ip: str,
        auth_ip: str,
        upload: str = "20/minute",
        storage: Storage | None = None,
        account: str = "200/second",
        search: str = "10/second;300/minute",
        translate: str = "30/minute;600/hour",
    ) -> None:
        self._limiter = FixedWindowRateLimiter(storage or MemoryStorage())
        self._rules: dict[str, list[RateLimitItem]] = {
            "user": parse_many(user),
            "ip": parse_many(ip),
            "auth": parse_many(auth_ip),
            "upload": parse_many(upload),
            "account": parse_many(account),  # an official account's /cgi-bin calls
            "search": parse_many(search),  # searches of message history (search/)
            "translate": parse_many(translate),  # translations of messages (translate/)
        }
        self._local = {kind: LocalWindows(items) for kind, items in self._rules.items()}

    def hit_now(self, kind: str, key: str) -> None:
        """Like `hit`, counted in this process only, without awaiting (hot paths)."""
        retry = self._local[kind].hit(key, time.monotonic())
        if retry is not None:
            raise RateLimited(
                limit=";".join(str(i) for i in self._rules[kind]),
                scope=kind,
                retry_after_seconds=round(retry, 1),
            )

    async def hit(self, kind: str, key: str) -> None:
        """Count one request of `kind` for `key`; raise RateLimited when over any window."""
        for item in self._rules[kind]:
            if not await self._limiter.hit(item, kind, key):
                stats = await self._limiter.get_window_stats(item, kind, key)
                retry = max(0.0, stats.reset_time - time.time())
                raise RateLimited(limit=str(item), scope=kind, retry_after_seconds=round(retry, 1))
