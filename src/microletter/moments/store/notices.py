"""Notices: the likes and comments on my posts and the replies to my comments, as I may
see them now. They are read from the likes and comments themselves, and a log entry only
points at one, so whatever hides a like or comment (its removal, an unfriending, a block,
the post's deletion) hides its notice too, even one already in the log."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.moments.rules import Reaction, can_see_reaction, visible_reactions
from microletter.moments.store.facts import POST_COLS, friends_among, seen_posts
from microletter.moments.values import Notice
from microletter.ports import Reader, Row
from microletter.storage import snapshot

PAGE = 50
NEWEST = 1 << 62

# Candidates, newest first: (kind, id, post_id, writer, text, reply_to_user, created_at)
_CANDIDATES = (
    "SELECT * FROM ("
    "SELECT 'like' AS kind, l.id, l.post_id, l.user_id, NULL AS text, NULL AS reply_to_user,"
    " l.created_at FROM moment_likes l JOIN moment_posts p ON p.id=l.post_id"
    " WHERE p.author_id=$1 AND l.user_id<>$1 AND l.id<$2 AND l.id>$3"
    " UNION ALL"
    " SELECT CASE WHEN c.reply_to_user=$1 AND p.author_id<>$1 THEN 'reply' ELSE 'comment' END,"
    " c.id, c.post_id, c.user_id, c.text, c.reply_to_user, c.created_at"
    " FROM moment_comments c JOIN moment_posts p ON p.id=c.post_id"
    " WHERE (p.author_id=$1 OR c.reply_to_user=$1) AND c.user_id<>$1 AND c.id<$2 AND c.id>$3"
    ") n ORDER BY id DESC LIMIT $4"
)


async def resolve(db: Reader, me: UserId, candidates: Sequence[Row], now: Instant) -> list[Notice]:
    """The candidates `me` may see now: on a post they see, and by the WeChat rule (a
    reply only under a comment they see)."""
    post_ids = sorted({r[2] for r in candidates})
    if not post_ids:
        return []
    posts = await db.fetch(
        f"SELECT {POST_COLS} FROM moment_posts p WHERE p.id = ANY($1::bigint[])", post_ids
    )
    authors = {r[0]: UserId(r[1]) for r, _, _ in await seen_posts(db, me, posts, now)}
    comments = await db.fetch(
        "SELECT post_id, id, user_id, reply_to FROM moment_comments"
        " WHERE post_id = ANY($1::bigint[]) ORDER BY id",
        sorted(authors),
    )
    writers = {UserId(r[3]) for r in candidates} | {UserId(r[2]) for r in comments}
    friends = await friends_among(db, me, writers)
    shown: set[int] = set()
    for post_id, author in authors.items():
        chain = (Reaction(r[1], UserId(r[2]), r[3]) for r in comments if r[0] == post_id)
        shown.update(c.id for c in visible_reactions(me, author, chain, friends))
    out = []
    for r in candidates:
        on = authors.get(r[2])
        if on is None:
            continue
        writer = UserId(r[3])
        if (r[0] == "like" and can_see_reaction(me, on, writer, friends)) or r[1] in shown:
            reply_to = None if r[5] is None else UserId(r[5])
            out.append(Notice(r[0], r[1], r[2], writer, r[4], reply_to, Instant(r[6])))
    return out


@snapshot
async def notices(
    db: Reader, me: UserId, before: int | None, limit: int, now: Instant
) -> list[Notice]:
    """My notices, newest first (`before`: a notice's id)."""
    limit = max(1, min(limit, PAGE))
    cursor, found = before or NEWEST, list[Notice]()
    while len(found) < limit:
        rows = await db.fetch(_CANDIDATES, me, cursor, 0, limit * 2)
        found += await resolve(db, me, rows, now)
        if len(rows) < limit * 2:
            break
        cursor = rows[-1][1]
    return found[:limit]


@snapshot
async def unread(db: Reader, me: UserId, now: Instant, cap: int = 99) -> int:
    """How many notices I have not read (up to `cap`): newer than my read mark."""
    mark = await db.fetchval("SELECT notices_read FROM moment_settings WHERE user_id=$1", me)
    rows = await db.fetch(_CANDIDATES, me, NEWEST, int(mark or 0), cap * 2)
    return min(len(await resolve(db, me, rows, now)), cap)


@snapshot
async def resolve_refs(
    db: Reader, me: UserId, refs: Sequence[int], now: Instant
) -> dict[int, Notice]:
    """The notices among these like/comment ids that `me` may see now (for the log)."""
    if not refs:
        return {}
    rows = await db.fetch(
        "SELECT * FROM ("
        "SELECT 'like' AS kind, l.id, l.post_id, l.user_id, NULL AS text,"
        " NULL AS reply_to_user, l.created_at FROM moment_likes l"
        " WHERE l.id = ANY($2::bigint[])"
        " UNION ALL"
        " SELECT CASE WHEN c.reply_to_user=$1 AND p.author_id<>$1 THEN 'reply' ELSE 'comment'"
        " END, c.id, c.post_id, c.user_id, c.text, c.reply_to_user, c.created_at"
        " FROM moment_comments c JOIN moment_posts p ON p.id=c.post_id"
        " WHERE c.id = ANY($2::bigint[])) n",
        me,
        sorted(set(refs)),
    )
    # only what concerns me: likes and comments on my posts, replies to my comments
    mine = await db.fetch(
        "SELECT id FROM moment_posts WHERE author_id=$1 AND id = ANY($2::bigint[])",
        me,
        sorted({r[2] for r in rows}),
    )
    own = {r[0] for r in mine}
    concerning = [
        r for r in rows if r[3] != me and (r[2] in own or (r[5] is not None and UserId(r[5]) == me))
    ]
    return {n.id: n for n in await resolve(db, me, concerning, now)}
