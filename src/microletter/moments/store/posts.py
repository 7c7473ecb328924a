"""Posts: make and delete them; read the timeline, an album and one post, each as its
viewer may see it (facts.py loads, rules.py decides). The same on both databases.

Fan-out on read: a post is one row; a timeline merges the viewer's friends' own post
lists at read time (`moment_posts_by_author`), so "all friends" is always the friends of
now, an unfriending or block hides at once, and a post costs the same whoever reads it.
ARCHITECTURE.md has the measurement that chose this over a row per reader."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.ids import UserId
from microletter.core.media import Media
from microletter.core.models import Instant, JsonValue
from microletter.moments.errors import PostNotFound, UnknownAudience
from microletter.moments.rules import MAX_PAGE, Audience, in_timeline, resolve_audience
from microletter.moments.store.facts import POST_COLS, dress, friends_among, seen_posts
from microletter.moments.values import Post
from microletter.ports import Reader, Row, Tx
from microletter.storage import hold_media, snapshot, to_json

NEWEST = 1 << 62


async def create_post(
    tx: Tx,
    author: UserId,
    text: str | None,
    data: dict[str, JsonValue],
    media: Sequence[Media],
    audience: Audience,
    people: Sequence[UserId],
    tags: Sequence[int],
    now: Instant,
) -> Post:
    """Store a post; an only/except audience is resolved now, from the author's own tags
    and contacts (UnknownAudience for anything else), and never widens later."""
    tagged = await _tagged(tx, author, tags)
    if people:
        contacts = await friends_among(tx, author, people)
        if set(people) - contacts:
            raise UnknownAudience("Someone in the audience is not your contact.", field="users")
    listed = resolve_audience(audience, people, await friends_among(tx, author, tagged))
    for medium in media:
        await hold_media(tx, medium.id)  # the collector must not take it from under us
    post_id = tx.new_id(now)
    await tx.execute(
        "INSERT INTO moment_posts (id, author_id, text, data, audience, deleted, created_at)"
        " VALUES ($1,$2,$3,$4,$5,false,$6)",
        post_id,
        author,
        text,
        to_json(data),
        audience.value,
        now,
    )
    await tx.executemany(
        "INSERT INTO moment_audience (post_id, user_id) VALUES ($1,$2)",
        [(post_id, u) for u in sorted(listed)],
    )
    await tx.executemany(
        "INSERT INTO moment_media (post_id, media_id) VALUES ($1,$2) ON CONFLICT DO NOTHING",
        [(post_id, m.id) for m in media],
    )
    return Post(post_id, author, text, data, audience.value, now, listed=sorted(listed))


async def _tagged(tx: Tx, author: UserId, tags: Sequence[int]) -> list[UserId]:
    if not tags:
        return []
    own = await tx.fetch(
        "SELECT id FROM contact_tags WHERE owner_id=$1 AND id = ANY($2::bigint[])",
        author,
        sorted(set(tags)),
    )
    if len(own) != len(set(tags)):
        raise UnknownAudience("The audience names a tag you do not have.", field="tags")
    rows = await tx.fetch(
        "SELECT DISTINCT user_id FROM contact_tag_members WHERE tag_id = ANY($1::bigint[])",
        sorted(set(tags)),
    )
    return [UserId(r[0]) for r in rows]


async def delete_post(tx: Tx, author: UserId, post_id: int) -> None:
    """Erase a post for everyone, as a recall does: its text, media references, audience,
    likes and comments go; the row stays, deleted, so its id is never reused."""
    changed = await tx.execute(
        "UPDATE moment_posts SET deleted=true, text=NULL, data=NULL"
        " WHERE id=$1 AND author_id=$2 AND NOT deleted",
        post_id,
        author,
    )
    if not changed:
        raise PostNotFound(post_id=post_id)
    for table in ("moment_media", "moment_audience", "moment_likes", "moment_comments"):
        await tx.execute(f"DELETE FROM {table} WHERE post_id=$1", post_id)  # noqa: S608 - fixed names


# --- reads ---


# The timeline's merge of its authors' post lists (the viewer and their friends), in two
# index-only steps, whatever the friends' density: (1) each author's newest post before the
# cursor, one seek each in `moment_posts_by_author`; the n-th largest of those, `floor`, is
# a lower bound of the n newest posts of all (the n authors with the largest maxima alone
# have n posts at or above it); (2) the posts of those authors in [floor, cursor), from
# the same index. Scanning all posts by id instead is fast only while friends post densely;
# reading each author's whole list (an OR of the two) read 90,000 rows for a page.
AUTHORS = "SELECT peer_id FROM contacts WHERE user_id=$1 UNION ALL SELECT $1"
_NEWEST_EACH = (  # authors without posts last (PostgreSQL sorts NULLs first in DESC)
    "SELECT (SELECT max(p.id) FROM moment_posts p WHERE p.author_id=a.author"
    " AND p.id<$2 AND NOT p.deleted) AS newest"
    " FROM (SELECT peer_id AS author FROM contacts WHERE user_id=$1 UNION ALL SELECT $1) a"
    " ORDER BY newest DESC NULLS LAST LIMIT $3"
)
_MERGED = (
    f"SELECT {POST_COLS} FROM moment_posts p WHERE p.author_id IN ({AUTHORS})"  # noqa: S608 - fixed clauses
    " AND NOT p.deleted AND p.id<$2 AND p.id>=$3 ORDER BY p.id DESC LIMIT $4"
)
_ALBUM = (
    f"SELECT {POST_COLS} FROM moment_posts p WHERE p.author_id=$1 AND NOT p.deleted"  # noqa: S608 - fixed clauses
    " AND p.id<$2 ORDER BY p.id DESC LIMIT $3"
)


async def _batch(
    db: Reader, author: UserId | None, viewer: UserId, cursor: int, n: int
) -> list[Row]:
    """The next `n` candidate posts before `cursor`, newest first: an album's (one author)
    or the timeline's (the viewer and their friends, merged as above)."""
    if author is not None:
        return await db.fetch(_ALBUM, author, cursor, n)
    maxima = [r[0] for r in await db.fetch(_NEWEST_EACH, viewer, cursor, n) if r[0] is not None]
    if not maxima:
        return []
    floor = maxima[-1] if len(maxima) == n else 0
    return await db.fetch(_MERGED, viewer, cursor, floor, n)


