"""The in-process bus: a dict from topic to handlers. Delivery is a direct call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from microletter.ports import Handler

log = logging.getLogger(__name__)


class _Subscription:
    __slots__ = ("_bus", "_topic", "_handler")

    def __init__(self, bus: MemoryBus, topic: str, handler: Handler) -> None:
        self._bus = bus
        self._topic = topic
        self._handler = handler

    def close(self) -> None:
        self._bus._remove(self._topic, self._handler)

    async def ready(self) -> None:
        return  # a direct call: live from the moment it is made


class MemoryBus:
    def __init__(self) -> None:
        self._topics: dict[str, list[Handler]] = {}

    async def publish(self, items: Sequence[tuple[str, object]]) -> None:
        topics = self._topics
        for topic, message in items:
            handlers = topics.get(topic)
            if not handlers:
                continue
            for handler in tuple(handlers):  # a handler may unsubscribe while called
                try:
                    handler(message)
                except Exception:  # one broken subscriber must not stop the fan-out
                    log.exception("bus.handler_failed", extra={"topic": topic})

    def subscribe(self, topic: str, handler: Handler) -> _Subscription:
        self._topics.setdefault(topic, []).append(handler)
        return _Subscription(self, topic, handler)

    def on_gap(self, callback: Callable[[], None]) -> None:
        return  # in one process nothing is ever lost between publish and handler

    def _remove(self, topic: str, handler: Handler) -> None:
        handlers = self._topics.get(topic)
        if handlers is None:
            return
        try:
            handlers.remove(handler)
        except ValueError:
            return
        if not handlers:
            del self._topics[topic]

    async def close(self) -> None:
        self._topics.clear()
