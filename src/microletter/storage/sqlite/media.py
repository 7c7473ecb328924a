"""SQLite: uploads, and who may see which blob (its uploader, the members who can see a
message that carries it, and the followers of an official account whose broadcast does)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import msgspec

from microletter.core.ids import ConversationId, UserId
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, choose_media, media_of
from microletter.core.models import Instant
from microletter.storage.rows import BLOB_COLS, Carried, facts_of
from microletter.storage.sqlite.rows import to_json
from microletter.storage.sqlite.writetx import WriteTx


def save_media(
    tx: WriteTx, me: UserId, facts: BlobFacts, kind: MediaKind, name: str, now: Instant
) -> Media:
    """Upsert the blob (facts measured now fill in or replace older ones) and the upload
    (a repeated upload keeps its first time and takes the new name)."""
    tx.conn.execute(
        "INSERT INTO media (id, mime, size, width, height, has_thumbnail, duration_ms, waveform,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
        " width=coalesce(excluded.width, media.width),"
        " height=coalesce(excluded.height, media.height),"
        " has_thumbnail=(excluded.has_thumbnail OR media.has_thumbnail),"
        " duration_ms=coalesce(excluded.duration_ms, media.duration_ms),"
        " waveform=coalesce(excluded.waveform, media.waveform)",
        (
            facts.id,
            facts.mime,
            facts.size,
            facts.width,
            facts.height,
            facts.has_thumbnail,
            facts.duration_ms,
            None if facts.waveform is None else to_json(facts.waveform),
            now,
        ),
    )
    tx.conn.execute(
        "INSERT INTO media_uploads (user_id, media_id, kind, name, created_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT (user_id, media_id, kind) DO UPDATE SET"
        " name=excluded.name",
        (me, facts.id, kind, name, now),
    )
    created = tx.conn.execute(
        "SELECT created_at FROM media_uploads WHERE user_id=? AND media_id=? AND kind=?",
        (me, facts.id, kind),
    ).fetchone()[0]
    return media_of(facts, kind, name, Instant(created))


def candidates(conn: sqlite3.Connection, me: UserId, media_id: MediaId) -> list[Media]:
    """The ways `me` may see a blob, best first: their own uploads (newest first), then
    the messages they can see that carry it (newest first; never recalled ones, whose
    refs are gone)."""
    found = [
        media_of(facts_of(r), MediaKind(r[8]), r[9], Instant(r[10]))
        for r in conn.execute(
            f"SELECT {BLOB_COLS}, u.kind, u.name, u.created_at FROM media_uploads u"
            " JOIN media b ON b.id=u.media_id WHERE u.user_id=? AND u.media_id=?"
            " ORDER BY u.created_at DESC",
            (me, media_id),
        )
    ]
    rows = conn.execute(
        "SELECT g.data FROM media_refs r"
        " JOIN members m ON m.conversation_id=r.conversation_id AND m.user_id=?"
        " JOIN messages g ON g.conversation_id=r.conversation_id AND g.seq=r.seq"
        " WHERE r.media_id=? AND r.seq>=m.joined_seq AND g.data IS NOT NULL"
        " ORDER BY g.created_at DESC LIMIT 20",
        (me, media_id),
    ).fetchall()
    for (data,) in rows:
        found.append(msgspec.json.decode(data, type=Carried).media)
    if not found:  # a broadcast of an official account they follow (read diffusion)
        post = conn.execute(
            "SELECT p.data FROM oa_followers f JOIN oa_channel_posts p"
            " ON p.channel_id=f.account_id AND p.seq>f.channel_joined_seq"
            " WHERE f.user_id=? AND f.following AND json_extract(p.data, '$.media.id')=?"
            " ORDER BY p.seq DESC LIMIT 1",
            (me, media_id),
        ).fetchone()
        if post is not None:
            found.append(msgspec.json.decode(post[0], type=Carried).media)
    return found


def find_media(conn: sqlite3.Connection, me: UserId, media_id: MediaId, kind: MediaKind) -> Media:
    """The media a message of `kind` by `me` will carry (for sending and forwarding)."""
    return choose_media(media_id, candidates(conn, me, media_id), kind)


def carry(tx: WriteTx, media: Media, cid: ConversationId, seq: int) -> None:
    """Note that message (cid, seq) carries the blob, so its members may fetch it."""
    tx.conn.execute(
        "INSERT INTO media_refs (media_id, conversation_id, seq, kind) VALUES (?,?,?,?)",
        (media.id, cid, seq, media.kind),
    )


def uncarry(tx: WriteTx, cid: ConversationId, seq: int) -> None:
    """A recalled message carries nothing any more."""
    tx.conn.execute("DELETE FROM media_refs WHERE conversation_id=? AND seq=?", (cid, seq))


def visible_media(
    conn: sqlite3.Connection, me: UserId, ids: Sequence[MediaId]
) -> dict[MediaId, Media]:
    seen: dict[MediaId, Media] = {}
    for media_id in dict.fromkeys(ids):
        found = candidates(conn, me, media_id)
        if found:
            seen[media_id] = found[0]
    return seen
