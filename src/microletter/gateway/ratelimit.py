"""Rate limits per user and per client address, with the `limits` library (fixed windows,
in memory now; the same limiter takes a Redis storage when the server is scaled out)."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from microletter.core.errors import RateLimited


class RateLimits:
    def __init__(
        self,
        user: str,
        ip: str,
        auth_ip: str,
        upload: str = "20/minute",
        storage: Storage | None = None,
    ) -> None:
        self._limiter = FixedWindowRateLimiter(storage or MemoryStorage())
        self._rules: dict[str, list[RateLimitItem]] = {
            "user": parse_many(user),
            "ip": parse_many(ip),
            "auth": parse_many(auth_ip),
            "upload": parse_many(upload),
        }

    async def hit(self, kind: str, key: str) -> None:
        """Count one request of `kind` for `key`; raise RateLimited when over any window."""
        for item in self._rules[kind]:
            if not await self._limiter.hit(item, kind, key):
                stats = await self._limiter.get_window_stats(item, kind, key)
                retry = max(0.0, stats.reset_time - time.time())
                raise RateLimited(limit=str(item), scope=kind, retry_after_seconds=round(retry, 1))
