"""PostgreSQL: uploads, and who may see which blob (its uploader, and the members who can
see a message that carries it)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from microletter.core.ids import ConversationId, UserId
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, choose_media, media_of
from microletter.core.models import Instant
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.tx import PgTx
from microletter.storage.rows import BLOB_COLS, Carried, facts_of, to_json


async def save_media(
    tx: PgTx, me: UserId, facts: BlobFacts, kind: MediaKind, name: str, now: Instant
) -> Media:
    """Upsert the blob (facts measured now fill in or replace older ones) and the upload
    (a repeated upload keeps its first time and takes the new name)."""
    await tx.conn.execute(
        "INSERT INTO media (id, mime, size, width, height, has_thumbnail, duration_ms, waveform,"
        " created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (id) DO UPDATE SET"
        " width=coalesce(excluded.width, media.width),"
        " height=coalesce(excluded.height, media.height),"
        " has_thumbnail=(excluded.has_thumbnail OR media.has_thumbnail),"
        " duration_ms=coalesce(excluded.duration_ms, media.duration_ms),"
        " waveform=coalesce(excluded.waveform, media.waveform)",
        facts.id,
        facts.mime,
        facts.size,
        facts.width,
        facts.height,
        facts.has_thumbnail,
        facts.duration_ms,
        None if facts.waveform is None else to_json(facts.waveform),
        now,
    )
    created = await tx.conn.fetchval(
        "INSERT INTO media_uploads (user_id, media_id, kind, name, created_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (user_id, media_id, kind) DO UPDATE SET"
        " name=excluded.name RETURNING created_at",
        me,
        facts.id,
        kind.value,
        name,
        now,
    )
    return media_of(facts, kind, name, Instant(created))


async def candidates(conn: Conn, me: UserId, media_id: MediaId) -> list[Media]:
    """The ways `me` may see a blob, best first: their own uploads (newest first), then
    the messages they can see that carry it (newest first; never recalled ones, whose
    refs are gone)."""
    rows = await conn.fetch(
        f"SELECT {BLOB_COLS}, u.kind, u.name, u.created_at FROM media_uploads u"
        " JOIN media b ON b.id=u.media_id WHERE u.user_id=$1 AND u.media_id=$2"
        " ORDER BY u.created_at DESC",
        me,
        media_id,
    )
    found = [media_of(facts_of(r), MediaKind(r[8]), r[9], Instant(r[10])) for r in rows]
    carried = await conn.fetch(
        "SELECT g.data FROM media_refs r"
        " JOIN members m ON m.conversation_id=r.conversation_id AND m.user_id=$1"
        " JOIN messages g ON g.conversation_id=r.conversation_id AND g.seq=r.seq"
        " WHERE r.media_id=$2 AND r.seq>=m.joined_seq AND g.data IS NOT NULL"
        " ORDER BY g.created_at DESC LIMIT 20",
        me,
        media_id,
    )
    found += [msgspec.json.decode(r[0], type=Carried).media for r in carried]
    if not found:  # a broadcast of an official account they follow (read diffusion)
        post = await conn.fetchval(
            "SELECT p.data FROM oa_followers f JOIN oa_channel_posts p"
            " ON p.channel_id=f.account_id AND p.seq>f.channel_joined_seq"
            " WHERE f.user_id=$1 AND f.following AND (p.data::jsonb #>> '{media,id}')=$2"
            " ORDER BY p.seq DESC LIMIT 1",
            me,
            media_id,
        )
        if post is not None:
            found.append(msgspec.json.decode(post, type=Carried).media)
    return found


async def find_media(conn: Conn, me: UserId, media_id: MediaId, kind: MediaKind) -> Media:
    """The media a message of `kind` by `me` will carry (for sending and forwarding)."""
    return choose_media(media_id, await candidates(conn, me, media_id), kind)


async def carry(tx: PgTx, media: Media, cid: ConversationId, seq: int) -> None:
    """Note that message (cid, seq) carries the blob, so its members may fetch it."""
    await tx.conn.execute(
        "INSERT INTO media_refs (media_id, conversation_id, seq, kind) VALUES ($1,$2,$3,$4)",
        media.id,
        cid,
        seq,
        media.kind.value,
    )


async def uncarry(tx: PgTx, cid: ConversationId, seq: int) -> None:
    """A recalled message carries nothing any more."""
    await tx.conn.execute("DELETE FROM media_refs WHERE conversation_id=$1 AND seq=$2", cid, seq)


async def visible_media(conn: Conn, me: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
    seen: dict[MediaId, Media] = {}
    for media_id in dict.fromkeys(ids):
        found = await candidates(conn, me, media_id)
        if found:
            seen[media_id] = found[0]
    return seen
