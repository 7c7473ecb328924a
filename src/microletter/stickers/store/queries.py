"""Stickers' units of work (ports.Tx, ports.Reader), the same on both databases."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.events import CollectionChanged
from microletter.core.ids import UserId
from microletter.core.media import Media, MediaId
from microletter.core.models import Instant
from microletter.ports import Reader, Referrer, Tx
from microletter.stickers.rules import check_order, check_room
from microletter.storage import adopt_media, hold_media


async def ids(db: Reader, me: UserId) -> list[MediaId]:
    rows = await db.fetch(
        "SELECT media_id FROM stickers WHERE user_id=$1 ORDER BY position, created_at", me
    )
    return [MediaId(r[0]) for r in rows]


async def add(tx: Tx, me: UserId, media: Media, now: Instant) -> bool:
    """Save an image as my sticker (last in my order); False if it is one already."""
    if media.id in await ids(tx, me):
        return False
    check_room(len(await ids(tx, me)))
    await hold_media(tx, media.id)  # the collector must not take it from under us
    await adopt_media(tx, me, media, now)
    await tx.execute(
        "INSERT INTO stickers (user_id, media_id, position, created_at) VALUES ($1, $2,"
        " (SELECT coalesce(max(position), 0) + 1 FROM stickers WHERE user_id=$1), $3)",
        me,
        media.id,
        now,
    )
    tx.append([(me, CollectionChanged("stickers"))], now)
    return True


async def remove(tx: Tx, me: UserId, media_id: MediaId, now: Instant) -> bool:
    removed = await tx.execute(
        "DELETE FROM stickers WHERE user_id=$1 AND media_id=$2", me, media_id
    )
    if removed:
        tx.append([(me, CollectionChanged("stickers"))], now)
    return removed > 0


async def reorder(tx: Tx, me: UserId, order: Sequence[MediaId], now: Instant) -> None:
    wanted = check_order(order, await ids(tx, me))
    await tx.executemany(
        "UPDATE stickers SET position=$1 WHERE user_id=$2 AND media_id=$3",
        [(i + 1, me, media_id) for i, media_id in enumerate(wanted)],
    )
    tx.append([(me, CollectionChanged("stickers"))], now)


# What the media collector asks (ports.Referrer): the images saved as stickers.
REFERRERS = (
    Referrer("stickers.saved", "SELECT media_id FROM stickers WHERE media_id = ANY($1::text[])"),
)
