"""Moments' /api/v1 routes: posts, the timeline and albums, likes and comments, notices
and the Discover badge, settings and switches; and contact tags (managed in Contacts)."""

from __future__ import annotations

from microletter.core.errors import (
    UPLOAD_ERRORS,
    InvalidInput,
    InvisibleCharacters,
    MediaKindMismatch,
    MediaNotFound,
    MediaTooLong,
    NotContact,
    TooLarge,
    UserNotFound,
)
from microletter.core.ids import UserId
from microletter.gateway.api import Call, Router
from microletter.gateway.disconnect import while_connected
from microletter.moments import actions
from microletter.moments.actions import Draft, Moments
from microletter.moments.errors import (
    CommentNotFound,
    EmptyPost,
    PostNotFound,
    TagNameTaken,
    TagNotFound,
    TooManyImages,
    UnknownAudience,
)
from microletter.moments.rules import Link
from microletter.moments.values import Post
from microletter.moments.wire import (
    BadgeReply,
    CommentBody,
    CommentReply,
    LikeReply,
    MomentVideoReply,
    NoticesReply,
    PageQuery,
    PostBody,
    PostReply,
    PostsReply,
    ReadBody,
    SettingsBody,
    SettingsReply,
    SwitchesBody,
    SwitchesReply,
    TagBody,
    TagPatch,
    TagReply,
    TagsReply,
    VideoQuery,
)

CHUNK = 256 * 1024


def _page(posts: list[Post], limit: int) -> PostsReply:
    return PostsReply(posts, posts[-1].id if len(posts) == limit else None)


