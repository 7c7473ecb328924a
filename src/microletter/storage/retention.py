"""The media collector's units of work: unsent uploads expire, and blobs that no referrer
names any more are deleted, first from the database (into the trash), then, by the
caller, from disk.

Mark and sweep, safe against a reference being made at the same moment: a collection
locks the blobs' rows (FOR UPDATE SKIP LOCKED: it never waits), then asks every referrer,
then deletes, all in one transaction. A unit of work that makes a new reference locks
the blob's row first (`media.hold_media`, KEY SHARE): if it came first, the collection
skips that blob; if the collection came first, the reference waits for its commit, then
finds the blob gone and fails with `media.not_found`. On SQLite the one writer runs
them one after the other, which gives the same two outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.media import MediaId
from microletter.core.models import Instant
from microletter.core.quotas import Sweep
from microletter.ports import Reader, Referrer, Tx
from microletter.storage.media import UPLOADS


async def referenced(
    db: Reader, referrers: Sequence[Referrer], ids: Sequence[MediaId], now: Instant
) -> set[MediaId]:
    """The ids that any of the referrers still names."""
    found: set[MediaId] = set()
    for referrer in referrers:
        if not ids:
            break
        args = (list(ids), now) if referrer.timed else (list(ids),)
        found.update(MediaId(r[0]) for r in await db.fetch(referrer.sql, *args) if r[0])
    return found


def _resume(ids: Sequence[MediaId], limit: int) -> MediaId | None:
    """Where the next step starts: after this page, or from the beginning if it was the
    last one."""
    return ids[-1] if len(ids) >= limit else None


async def expire_uploads(
    tx: Tx,
    referrers: Sequence[Referrer],
    before: Instant,
    after: MediaId | None,
    limit: int,
    now: Instant,
) -> Sweep:
    rows = await tx.fetch(
        "SELECT DISTINCT media_id FROM media_uploads WHERE media_id > $1 AND touched_at < $2"
        " ORDER BY media_id LIMIT $3",
        after or "",
        before,
        limit,
    )
    ids = [MediaId(r[0]) for r in rows]
    others = [r for r in referrers if r.name != UPLOADS]
    kept = await referenced(tx, others, ids, now)
    unsent = [i for i in ids if i not in kept]
    removed = 0
    if unsent:
        # `touched_at` again: an upload made again since the page was read stays.
        removed = await tx.execute(
            "DELETE FROM media_uploads WHERE media_id = ANY($1::text[]) AND touched_at < $2",
            unsent,
            before,
        )
    return Sweep(removed, tuple(unsent), _resume(ids, limit))


async def collect_media(
    tx: Tx,
    referrers: Sequence[Referrer],
    before: Instant,
    after: MediaId | None,
    limit: int,
    now: Instant,
) -> Sweep:
    rows = await tx.fetch(
        "SELECT id, size FROM media WHERE id > $1 AND touched_at < $2 ORDER BY id LIMIT $3"
        " FOR UPDATE SKIP LOCKED",
        after or "",
        before,
        limit,
    )
    ids = [MediaId(r[0]) for r in rows]
    kept = await referenced(tx, referrers, ids, now)
    gone = [(MediaId(r[0]), int(r[1])) for r in rows if r[0] not in kept]
    if gone:
        await tx.execute("DELETE FROM media WHERE id = ANY($1::text[])", [i for i, _ in gone])
        await tx.executemany(
            "INSERT INTO media_trash (id, size, deleted_at) VALUES ($1,$2,$3)"
            " ON CONFLICT (id) DO UPDATE SET deleted_at=excluded.deleted_at",
            [(i, size, now) for i, size in gone],
        )
    return Sweep(len(gone), tuple(i for i, _ in gone), _resume(ids, limit))


async def media_trash(db: Reader, limit: int) -> list[tuple[MediaId, bool]]:
    rows = await db.fetch(
        "SELECT t.id, b.id IS NOT NULL FROM media_trash t LEFT JOIN media b ON b.id=t.id"
        " ORDER BY t.deleted_at, t.id LIMIT $1",
        limit,
    )
    return [(MediaId(r[0]), bool(r[1])) for r in rows]


async def forget_trash(tx: Tx, ids: Sequence[MediaId]) -> None:
    await tx.execute("DELETE FROM media_trash WHERE id = ANY($1::text[])", list(ids))


async def media_totals(db: Reader) -> tuple[int, int]:
    row = await db.fetchrow("SELECT count(*), coalesce(sum(size), 0) FROM media")
    assert row is not None  # an aggregate without GROUP BY always returns its one row
    return int(row[0]), int(row[1])
