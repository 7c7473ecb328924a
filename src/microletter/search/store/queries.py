"""Searching: the messages a person may read that match a query, newest first. The index
narrows the hits to the buckets of the person's conversations (rules.py); the join with
`members` keeps those of their conversations, from their `joined_seq` on, after what they
cleared; recalled messages and the ones they deleted for themselves are left out."""

from __future__ import annotations

from microletter.core.errors import ConversationNotFound, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Message
from microletter.ports import Reader
from microletter.search.rules import Facet, Query, bucket, fts5_match, tsquery
from microletter.storage import MESSAGE_COLS, message_of, snapshot

CHUNK = 100  # buckets in one statement; a person in more conversations gets several

_VISIBLE = (
    " AND g.seq >= m.joined_seq AND g.seq > m.cleared_seq AND g.recalled_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id=$1"
    " AND h.conversation_id=g.conversation_id AND h.seq=g.seq)"
)

SQLITE = (
    f"SELECT {MESSAGE_COLS} FROM message_search s"
    " JOIN messages g ON g.id = s.rowid"
    " JOIN members m ON m.conversation_id = g.conversation_id AND m.user_id = $1"
    " WHERE s.message_search MATCH $2 AND s.rowid < $3"
    " AND ($5::bigint = 0 OR g.conversation_id = $5)"
    f"{_VISIBLE} ORDER BY s.rowid DESC LIMIT $4"
)
# The hits first, from the GIN index alone (MATERIALIZED, with no other condition an index
# could serve, not even `before`: the planner must not start anywhere else), kept if the
# searcher may read them, and only the page's messages read. The buckets keep the hits to
# about the searcher's own history, which bounds what is materialised.
POSTGRES = (
    "WITH hits AS MATERIALIZED ("
    "SELECT id, conversation_id, seq FROM message_search WHERE doc @@ $2::tsquery),"
    " page AS (SELECT g.id, g.conversation_id, g.seq FROM hits g"
    " JOIN members m ON m.conversation_id = g.conversation_id AND m.user_id = $1"
    " WHERE g.id < $3 AND ($5::bigint = 0 OR g.conversation_id = $5)"
    " AND g.seq >= m.joined_seq AND g.seq > m.cleared_seq"
    " AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id=$1"
    " AND h.conversation_id=g.conversation_id AND h.seq=g.seq)"
    " ORDER BY g.id DESC LIMIT $4)"
    f" SELECT {MESSAGE_COLS} FROM page s"
    " JOIN messages g ON g.conversation_id = s.conversation_id AND g.seq = s.seq"
    " WHERE g.recalled_at IS NULL ORDER BY s.id DESC"
)
# The planner has no idea how many messages a tsquery of bucketed tokens matches (it guesses
# hundreds of thousands, prefixes worst of all), so it may scan the whole table (or walk its
# primary key, testing the tsquery on every row), and it compiles the plan (JIT: 30-40 ms,
# more than the search); a generic plan (a prepared statement's, after five runs) is made
# for no tsquery in particular. The index is always the better way in, and the work small.
PLANNER = (
    "SET LOCAL enable_seqscan = off",
    "SET LOCAL enable_indexscan = off",  # nor a walk of the primary key testing every row
    "SET LOCAL jit = off",
    "SET LOCAL plan_cache_mode = force_custom_plan",
)


async def _buckets(db: Reader, me: UserId, cid: ConversationId | None) -> list[str]:
    if cid is not None:
        row = await db.fetchrow(
            "SELECT c.id, m.user_id FROM conversations c LEFT JOIN members m"
            " ON m.conversation_id = c.id AND m.user_id = $2 WHERE c.id = $1",
            cid,
            me,
        )
        if row is None:
            raise ConversationNotFound(conversation_id=cid)
        if row[1] is None:
            raise NotMember(conversation_id=cid)
        return [bucket(cid)]
    rows = await db.fetch("SELECT conversation_id FROM members WHERE user_id=$1", me)
    return sorted({bucket(r[0]) for r in rows})


@snapshot
async def search(
    db: Reader,
    sqlite: bool,
    me: UserId,
    query: Query,
    cid: ConversationId | None,
    facet: Facet,
    before: int | None,
    limit: int,
) -> list[Message]:
    """Up to `limit` messages `me` may read that have every term of `query` (and the
    facet), with ids below `before`, newest first; of one conversation if `cid`."""
    buckets = await _buckets(db, me, cid)
    if not sqlite:  # inside the snapshot's transaction (@snapshot): for this search only
        for setting in PLANNER:
            await db.fetch(setting)
    found: list[Message] = []
    for i in range(0, len(buckets), CHUNK):
        chunk = buckets[i : i + CHUNK]
        expression = fts5_match(query, chunk, facet) if sqlite else tsquery(query, chunk, facet)
        rows = await db.fetch(
            SQLITE if sqlite else POSTGRES,
            me,
            expression,
            before if before is not None else 1 << 62,
            limit,
            cid or 0,
        )
        found.extend(message_of(r) for r in rows)
    if len(buckets) > CHUNK:  # several statements: merge their pages
        found.sort(key=lambda m: m.id, reverse=True)
    return found[:limit]