def routers(room: Moments) -> list[Router]:  # noqa: C901 - one closure per route
    router = Router("/api/v1", tags=["moments"])

    @router.get("/moments", rate=None)
    async def timeline(call: Call, query: PageQuery) -> PostsReply:
        """Your timeline: your and your friends' posts you may see, newest first, each
        with the likes and comments you may see (`before`: `next_before` of the last page)."""
        found = await actions.timeline(room, call.me, query.before, query.limit)
        return _page(found, query.limit)

    @router.post(
        "/moments/videos",
        status=201,
        rate="upload",
        raw_body="application/octet-stream",
        errors=UPLOAD_ERRORS,
    )
    async def upload_video(call: Call, query: VideoQuery) -> MomentVideoReply:
        """Upload a post's video (the body is its raw bytes): decoded and transcoded like
        a video message (H.264/AAC in MP4 within 720p, with a poster), but at most 30 s
        (413 `media.too_long`, and nothing is kept). Post it with its id as `video`."""
        request = call.request
        uploading = actions.upload_video(
            room, call.me, query.name, request.content.iter_chunked(CHUNK), request.content_length
        )
        return MomentVideoReply(await while_connected(request, uploading))

    @router.post(
        "/moments/posts",
        status=201,
        errors=[
            EmptyPost,
            TooManyImages,
            UnknownAudience,
            TooLarge,
            MediaTooLong,
            InvalidInput,
            InvisibleCharacters,
            MediaNotFound,
            MediaKindMismatch,
        ],
    )
    async def create_post(call: Call, body: PostBody) -> PostReply:
        """Post to your Moments: text (at most 2,000 characters), up to 9 images or one
        video (from POST /moments/videos: at most 30 s), a link card and a location, to
        all friends (as they are when each looks), only you, only these tags/people, or
        all except them (resolved now). A card's `picture_url` is fetched by the server
        (public addresses only, at most 5 MB within 5 s, decoded as an image); if that
        fails the card has no picture, and the post is made all the same."""
        link = None
        if body.link is not None:
            b = body.link
            link = Link(b.url, b.title, b.description, b.picture, b.picture_url)
        draft = Draft(
            body.text,
            body.images,
            body.video,
            link,
            body.location,
            body.audience,
            body.tags,
            body.users,
        )
        return PostReply(await actions.post(room, call.me, draft))

    @router.get("/moments/posts/{post_id}", rate=None, errors=[PostNotFound])
    async def get_post(call: Call, post_id: int) -> PostReply:
        """One post with what you may see of it; 404 if you may not see it."""
        return PostReply(await actions.one_post(room, call.me, post_id))

    @router.delete("/moments/posts/{post_id}", errors=[PostNotFound])
    async def delete_post(call: Call, post_id: int) -> None:
        """Delete your post: its text, pictures, likes and comments go for everyone."""
        await actions.delete_post(room, call.me, post_id)

    @router.put("/moments/posts/{post_id}/like", errors=[PostNotFound])
    async def like(call: Call, post_id: int) -> LikeReply:
        """Like a post you may see (again: no change)."""
        return LikeReply(await actions.like(room, call.me, post_id))

    @router.delete("/moments/posts/{post_id}/like", errors=[PostNotFound])
    async def unlike(call: Call, post_id: int) -> None:
        """Take your like back."""
        await actions.unlike(room, call.me, post_id)

    @router.post(
        "/moments/posts/{post_id}/comments",
        status=201,
        errors=[PostNotFound, CommentNotFound, TooLarge, InvalidInput],
    )
    async def comment(call: Call, post_id: int, body: CommentBody) -> CommentReply:
        """Comment on a post you may see, or reply (`reply_to`) to a comment you see."""
        return CommentReply(await actions.comment(room, call.me, post_id, body.text, body.reply_to))

    @router.delete("/moments/posts/{post_id}/comments/{comment_id}", errors=[CommentNotFound])
    async def delete_comment(call: Call, post_id: int, comment_id: int) -> None:
        """Remove a comment you wrote, or any comment on your post."""
        await actions.delete_comment(room, call.me, post_id, comment_id)

    @router.get("/moments/users/{user_id}", rate=None, errors=[UserNotFound])
    async def album(call: Call, user_id: int, query: PageQuery) -> PostsReply:
        """A person's album: their posts you may see, within their album limit."""
        found = await actions.album(room, call.me, UserId(user_id), query.before, query.limit)
        return _page(found, query.limit)

    @router.get("/moments/notifications", rate=None)
    async def notices(call: Call, query: PageQuery) -> NoticesReply:
        """Likes and comments on your posts and replies to your comments that you may see
        now, newest first (`before`: a notice's id)."""
        return NoticesReply(await actions.notices(room, call.me, query.before, query.limit))

    @router.post("/moments/notifications/read")
    async def read_notices(call: Call, body: ReadBody) -> None:
        """Mark your notices up to this id as read (the badge counts the rest)."""
        await actions.mark_read(room, call.me, body.up_to)

    @router.get("/moments/badge", rate=None)
    async def badge(call: Call) -> BadgeReply:
        """Discover → Moments: unread notices, and the latest friend who posted."""
        return BadgeReply(await actions.badge(room, call.me))

    @router.get("/moments/settings", rate=None)
    async def get_settings(call: Call) -> SettingsReply:
        return SettingsReply(await actions.settings(room, call.me))

    @router.put("/moments/settings", errors=[InvalidInput, MediaNotFound, MediaKindMismatch])
    async def put_settings(call: Call, body: SettingsBody) -> SettingsReply:
        """How far back friends see your album (3d, 1m, 6m, all) and your cover picture."""
        return SettingsReply(
            await actions.set_settings(room, call.me, body.album, body.cover, body.clear_cover)
        )

    @router.get("/moments/switches/{user_id}", rate=None)
    async def get_switches(call: Call, user_id: int) -> SwitchesReply:
        return SwitchesReply(await actions.switches(room, call.me, UserId(user_id)))

    @router.put("/moments/switches/{user_id}", errors=[UserNotFound])
    async def put_switches(call: Call, user_id: int, body: SwitchesBody) -> SwitchesReply:
        """ "Don't let them see my Moments" (`hide_mine`), "Hide their Moments" (`hide_theirs`)."""
        return SwitchesReply(
            await actions.set_switches(
                room, call.me, UserId(user_id), body.hide_mine, body.hide_theirs
            )
        )

    tags = Router("/api/v1", tags=["contacts"])

    @tags.get("/contacts/tags", rate=None)
    async def list_tags(call: Call) -> TagsReply:
        """Your contact tags (private to you), each with its people."""
        return TagsReply(await actions.tags(room, call.me))

    @tags.post("/contacts/tags", status=201, errors=[TagNameTaken, NotContact, TooLarge])
    async def create_tag(call: Call, body: TagBody) -> TagReply:
        """A new tag, with some of your contacts in it."""
        return TagReply(await actions.create_tag(room, call.me, body.name, body.users))

    @tags.patch("/contacts/tags/{tag_id}", errors=[TagNotFound, TagNameTaken, NotContact])
    async def update_tag(call: Call, tag_id: int, body: TagPatch) -> TagReply:
        """Rename a tag, add (`add`) or remove (`remove`) people."""
        return TagReply(
            await actions.update_tag(room, call.me, tag_id, body.name, body.add, body.remove)
        )

    @tags.delete("/contacts/tags/{tag_id}", errors=[TagNotFound])
    async def delete_tag(call: Call, tag_id: int) -> None:
        """Delete a tag (posts that named it keep the audience they had)."""
        await actions.delete_tag(room, call.me, tag_id)

    return [router, tags]
