"""One pipeline to Redis at a time: the publishes made while one is out go in the next.

Why: each `publish` used to send its own pipeline, on a connection of its own from
redis-py's pool. A burst of concurrent sends (a busy group, a red packet's opens) asked for
more connections than the pool holds (100), redis-py refused the rest with
`MaxConnectionsError`, and those hints were lost. Queued here, a burst needs one
connection, costs one round trip per pipeline instead of one per publish, and a topic's
messages reach Redis in the order they were published (two pipelines on two connections
could overtake each other).

Each caller still waits until its items were sent (or dropped), so a Redis that is slow
holds the publishers back instead of letting the queue grow without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Items = list[tuple[str, bytes]]


class Outbox:
    def __init__(
        self,
        send: Callable[[Items], Awaitable[None]],
        timeout: float,
        on_lost: Callable[[int], None],
    ) -> None:
        self._send = send
        self._timeout = timeout
        self._on_lost = on_lost
        self._queued: Items = []
        self._sent: asyncio.Future[None] | None = None  # resolves when `_queued` went out
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def put(self, items: Items) -> None:
        """Queue `items`; return once they were sent, or dropped (never raises)."""
        if self._closed:
            self._on_lost(len(items))
            return
        self._queued.extend(items)
        if self._sent is None:
            self._sent = asyncio.get_running_loop().create_future()
        sent = self._sent
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())
        # Shielded: one caller that is cancelled must not cancel its batch-mates' wait.
        await asyncio.shield(sent)

    async def _drain(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued, []
                done, self._sent = self._sent, None
                try:
                    async with asyncio.timeout(self._timeout):
                        await self._send(batch)
                except Exception as exc:  # a hint is dropped, never raised: the write is committed
                    self._on_lost(len(batch))
                    log.warning(
                        "bus.publish_failed", extra={"error": repr(exc), "items": len(batch)}
                    )
                finally:
                    if done is not None and not done.done():
                        done.set_result(None)
        finally:
            self._task = None
            if self._queued:  # cancelled (the loop is closing): drop the rest, free the callers
                self._on_lost(len(self._queued))
                self._queued = []
            if self._sent is not None and not self._sent.done():
                self._sent.set_result(None)
            self._sent = None

    async def close(self) -> None:
        """Send what is queued (within the timeout), then refuse more."""
        self._closed = True
        task = self._task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
