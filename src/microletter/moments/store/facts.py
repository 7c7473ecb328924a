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


async def friends_among(db: Reader, viewer: UserId, people: Iterable[UserId]) -> set[UserId]:
    """Those of `people` who are `viewer`'s friends now: contacts, neither blocking the
    other (a block ends the friendship too; both are asked so that neither alone lets a
    post through)."""
    wanted = sorted(set(people) - {viewer})
    if not wanted:
        return set()
    rows = await db.fetch(
        "SELECT c.peer_id FROM contacts c WHERE c.user_id=$1 AND c.peer_id = ANY($2::bigint[])"
        " AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.user_id=$1 AND b.blocked_id=c.peer_id)"
        " OR (b.user_id=c.peer_id AND b.blocked_id=$1))",
        viewer,
        wanted,
    )
    return {UserId(r[0]) for r in rows}


async def ties_to(db: Reader, viewer: UserId, authors: Iterable[UserId]) -> dict[UserId, Ties]:
    """The viewer's ties to each author: friendship, both switches, the album limit."""
    wanted = sorted(set(authors))
    friends = await friends_among(db, viewer, wanted)
    switches = await db.fetch(
        "SELECT user_id, other_id, hide_mine, hide_theirs FROM moment_switches"
        " WHERE (other_id=$1 AND user_id = ANY($2::bigint[]))"
        " OR (user_id=$1 AND other_id = ANY($2::bigint[]))",
        viewer,
        wanted,
    )
    shut_out = {r[0] for r in switches if r[1] == viewer and r[2]}
    hidden = {r[1] for r in switches if r[0] == viewer and r[3]}
    limits = await db.fetch(
        "SELECT user_id, album_days FROM moment_settings WHERE user_id = ANY($1::bigint[])",
        wanted,
    )
    days = {UserId(r[0]): r[1] for r in limits}
    return {
        a: Ties(
            friends=a in friends,
            shut_out=a in shut_out,
            album_days=days.get(a),
            hidden=a in hidden,
        )
        for a in wanted
    }


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


async def dress(db: Reader, viewer: UserId, rows: Sequence[Row]) -> list[Post]:
    """Posts (rows the viewer may see) with the likes and comments the viewer may see."""
    ids = [r[0] for r in rows]
    if not ids:
        return []
    likes = await db.fetch(
        "SELECT post_id, id, user_id, created_at FROM moment_likes"
        " WHERE post_id = ANY($1::bigint[]) ORDER BY id",
        ids,
    )
    comments = await db.fetch(
        "SELECT post_id, id, user_id, reply_to, reply_to_user, text, created_at"
        " FROM moment_comments WHERE post_id = ANY($1::bigint[]) ORDER BY id",
        ids,
    )
    writers = {UserId(r[2]) for r in likes} | {UserId(r[2]) for r in comments}
    friends = await friends_among(db, viewer, writers)
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
