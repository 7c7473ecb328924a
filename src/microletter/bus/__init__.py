"""Fan-out between processes behind the Bus door, picked by URL: memory:// (default) or redis://."""

from __future__ import annotations

from microletter.ports import Bus

__all__ = ["open_bus"]


async def open_bus(url: str) -> Bus:
    if url.startswith("memory:"):
        from microletter.bus.memory import MemoryBus

        return MemoryBus()
    if url.startswith(("redis:", "rediss:")):
        from microletter.bus.redis import RedisBus

        return await RedisBus.open(url)
    scheme = url.split(":", 1)[0]
    raise ValueError(f"unsupported bus URL scheme {scheme!r}; use memory:// or redis://...")