async def _page(
    db: Reader,
    viewer: UserId,
    author: UserId | None,
    before: int | None,
    limit: int,
    now: Instant,
) -> list[Post]:
    """Newest first, the posts the viewer may see among an album's (`author`) or the
    timeline's, read in growing batches until a page is full (posts the viewer may not see
    are skipped)."""
    limit = max(1, min(limit, MAX_PAGE))
    cursor, batch, found = before or NEWEST, limit * 2, list[Row]()
    while len(found) < limit:
        rows = await _batch(db, author, viewer, cursor, batch)
        for r, facts, ties in await seen_posts(db, viewer, rows, now):
            if author is not None or in_timeline(viewer, facts, ties, now):
                found.append(r)
        if len(rows) < batch:
            break
        cursor, batch = rows[-1][0], min(batch * 2, 1000)
    return await dress(db, viewer, found[:limit])


@snapshot
async def timeline(
    db: Reader, viewer: UserId, before: int | None, limit: int, now: Instant
) -> list[Post]:
    """The viewer's and their friends' posts the viewer may see, newest first; `before`
    a post id (the last of the previous page)."""
    return await _page(db, viewer, None, before, limit, now)


@snapshot
async def album(
    db: Reader, viewer: UserId, author: UserId, before: int | None, limit: int, now: Instant
) -> list[Post]:
    """One author's posts the viewer may see (within the author's album limit)."""
    return await _page(db, viewer, author, before, limit, now)


@snapshot
async def post(db: Reader, viewer: UserId, post_id: int, now: Instant) -> Post:
    """One post, if the viewer may see it; else PostNotFound, as if it did not exist."""
    rows = await db.fetch(f"SELECT {POST_COLS} FROM moment_posts p WHERE p.id=$1", post_id)
    seen = await seen_posts(db, viewer, rows, now)
    if not seen:
        raise PostNotFound(post_id=post_id)
    [dressed] = await dress(db, viewer, [seen[0][0]])
    return dressed


async def visible_post(db: Reader, viewer: UserId, post_id: int, now: Instant) -> Row:
    """The row of a post the viewer may see (for a write about it); else PostNotFound."""
    rows = await db.fetch(f"SELECT {POST_COLS} FROM moment_posts p WHERE p.id=$1", post_id)
    seen = await seen_posts(db, viewer, rows, now)
    if not seen:
        raise PostNotFound(post_id=post_id)
    return seen[0][0]


@snapshot
async def latest_author(db: Reader, viewer: UserId, now: Instant) -> UserId | None:
    """The friend whose post is newest in the viewer's timeline (Discover's avatar)."""
    found = await _page(db, viewer, None, None, 10, now)
    return next((p.author_id for p in found if p.author_id != viewer), None)
