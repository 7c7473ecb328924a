"""The in-process bus: a dict from topic to handlers. Delivery is a direct call.
And in-process presence: a dict from user to devices and when each expires."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from microletter.bus.subscription import TopicSubscription
from microletter.core.ids import DeviceId, UserId
from microletter.ports import Handler

log = logging.getLogger(__name__)


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

    def subscribe(self, topic: str, handler: Handler) -> TopicSubscription:
        self._topics.setdefault(topic, []).append(handler)
        return TopicSubscription(self, topic, handler)

    def on_gap(self, callback: Callable[[], None]) -> None:
        return  # in one process nothing is ever lost between publish and handler

    async def _ready(self, topic: str) -> None:
        return  # a direct call: live from the moment it is made

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


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class MemoryPresence:
    def __init__(self) -> None:
        self._until: dict[UserId, dict[DeviceId, int]] = {}

    async def mark_online(self, devices: Sequence[tuple[UserId, DeviceId]], ttl: float) -> None:
        until = _now_ms() + int(ttl * 1000)
        for uid, did in devices:
            self._until.setdefault(uid, {})[did] = until

    async def mark_offline(self, user_id: UserId, device_id: DeviceId) -> None:
        devices = self._until.get(user_id)
        if devices is not None:
            devices.pop(device_id, None)
            if not devices:
                del self._until[user_id]

    async def online(self, user_ids: Sequence[UserId]) -> set[UserId]:
        now = _now_ms()
        return {u for u in user_ids if any(t > now for t in self._until.get(u, {}).values())}

    async def close(self) -> None:
        self._until.clear()
