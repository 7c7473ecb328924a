"""Uploads, and who may see which blob: its uploader, the members who can see a message
that carries it, and the followers of an official account whose broadcast does. Also the
core's referrers (which blobs uploads, messages and avatars still need) and the lock that
keeps a blob while a new reference to it is made (`hold_media`)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from microletter.core.errors import MediaNotFound
from microletter.core.ids import ConversationId, UserId
from microletter.core.kinds import media_in
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, choose_media, media_of
from microletter.core.models import Instant
from microletter.core.quotas import check_quota
from microletter.ports import Reader, Referrer, Tx
from microletter.storage.rows import BLOB_COLS, Carried, facts_of, to_json
from microletter.storage.work import checks_first

UPLOADS = "uploads"  # the referrer that expiring uploads leaves out: it is theirs

# The core's referrers (ports.Referrer). Feature rooms register theirs beside these.
MEDIA_REFERRERS = (
    # Who uploaded a blob may fetch and send it, until the upload expires.
    Referrer(UPLOADS, "SELECT media_id FROM media_uploads WHERE media_id = ANY($1::text[])"),
    # Messages that carry it (a recall deletes the row).
    Referrer("messages", "SELECT media_id FROM media_refs WHERE media_id = ANY($1::text[])"),
    # Profile pictures.
    Referrer("avatars", "SELECT avatar FROM users WHERE avatar = ANY($1::text[])"),
)

_UPSERT_BLOB = (
    "INSERT INTO media (id, mime, size, width, height, has_thumbnail, duration_ms, waveform,"
    " created_at, touched_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) ON CONFLICT (id) DO UPDATE"
    " SET width=coalesce(excluded.width, media.width),"
    " height=coalesce(excluded.height, media.height),"
    " has_thumbnail=(excluded.has_thumbnail OR media.has_thumbnail),"
    " duration_ms=coalesce(excluded.duration_ms, media.duration_ms),"
    " waveform=coalesce(excluded.waveform, media.waveform),"
    " touched_at=excluded.touched_at"
)


async def record_blob(tx: Tx, facts: BlobFacts, now: Instant) -> None:
    """Upsert the blob (facts measured now fill in or replace older ones); it was stored
    now, so the collector leaves it alone for its grace period."""
    await tx.execute(
        _UPSERT_BLOB,
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


@checks_first
async def save_media(
    tx: Tx,
    me: UserId,
    facts: BlobFacts,
    kind: MediaKind,
    name: str,
    now: Instant,
    quota: int | None = None,
) -> Media:
    """Upsert the blob and the upload (a repeated upload keeps its first time, takes the
    new name and starts its expiry anew). With a quota, a blob new to `me` must fit in it."""
    if quota is not None:
        # One upload of a user decides at a time (PostgreSQL; SQLite has one writer), so
        # two at once cannot both fit in the last free bytes.
        await tx.fetchval("SELECT id FROM users WHERE id=$1 FOR NO KEY UPDATE", me)
        row = await tx.fetchrow(
            "SELECT (SELECT coalesce(sum(b.size), 0) FROM media b WHERE b.id IN"
            " (SELECT u.media_id FROM media_uploads u WHERE u.user_id=$1)),"
            " EXISTS (SELECT 1 FROM media_uploads WHERE user_id=$1 AND media_id=$2)",
            me,
            facts.id,
        )
        assert row is not None  # a SELECT without FROM always returns its one row
        check_quota(int(row[0]), 0 if row[1] else facts.size, quota)
    await record_blob(tx, facts, now)
    created = await tx.fetchval(
        "INSERT INTO media_uploads (user_id, media_id, kind, name, created_at, touched_at)"
        " VALUES ($1,$2,$3,$4,$5,$5) ON CONFLICT (user_id, media_id, kind) DO UPDATE SET"
        " name=excluded.name, touched_at=excluded.touched_at RETURNING created_at",
        me,
        facts.id,
        kind.value,
        name,
        now,
    )
    return media_of(facts, kind, name, Instant(created))


async def adopt_media(tx: Tx, me: UserId, media: Media, now: Instant) -> None:
    """Make a blob `me` can see their own upload (as its kind and name), so they keep it
    whatever becomes of the message that showed it (a favourite, a sticker). It counts as
    theirs from now on, like any upload."""
    await tx.execute(
        "INSERT INTO media_uploads (user_id, media_id, kind, name, created_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (user_id, media_id, kind) DO NOTHING",
        me,
        media.id,
        media.kind.value,
        media.name,
        now,
    )


async def hold_media(tx: Tx, media_id: MediaId) -> None:
    """Keep the blob until this transaction ends, which is about to refer to it: its row
    is locked KEY SHARE on PostgreSQL, which the collector's FOR UPDATE SKIP LOCKED passes
    by; if the collector holds it, this waits, and then finds it gone. MediaNotFound if
    the blob is not stored (any more). SQLite's one writer needs no lock."""
    if await tx.fetchval("SELECT 1 FROM media WHERE id=$1 FOR KEY SHARE", media_id) is None:
        raise MediaNotFound(media_id=media_id)


