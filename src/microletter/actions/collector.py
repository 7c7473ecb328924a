"""The media collector: uploads nobody sent expire, and blobs nothing refers to any more
are deleted from the database and from disk. A periodic task of app.py (it measures what is
stored at start, and runs every interval after), one process at a time (a lease on the
database), each run bounded; also run on demand (`run_once`, `run_pass`).

Theory of operation. One run is four steps, each its own transaction:

1. expire: uploads last made more than `upload_ttl` ago whose blob no other referrer
   names (never sent, or every message with it recalled) are deleted;
2. collect: blobs last stored more than `grace` ago that no referrer names (uploads
   included) are deleted from `media` and put in `media_trash`, under the lock protocol
   of storage/retention.py, so a send racing with it either keeps the blob or fails with
   `media.not_found`; never does a message point at a deleted blob;
3. sweep: the files of the blobs in the trash are deleted (in a worker thread), unless
   an upload stored the same bytes again meanwhile (then the row is back, or the file was
   touched: see media/blobs.py), and their trash rows are forgotten; a run that died
   before this step leaves its trash to the next one;
4. measure: the stored blobs' count and bytes go to /metrics.

Steps 1 and 2 each look at `batch` blob ids, and continue after the last one on the
next run (wrapping around at the end), so a run's cost is bounded however many blobs
there are, and every blob is looked at once per pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from microletter.core.errors import MicroletterError
from microletter.core.media import MediaId, Variant, blob_key
from microletter.core.models import Instant
from microletter.core.quotas import Retention
from microletter.metrics import Metrics
from microletter.ports import Blobs, Lease, Referrer, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Collected:
    """What one run did, and what is stored after it."""

    uploads_expired: int
    blobs_collected: int
    files_deleted: int
    bytes_freed: int
    blobs: int
    bytes: int


class Collector:
    """Runs the collection every `interval` seconds (0: never by itself), each time if it
    gets `lease`; started and stopped by app.py (`microletter admin collect-media` runs whole
    passes on demand)."""

    def __init__(
        self,
        store: Store,
        blobs: Blobs,
        retention: Retention,
        referrers: Iterable[Referrer],
        metrics: Metrics,
        clock: Callable[[], Instant],
        lease: Lease,
        interval: float,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.retention = retention
        self.referrers = referrers
        self.metrics = metrics
        self.clock = clock
        self.lease = lease
        self.interval = interval
        self._uploads_after: MediaId | None = None  # where the next steps start
        self._media_after: MediaId | None = None
        self._trash_busy = False  # the last sweep had a full page and made progress
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one run at a time in this process
        self.last: Collected | None = None  # the last run's result
        self.ran = asyncio.Event()  # set after each run (for whoever waits for one)

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.lease.release()

    async def _loop(self) -> None:
        try:  # the gauges at once; the first run after an interval (a start writes nothing)
            await self._measure()
        except MicroletterError as exc:
            log.warning("media.measure_failed", extra={"error": exc.code})
        while True:
            await asyncio.sleep(self.interval)
            try:
                if await self.lease.try_acquire():
                    try:
                        await self.run_once()
                    finally:  # another process may take the next run
                        await self.lease.release()
            except MicroletterError as exc:  # the database is away: try again next time
                log.warning("media.collect_failed", extra={"error": exc.code})
            except Exception:
                log.exception("media.collect_crashed")

    async def run_once(self) -> Collected:
        """One bounded run of the four steps (see the module's docstring)."""
        async with self._lock:
            self.last = await self._run()
        self.ran.set()
        return self.last

    async def run_pass(self, on_run: Callable[[Collected], None] | None = None) -> Collected:
        """Runs until the uploads and the blobs were each looked at to their end (all of
        them, for a new collector) and the trash is as empty as it gets; what they did,
        summed (the totals are the last run's)."""
        runs: list[Collected] = []
        uploads_done = media_done = False
        while True:
            runs.append(await self.run_once())
            if on_run is not None:
                on_run(runs[-1])
            uploads_done = uploads_done or self._uploads_after is None
            media_done = media_done or self._media_after is None
            if uploads_done and media_done and not self._trash_busy:
                break
        last = runs[-1]
        return Collected(
            sum(r.uploads_expired for r in runs),
            sum(r.blobs_collected for r in runs),
            sum(r.files_deleted for r in runs),
            sum(r.bytes_freed for r in runs),
            last.blobs,
            last.bytes,
        )

    async def _run(self) -> Collected:
        store, retention = self.store, self.retention
        referrers = tuple(self.referrers)
        if not referrers:  # nobody was asked: everything would look unreferenced
            raise RuntimeError("the media collector runs only with its referrers registered")
        now, batch = self.clock(), retention.batch
        expired = await store.expire_uploads(
            referrers, Instant(now - retention.upload_ttl_ms), self._uploads_after, batch, now
        )
        self._uploads_after = expired.resume_after
        cutoff = Instant(now - retention.grace_ms)
        collected = await store.collect_media(referrers, cutoff, self._media_after, batch, now)
        self._media_after = collected.resume_after
        deleted, freed = await self._sweep(cutoff, batch)
        blobs, size = await self._measure()
        m = self.metrics
        m.uploads_expired.inc(expired.removed)
        m.blobs_collected.inc(collected.removed)
        m.media_bytes_freed.inc(freed)
        done = Collected(expired.removed, collected.removed, deleted, freed, blobs, size)
        if expired.removed or collected.removed or deleted:
            log.info(
                "media.collected",
                extra={
                    "uploads_expired": done.uploads_expired,
                    "blobs_collected": done.blobs_collected,
                    "files_deleted": done.files_deleted,
                    "bytes_freed": done.bytes_freed,
                },
            )
        return done

    async def _measure(self) -> tuple[int, int]:
        """The blobs stored and their bytes, to /metrics."""
        blobs, size = await self.store.media_totals()
        self.metrics.media_blobs.set(blobs)
        self.metrics.media_bytes.set(size)
        return blobs, size

    async def _sweep(self, cutoff: Instant, batch: int) -> tuple[int, int]:
        """Delete the files of the blobs in the trash; the files deleted and bytes freed.
        A blob whose file was spared (kept again since `cutoff` by an upload that has not
        committed yet) stays in the trash: the next run finds its row back, or deletes it."""
        trash = await self.store.media_trash(batch)
        doomed = [mid for mid, revived in trash if not revived]
        deleted, freed, spared = await asyncio.to_thread(_delete_files, self.blobs, doomed, cutoff)
        done = [mid for mid, _ in trash if mid not in spared]
        if done:
            await self.store.forget_trash(done)
        self._trash_busy = len(trash) >= batch and bool(done)
        return deleted, freed


def _delete_files(
    blobs: Blobs, ids: list[MediaId], cutoff: Instant
) -> tuple[int, int, set[MediaId]]:
    """In a worker thread: each blob's file and its thumbnail's, unless kept since
    `cutoff`. The files deleted, the bytes freed, and the blobs spared."""
    deleted = freed = 0
    spared: set[MediaId] = set()
    for mid in ids:
        for variant in Variant:
            gone = blobs.delete(blob_key(mid, variant), cutoff)
            if gone is None:
                spared.add(mid)
            elif gone:
                deleted += 1
                freed += gone
    return deleted, freed, spared
