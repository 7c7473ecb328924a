"""Favourites' units of work (ports.Tx, ports.Reader), the same on both databases."""

from __future__ import annotations

import msgspec

from microletter.core.events import CollectionChanged
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import Media
from microletter.core.models import Instant, JsonValue
from microletter.favourites.rules import PAGE, Favourite, check_room, contains
from microletter.ports import Reader, Referrer, Row, Tx
from microletter.storage import adopt_media, hold_media, to_json

COLS = (
    "f.id, f.kind, f.text, f.data, f.source_conversation_id, f.source_seq,"
    " f.source_sender_id, f.created_at"
)


def favourite_of(r: Row) -> Favourite:
    return Favourite(
        id=r[0],
        kind=r[1],
        text=r[2],
        data=msgspec.json.decode(r[3]) if r[3] else None,
        source_conversation_id=None if r[4] is None else ConversationId(r[4]),
        source_seq=r[5],
        source_sender_id=None if r[6] is None else UserId(r[6]),
        created_at=Instant(r[7]),
    )


async def keep(
    tx: Tx,
    me: UserId,
    kind: str,
    text: str | None,
    data: dict[str, JsonValue] | None,
    source: tuple[ConversationId, int, UserId] | None,
    media: list[Media],
    search: str,
    now: Instant,
) -> Favourite:
    """Keep a copy; its blobs become my own uploads, so they outlive the original."""
    count = await tx.fetchval("SELECT count(*) FROM favourites WHERE user_id=$1", me)
    check_room(int(count))
    for medium in media:
        await hold_media(tx, medium.id)  # the collector must not take it from under us
        await adopt_media(tx, me, medium, now)
    favourite = Favourite(
        id=tx.new_id(now),
        kind=kind,
        text=text,
        data=data,
        source_conversation_id=None if source is None else source[0],
        source_seq=None if source is None else source[1],
        source_sender_id=None if source is None else source[2],
        created_at=now,
    )
    await tx.execute(
        "INSERT INTO favourites (id, user_id, kind, text, data, source_conversation_id,"
        " source_seq, source_sender_id, search, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        favourite.id,
        me,
        kind,
        text,
        None if data is None else to_json(data),
        favourite.source_conversation_id,
        favourite.source_seq,
        favourite.source_sender_id,
        search,
        now,
    )
    await tx.executemany(
        "INSERT INTO favourite_media (favourite_id, media_id) VALUES ($1,$2)"
        " ON CONFLICT DO NOTHING",
        [(favourite.id, medium.id) for medium in media],
    )
    tx.append([(me, CollectionChanged("favourites"))], now)
    return favourite


async def remove(tx: Tx, me: UserId, favourite_id: int, now: Instant) -> bool:
    removed = await tx.execute(
        "DELETE FROM favourites WHERE user_id=$1 AND id=$2", me, favourite_id
    )
    if removed:
        await tx.execute("DELETE FROM favourite_media WHERE favourite_id=$1", favourite_id)
        tx.append([(me, CollectionChanged("favourites"))], now)
    return removed > 0


async def page(
    db: Reader, me: UserId, query: str, before: int | None, limit: int = PAGE
) -> list[Favourite]:
    """Newest first; with `query`, those whose text (casefolded) contains it."""
    rows = await db.fetch(
        f"SELECT {COLS} FROM favourites f WHERE f.user_id=$1 AND f.id<$2"
        " AND f.search LIKE $3 ESCAPE '!' ORDER BY f.id DESC LIMIT $4",
        me,
        before if before is not None else 1 << 62,
        contains(query),
        min(limit, PAGE),
    )
    return [favourite_of(r) for r in rows]


# What the media collector asks (ports.Referrer): the blobs kept favourites still show.
REFERRERS = (
    Referrer(
        "favourites.kept",
        "SELECT media_id FROM favourite_media WHERE media_id = ANY($1::text[])",
    ),
)
