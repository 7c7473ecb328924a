"""One handler on one topic, as every bus backend hands it out: closing it and awaiting
it go back to the bus that made it. It holds no state of its own, so it does no I/O."""

from __future__ import annotations

from typing import Protocol

from microletter.ports import Handler


class Topics(Protocol):
    """What a bus keeps per topic, as a subscription needs it."""

    def _remove(self, topic: str, handler: Handler) -> None: ...

    async def _ready(self, topic: str) -> None: ...


class TopicSubscription:
    """ports.Subscription for memory://, local:// and redis:// alike."""

    __slots__ = ("_bus", "_topic", "_handler")

    def __init__(self, bus: Topics, topic: str, handler: Handler) -> None:
        self._bus = bus
        self._topic = topic
        self._handler = handler

    def close(self) -> None:
        self._bus._remove(self._topic, self._handler)

    async def ready(self) -> None:
        await self._bus._ready(self._topic)
