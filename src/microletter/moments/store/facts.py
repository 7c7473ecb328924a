"""Loading what the visibility rules decide by (rules.py), for one viewer, in the caller's
snapshot or transaction; and dressing the posts a viewer may see with the likes and
comments they may see. Every Moments read goes through here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.moments.rules import (
    Audience,
    PostFacts,
    Reaction,
    Ties,
    can_see_post,
    visible_reactions,
)
from microletter.moments.values import Comment, Like, Post
from microletter.ports import Reader, Row

POST_COLS = "p.id, p.author_id, p.audience, p.created_at, p.deleted, p.text, p.data"
MAX_SHOWN = 100  # likes, and comments, carried with one post


def facts_of(r: Row, listed: Iterable[UserId] = ()) -> PostFacts:
    return PostFacts(
        id=r[0],
        author=UserId(r[1]),
        audience=Audience(r[2]),
        listed=frozenset(listed),
        created_at=Instant(r[3]),
        deleted=bool(r[4]),
    )


async def listed_for(db: Reader, viewer: UserId, rows: Sequence[Row]) -> set[int]:
    """The posts among `rows` whose only/except audience names `viewer`."""
    named = [r[0] for r in rows if r[2] in (Audience.ONLY, Audience.EXCEPT)]
    if not named:
        return set()
    found = await db.fetch(
        "SELECT post_id FROM moment_audience WHERE user_id=$1 AND post_id = ANY($2::bigint[])",
        viewer,
        named,
    )
    return {r[0] for r in found}


# "Are they friends now": contacts, and neither blocks the other (a block ends the
# friendship too; both are asked so that neither alone lets a post through). `{viewer}`
# and `{other}` are the SQL that names each.
_FRIENDS = (
    "(EXISTS (SELECT 1 FROM contacts fc WHERE fc.user_id={viewer} AND fc.peer_id={other})"
    " AND NOT EXISTS (SELECT 1 FROM blocks fb WHERE (fb.user_id={viewer} AND fb.blocked_id={other})"
    " OR (fb.user_id={other} AND fb.blocked_id={viewer})))"
)

_FRIENDS_AMONG = "SELECT u.id FROM users u WHERE u.id = ANY($2::bigint[]) AND " + _FRIENDS.format(
    viewer="$1", other="u.id"
)


async def friends_among(db: Reader, viewer: UserId, people: Iterable[UserId]) -> set[UserId]:
    """Those of `people` who are `viewer`'s friends now (`_FRIENDS`)."""
    wanted = sorted(set(people) - {viewer})
    if not wanted:
        return set()
    rows = await db.fetch(_FRIENDS_AMONG, viewer, wanted)
    return {UserId(r[0]) for r in rows}


# One row an author, in one round trip: friendship, both switches, the album limit.
_TIES = (
    "SELECT u.id, "
    + _FRIENDS.format(viewer="$1", other="u.id")
    + ", (SELECT s.hide_mine FROM moment_switches s WHERE s.user_id=u.id AND s.other_id=$1)"
    ", (SELECT s.hide_theirs FROM moment_switches s WHERE s.user_id=$1 AND s.other_id=u.id)"
    ", (SELECT m.album_days FROM moment_settings m WHERE m.user_id=u.id)"
    " FROM users u WHERE u.id = ANY($2::bigint[])"
)


async def ties_to(db: Reader, viewer: UserId, authors: Iterable[UserId]) -> dict[UserId, Ties]:
    """The viewer's ties to each author: friendship, both switches, the album limit."""
    wanted = sorted(set(authors))
    found = {UserId(r[0]): r for r in await db.fetch(_TIES, viewer, wanted)}
    ties = {}
    for author in wanted:
        r = found.get(author)
        ties[author] = Ties(
            friends=r is not None and bool(r[1]) and author != viewer,
            shut_out=r is not None and bool(r[2]),
            album_days=None if r is None else r[4],
            hidden=r is not None and bool(r[3]),
        )
    return ties


