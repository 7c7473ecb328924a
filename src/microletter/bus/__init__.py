"""Fan-out between processes behind the Bus door, and presence beside it, picked by URL:
memory:// (default), local:///path/bus.sock (the processes of one node, through the relay
that `serve --workers N` on SQLite runs: `open_relay`), redis:// (one Redis) or
redis+cluster://host:port,host:port (a Redis Cluster; rediss:// and rediss+cluster://
with TLS). The Redis client is imported only for those URLs."""

from __future__ import annotations

from microletter.bus.local import Relay
from microletter.ports import Bus, Presence

__all__ = ["REDIS_SCHEMES", "Relay", "open_bus", "open_presence", "open_relay"]

REDIS_SCHEMES = ("redis:", "rediss:", "redis+cluster:", "rediss+cluster:")


async def open_bus(url: str) -> Bus:
    if url.startswith("memory:"):
        from microletter.bus.memory import MemoryBus

        return MemoryBus()
    if url.startswith("local:"):
        from microletter.bus.local import LocalBus

        return await LocalBus.open(url)
    if url.startswith(REDIS_SCHEMES):
        from microletter.bus.redis import RedisBus

        return await RedisBus.open(url)
    scheme = url.split(":", 1)[0]
    raise ValueError(
        f"unsupported bus URL scheme {scheme!r}; use memory://, local:///path, redis://... or redis+cluster://..."
    )


async def open_presence(url: str) -> Presence:
    """Presence next to the bus: in memory for memory://, in Redis for the Redis URLs."""
    if url.startswith(REDIS_SCHEMES):
        from microletter.bus.redis import RedisPresence

        return RedisPresence.open(url)
    if url.startswith("local:"):
        from microletter.bus.local import LocalPresence

        return await LocalPresence.open(url)
    from microletter.bus.memory import MemoryPresence

    return MemoryPresence()


async def open_relay(path: str) -> Relay:
    """Serve the local bus (and presence) at the Unix socket `path`, for `local://` URLs."""
    relay = Relay(path)
    await relay.start()
    return relay
