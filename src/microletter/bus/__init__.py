"""Fan-out between processes behind the Bus door, and presence beside it, picked by URL:
memory:// (default), redis:// (one Redis) or redis+cluster://host:port,host:port (a Redis
Cluster; rediss:// and rediss+cluster:// with TLS). The Redis client is imported only for
those URLs."""

from __future__ import annotations

from microletter.ports import Bus, Presence

__all__ = ["REDIS_SCHEMES", "open_bus", "open_presence"]

REDIS_SCHEMES = ("redis:", "rediss:", "redis+cluster:", "rediss+cluster:")


async def open_bus(url: str) -> Bus:
    if url.startswith("memory:"):
        from microletter.bus.memory import MemoryBus

        return MemoryBus()
    if url.startswith(REDIS_SCHEMES):
        from microletter.bus.redis import RedisBus

        return await RedisBus.open(url)
    scheme = url.split(":", 1)[0]
    raise ValueError(
        f"unsupported bus URL scheme {scheme!r}; use memory://, redis://... or redis+cluster://..."
    )


async def open_presence(url: str) -> Presence:
    """Presence next to the bus: in memory for memory://, in Redis for the Redis URLs."""
    if url.startswith(REDIS_SCHEMES):
        from microletter.bus.redis import RedisPresence

        return RedisPresence.open(url)
    from microletter.bus.memory import MemoryPresence

    return MemoryPresence()