async def media_usage(db: Reader, me: UserId) -> int:
    used = await db.fetchval(
        "SELECT coalesce(sum(b.size), 0) FROM media b WHERE b.id IN"
        " (SELECT u.media_id FROM media_uploads u WHERE u.user_id=$1)",
        me,
    )
    return int(used)


async def candidates(db: Reader, me: UserId, media_id: MediaId) -> list[Media]:
    """The ways `me` may see a blob, best first: their own uploads (newest first), then
    the messages they can see that carry it (newest first; never recalled ones, whose
    refs are gone)."""
    rows = await db.fetch(
        f"SELECT {BLOB_COLS}, u.kind, u.name, u.created_at FROM media_uploads u"
        " JOIN media b ON b.id=u.media_id WHERE u.user_id=$1 AND u.media_id=$2"
        " ORDER BY u.created_at DESC",
        me,
        media_id,
    )
    found = [media_of(facts_of(r), MediaKind(r[8]), r[9], Instant(r[10])) for r in rows]
    carried = await db.fetch(
        "SELECT g.data FROM media_refs r"
        " JOIN members m ON m.conversation_id=r.conversation_id AND m.user_id=$1"
        " JOIN messages g ON g.conversation_id=r.conversation_id AND g.seq=r.seq"
        " WHERE r.media_id=$2 AND r.seq>=m.joined_seq AND g.data IS NOT NULL"
        " ORDER BY g.created_at DESC LIMIT 20",
        me,
        media_id,
    )
    found += [m for r in carried if (m := carried_in(r[0], media_id)) is not None]
    if not found:  # a broadcast of an official account they follow (read diffusion)
        post = await db.fetchval(
            "SELECT p.data FROM oa_followers f JOIN oa_channel_posts p"
            " ON p.channel_id=f.account_id AND p.seq>f.channel_joined_seq"
            " WHERE f.user_id=$1 AND f.following AND p.media_id=$2"
            " ORDER BY p.seq DESC LIMIT 1",
            me,
            media_id,
        )
        if post is not None:
            found.append(msgspec.json.decode(post, type=Carried).media)
    return found


def carried_in(data: str, media_id: MediaId) -> Media | None:
    """The Media a message's `data` carries as `media_id`: its `media`, or, in a merged
    forward, an item's (at any depth)."""
    for media in media_in(msgspec.json.decode(data)):
        if media["id"] == media_id:
            return msgspec.convert(media, type=Media)
    return None


async def find_media(db: Reader, me: UserId, media_id: MediaId, kind: MediaKind) -> Media:
    """The media a message of `kind` by `me` will carry (for sending and forwarding)."""
    return choose_media(media_id, await candidates(db, me, media_id), kind)


async def carry(tx: Tx, media: Media, cid: ConversationId, seq: int) -> None:
    """Note that message (cid, seq) carries the blob, so its members may fetch it."""
    await tx.execute(
        "INSERT INTO media_refs (media_id, conversation_id, seq, kind) VALUES ($1,$2,$3,$4)",
        media.id,
        cid,
        seq,
        media.kind.value,
    )


async def uncarry(tx: Tx, cid: ConversationId, seq: int) -> None:
    """A recalled message carries nothing any more."""
    await tx.execute("DELETE FROM media_refs WHERE conversation_id=$1 AND seq=$2", cid, seq)


async def visible_media(db: Reader, me: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
    seen: dict[MediaId, Media] = {}
    for media_id in dict.fromkeys(ids):
        found = await candidates(db, me, media_id)
        if found:
            seen[media_id] = found[0]
    return seen
