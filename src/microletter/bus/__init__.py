"""Fan-out between processes behind the Bus door, and presence beside it, picked by URL:
memory:// (default) or redis://. The Redis client is imported only for redis:// URLs."""

from __future__ import annotations

from microletter.ports import Bus, Presence

__all__ = ["open_bus", "open_presence"]


async def open_bus(url: str) -> Bus:
    if url.startswith("memory:"):
        from microletter.bus.memory import MemoryBus

        return MemoryBus()
    if url.startswith(("redis:", "rediss:")):
        from microletter.bus.redis import RedisBus

        return await RedisBus.open(url)
    scheme = url.split(":", 1)[0]
    raise ValueError(f"unsupported bus URL scheme {scheme!r}; use memory:// or redis://...")


async def open_presence(url: str) -> Presence:
    """Presence next to the bus: in memory for memory://, in Redis for redis://."""
    if url.startswith(("redis:", "rediss:")):
        from microletter.bus.redis import RedisPresence

        return RedisPresence.open(url)
    from microletter.bus.memory import MemoryPresence

    return MemoryPresence()
