"""Rate limits per user and per client address, with the `limits` library (fixed windows,
in memory now; the same limiter takes a Redis storage when the server is scaled out)."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from microletter.core.errors import RateLimited


class LocalWindows:
    """The same fixed windows, counted in this process without awaiting anything: for the
    WebSocket hot path, where the async limiter cost ~10% of the CPU of a send."""

    def __init__(self, items: list[RateLimitItem], max_keys: int = 200_000) -> None:
        self._rules = [(item.amount, float(item.get_expiry())) for item in items]
        self._windows: dict[str, list[list[float]]] = {}
        self._max_keys = max_keys

    def hit(self, key: str, now: float) -> float | None:
        """Count one request; None if allowed, else seconds until it would be."""
        windows = self._windows.get(key)
        if windows is None:
            if len(self._windows) >= self._max_keys:
                self._windows.clear()
            windows = self._windows[key] = [[now, 0.0] for _ in self._rules]
        for (amount, length), window in zip(self._rules, windows, strict=True):
            if now - window[0] >= length:
                window[0], window[1] = now, 0.0
            if window[1] >= amount:
                return window[0] + length - now
        for window in windows:
            window[1] += 1
        return None


class RateLimits:
    def __init__(
        self,
        user: str,
        ip: str,
        auth_ip: str,
        upload: str = "20/minute",
        storage: Storage | None = None,
        account: str = "200/second",
    ) -> None:
        self._limiter = FixedWindowRateLimiter(storage or MemoryStorage())
        self._rules: dict[str, list[RateLimitItem]] = {
            "user": parse_many(user),
            "ip": parse_many(ip),
            "auth": parse_many(auth_ip),
            "upload": parse_many(upload),
            "account": parse_many(account),  # an official account's /cgi-bin calls
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
