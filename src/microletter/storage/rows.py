"""Rows to domain values, for every backend: the column lists and the functions that read
them (a row is anything indexable: a sqlite3 tuple or an asyncpg Record)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.media import BlobFacts, Media, MediaId
from microletter.core.models import (
    ChannelPost,
    Conversation,
    ConversationKind,
    Instant,
    Member,
    Message,
    MessageKind,
    Role,
    User,
)
from microletter.core.moderation import Suspension
from microletter.ports import Reader, Row

USER_COLS = "u.id, u.username, u.display_name, u.locale, u.avatar, u.created_at"
USER_RETURNING = USER_COLS.replace("u.", "")  # SQLite's RETURNING takes no table names
CONVERSATION_COLS = (
    "c.id, c.kind, c.name, c.announcement, c.owner_id, c.last_seq, c.member_count, c.created_at"
)
MEMBER_COLS = (
    "m.conversation_id, m.user_id, m.role, m.joined_seq, m.last_read_seq, m.muted, m.joined_at"
)
MESSAGE_COLS = (
    "g.id, g.conversation_id, g.seq, g.sender_id, g.client_msg_id, g.kind, g.text, g.reply_to,"
    " g.mentions, g.mention_all, g.created_at, g.recalled_at, g.data"
)

# Contacts, blocks both ways and pending requests both ways between $1 and $2.
RELATION_SQL = (
    "SELECT"
    " EXISTS(SELECT 1 FROM contacts WHERE user_id=$1 AND peer_id=$2),"
    " EXISTS(SELECT 1 FROM blocks WHERE user_id=$1 AND blocked_id=$2),"
    " EXISTS(SELECT 1 FROM blocks WHERE user_id=$2 AND blocked_id=$1),"
    " EXISTS(SELECT 1 FROM contact_requests WHERE from_id=$1 AND to_id=$2"
    " AND status='pending'),"
    " EXISTS(SELECT 1 FROM contact_requests WHERE from_id=$2 AND to_id=$1"
    " AND status='pending')"
)

_json = msgspec.json.Encoder()


def to_json(value: object) -> str:
    return _json.encode(value).decode()


def user_of(r: Row, at: int = 0) -> User:
    return User(UserId(r[at]), r[at + 1], r[at + 2], r[at + 3], r[at + 4], Instant(r[at + 5]))


def suspension_of(r: Row, at: int = 0) -> Suspension | None:
    """From the columns `suspended_at, suspended_reason`."""
    return None if r[at] is None else Suspension(Instant(r[at]), r[at + 1] or "")


def conversation_of(r: Row, at: int = 0) -> Conversation:
    return Conversation(
        ConversationId(r[at]),
        ConversationKind(r[at + 1]),
        r[at + 2],
        r[at + 3],
        None if r[at + 4] is None else UserId(r[at + 4]),
        r[at + 5],
        r[at + 6],
        Instant(r[at + 7]),
    )


def member_of(r: Row, at: int = 0) -> Member:
    return Member(
        ConversationId(r[at]),
        UserId(r[at + 1]),
        Role(r[at + 2]),
        r[at + 3],
        r[at + 4],
        bool(r[at + 5]),
        Instant(r[at + 6]),
    )


_MESSAGE_KINDS = {kind.value: kind for kind in MessageKind}
_decode = msgspec.json.decode


def message_of(r: Row, at: int = 0) -> Message:
    """A message from MESSAGE_COLS. Hot (a catch-up reads thousands): positional, with the
    kind from a dict rather than the Enum call and no NewType wrappers (ids are ints)."""
    mentions = r[at + 8]
    data = r[at + 12]
    return Message(
        r[at],
        r[at + 1],
        r[at + 2],
        r[at + 3],
        r[at + 4],
        _MESSAGE_KINDS[r[at + 5]],
        r[at + 6],
        r[at + 7],
        tuple(_decode(mentions)) if mentions else (),
        bool(r[at + 9]),
        r[at + 10],
        r[at + 11] is not None,
        _decode(data) if data else None,
    )


BLOB_COLS = "b.id, b.mime, b.size, b.width, b.height, b.has_thumbnail, b.duration_ms, b.waveform"


def facts_of(r: Row, at: int = 0) -> BlobFacts:
    wave = r[at + 7]
    return BlobFacts(
        id=MediaId(r[at]),
        mime=r[at + 1],
        size=r[at + 2],
        width=r[at + 3],
        height=r[at + 4],
        has_thumbnail=bool(r[at + 5]),
        duration_ms=r[at + 6],
        waveform=tuple(msgspec.json.decode(wave)) if wave else None,
    )


class Carried(msgspec.Struct):
    """The part of a media message's `data` that names its blob."""

    media: Media


POST_COLS = "p.channel_id, p.seq, p.id, p.kind, p.text, p.data, p.created_at"


def post_of(r: Row) -> ChannelPost:
    return ChannelPost(
        channel_id=UserId(r[0]),
        seq=r[1],
        id=MessageId(r[2]),
        kind=MessageKind(r[3]),
        text=r[4],
        data=msgspec.json.decode(r[5]) if r[5] else None,
        created_at=Instant(r[6]),
    )


async def fetch_users(db: Reader, ids: Sequence[int]) -> dict[UserId, User]:
    if not ids:
        return {}
    rows = await db.fetch(
        f"SELECT {USER_COLS} FROM users u WHERE u.id = ANY($1::bigint[])", list(ids)
    )
    return {UserId(r[0]): user_of(r) for r in rows}
