"""Likes and comments: written by friends who may see the post, removed by their writer
(a comment also by the post's author). Each new one tells the post's author, and a reply
tells the writer of the comment it answers, by a pointer in their update log, only if
they may see it by the WeChat rule now."""

from __future__ import annotations

from microletter.core.events import Event, MomentCommented, MomentLiked, MomentReplied
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.moments.errors import CommentNotFound
from microletter.moments.rules import Reaction, can_see_reaction, visible_reactions
from microletter.moments.store.facts import friends_among
from microletter.moments.store.posts import visible_post
from microletter.moments.values import Comment, Like, Notice
from microletter.ports import Reader, Tx


async def like(tx: Tx, me: UserId, post_id: int, now: Instant) -> Like:
    row = await visible_post(tx, me, post_id, now)
    author = UserId(row[1])
    existing = await tx.fetchrow(
        "SELECT id, created_at FROM moment_likes WHERE post_id=$1 AND user_id=$2", post_id, me
    )
    if existing is not None:
        return Like(existing[0], me, Instant(existing[1]))
    like_id = tx.new_id(now)
    await tx.execute(
        "INSERT INTO moment_likes (id, post_id, user_id, created_at) VALUES ($1,$2,$3,$4)",
        like_id,
        post_id,
        me,
        now,
    )
    if author != me and await _sees(tx, author, author, me):
        notice = Notice("like", like_id, post_id, me, None, None, now)
        tx.append([(author, MomentLiked(like_id, post_id, notice.as_json()))], now)
    return Like(like_id, me, now)


async def unlike(tx: Tx, me: UserId, post_id: int) -> None:
    await tx.execute("DELETE FROM moment_likes WHERE post_id=$1 AND user_id=$2", post_id, me)


async def comment(
    tx: Tx, me: UserId, post_id: int, text: str, reply_to: int | None, now: Instant
) -> Comment:
    """Comment on a post I may see, or reply to a comment on it I may see."""
    row = await visible_post(tx, me, post_id, now)
    author = UserId(row[1])
    parent: UserId | None = None
    if reply_to is not None:
        parent = await _visible_comment(tx, me, author, post_id, reply_to)
    comment_id = tx.new_id(now)
    await tx.execute(
        "INSERT INTO moment_comments (id, post_id, user_id, reply_to, reply_to_user, text,"
        " created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        comment_id,
        post_id,
        me,
        reply_to,
        parent,
        text,
        now,
    )
    notice = Notice("comment", comment_id, post_id, me, text, parent, now)
    targets: list[tuple[UserId, Event]] = []
    if author != me:
        targets.append((author, MomentCommented(comment_id, post_id, notice.as_json())))
    if parent is not None and parent not in (me, author) and await _sees(tx, parent, author, me):
        reply = Notice("reply", comment_id, post_id, me, text, parent, now)
        targets.append((parent, MomentReplied(comment_id, post_id, reply.as_json())))
    tx.append(targets, now)
    return Comment(comment_id, me, text, reply_to, parent, now)


async def _sees(db: Reader, viewer: UserId, author: UserId, writer: UserId) -> bool:
    """Whether `viewer` sees a like or comment by `writer` on `author`'s post."""
    return can_see_reaction(viewer, author, writer, await friends_among(db, viewer, [writer]))


async def _visible_comment(
    db: Reader, me: UserId, author: UserId, post_id: int, comment_id: int
) -> UserId:
    """The writer of a comment on the post that `me` may see; else CommentNotFound."""
    rows = await db.fetch(
        "SELECT id, user_id, reply_to FROM moment_comments WHERE post_id=$1 AND id<=$2 ORDER BY id",
        post_id,
        comment_id,
    )
    friends = await friends_among(db, me, {UserId(r[1]) for r in rows})
    shown = visible_reactions(
        me, author, (Reaction(r[0], UserId(r[1]), r[2]) for r in rows), friends
    )
    found = next((c.writer for c in shown if c.id == comment_id), None)
    if found is None:
        raise CommentNotFound(comment_id=comment_id)
    return found


async def delete_comment(tx: Tx, me: UserId, post_id: int, comment_id: int) -> None:
    """Its writer or the post's author removes a comment (its replies go out of sight
    with it: a reply is seen only under a comment that is). The writer may, even when the
    post is out of their sight now: their friends may still see the comment."""
    row = await tx.fetchrow(
        "SELECT c.user_id, p.author_id FROM moment_comments c JOIN moment_posts p"
        " ON p.id=c.post_id WHERE c.id=$1 AND c.post_id=$2",
        comment_id,
        post_id,
    )
    if row is None or me not in (UserId(row[0]), UserId(row[1])):
        raise CommentNotFound(comment_id=comment_id)
    await tx.execute("DELETE FROM moment_comments WHERE id=$1", comment_id)