async def seen_posts(
    db: Reader, viewer: UserId, rows: Sequence[Row], now: Instant
) -> list[tuple[Row, PostFacts, Ties]]:
    """The rows of posts `viewer` may see (can_see_post), with their facts and ties."""
    listed = await listed_for(db, viewer, rows)
    ties = await ties_to(db, viewer, [UserId(r[1]) for r in rows])
    out = []
    for r in rows:
        facts = facts_of(r, [viewer] if r[0] in listed else [])
        tie = ties[facts.author]
        if can_see_post(viewer, facts, tie, now):
            out.append((r, facts, tie))
    return out


# A page's likes and comments in one round trip, each with whether its writer is the
# viewer's friend (what decides which the viewer sees): likes have no reply columns.
_REACTIONS = (
    "SELECT 'like', l.post_id, l.id, l.user_id, NULL, NULL, NULL, l.created_at, "
    + _FRIENDS.format(viewer="$2", other="l.user_id")
    + " FROM moment_likes l WHERE l.post_id = ANY($1::bigint[])"
    " UNION ALL SELECT 'comment', c.post_id, c.id, c.user_id, c.reply_to, c.reply_to_user,"
    " c.text, c.created_at, "
    + _FRIENDS.format(viewer="$2", other="c.user_id")
    + " FROM moment_comments c WHERE c.post_id = ANY($1::bigint[]) ORDER BY 3"
)


async def dress(db: Reader, viewer: UserId, rows: Sequence[Row]) -> list[Post]:
    """Posts (rows the viewer may see) with the likes and comments the viewer may see."""
    ids = [r[0] for r in rows]
    if not ids:
        return []
    reactions = await db.fetch(_REACTIONS, ids, viewer)
    # The shapes of before: likes (post_id, id, user_id, created_at), comments as comment_of reads.
    likes = [(x[1], x[2], x[3], x[7]) for x in reactions if x[0] == "like"]
    comments = [(x[1], x[2], x[3], x[4], x[5], x[6], x[7]) for x in reactions if x[0] == "comment"]
    friends = {UserId(x[3]) for x in reactions if x[8] and x[3] != viewer}
    listed = await audience_of(db, [r[0] for r in rows if UserId(r[1]) == viewer])
    liked_at = {x[1]: Instant(x[3]) for x in likes}
    posts = []
    for r in rows:
        author = UserId(r[1])
        shown_likes = visible_reactions(
            viewer, author, (Reaction(x[1], UserId(x[2])) for x in likes if x[0] == r[0]), friends
        )
        all_comments = [x for x in comments if x[0] == r[0]]
        shown = {
            c.id
            for c in visible_reactions(
                viewer, author, (Reaction(x[1], UserId(x[2]), x[3]) for x in all_comments), friends
            )
        }
        posts.append(
            Post(
                id=r[0],
                author_id=author,
                text=r[5],
                data=_data(r[6]),
                audience=r[2],
                created_at=Instant(r[3]),
                likes=[Like(x.id, x.writer, liked_at[x.id]) for x in shown_likes[:MAX_SHOWN]],
                comments=[comment_of(x) for x in all_comments if x[1] in shown][:MAX_SHOWN],
                listed=listed.get(r[0]) if author == viewer else None,
            )
        )
    return posts


def comment_of(x: Row) -> Comment:
    """From (post_id, id, user_id, reply_to, reply_to_user, text, created_at)."""
    return Comment(
        id=x[1],
        user_id=UserId(x[2]),
        text=x[5],
        reply_to=x[3],
        reply_to_user=None if x[4] is None else UserId(x[4]),
        created_at=Instant(x[6]),
    )


async def audience_of(db: Reader, post_ids: Sequence[int]) -> dict[int, list[UserId]]:
    """The people each post's only/except audience named (for its author's eyes)."""
    if not post_ids:
        return {}
    rows = await db.fetch(
        "SELECT post_id, user_id FROM moment_audience WHERE post_id = ANY($1::bigint[])"
        " ORDER BY user_id",
        list(post_ids),
    )
    out: dict[int, list[UserId]] = {i: [] for i in post_ids}
    for r in rows:
        out[r[0]].append(UserId(r[1]))
    return out


def _data(raw: str | None) -> dict[str, JsonValue]:
    if not raw:
        return {}
    value: dict[str, JsonValue] = msgspec.json.decode(raw)
    return value
