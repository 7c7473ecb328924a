"""The background part of keeping the index on SQLite: every `interval` seconds, index what
sends queued (store/index.py), so the queue stays short between searches. A periodic task
owned by app.py (start, stop); on PostgreSQL there is no queue and it does not run."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from microletter.core.errors import MicroletterError
from microletter.search.store import SearchStore

log = logging.getLogger(__name__)


class Indexer:
    def __init__(self, store: SearchStore, interval: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.store.sqlite and self._task is None:
            self._task = asyncio.create_task(self._run(), name="search-indexer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.store.catch_up()
            except MicroletterError:  # the database is away: the queue waits, durably
                log.warning("search.index_failed")
