"""Moments' actions: check with rules.py, one write, publish after commit; and the reads,
each given the clock's `now` (the album limit is a time). Also the room's two hooks into
the core: the media grant (a post's pictures for those who may see it) and the log
resolver (a notice in the update log shows only what its reader may see now)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from microletter.actions import media as media_actions
from microletter.actions.context import Context, MediaGrant
from microletter.core.errors import (
    InvalidInput,
    MediaKindMismatch,
    MediaNotFound,
    MicroletterError,
    UserNotFound,
)
from microletter.core.events import LogEntry, MomentNotice
from microletter.core.ids import UserId
from microletter.core.media import Media, MediaId, MediaKind
from microletter.core.models import JsonValue, Principal
from microletter.moments import rules
from microletter.moments.rules import Audience
from microletter.moments.store import MomentsStore
from microletter.moments.values import Badge, Comment, Like, Notice, Post, Settings, Switches, Tag

log = logging.getLogger(__name__)

# GET a URL's bytes (at most the int given), raising OSError on any failure: app.py passes
# the platform's PublicFetcher, which applies the webhooks' SSRF guard.
FetchUrl = Callable[[str, int], Awaitable[bytes]]


@dataclass
class Moments:
    """The room as app.py builds it: the core's context, the room's store, and how the
    server fetches a link card's picture (None: it never does)."""

    ctx: Context
    store: MomentsStore
    fetch_url: FetchUrl | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A post as the client asked for it (wire.py decodes it)."""

    text: str = ""
    images: Sequence[str] = ()
    video: str | None = None
    link: rules.Link | None = None
    location: str | None = None
    audience: str = "all"
    tags: Sequence[int] = ()
    users: Sequence[int] = ()


async def _own_media(room: Moments, me: UserId, ids: Sequence[str], kind: MediaKind) -> list[Media]:
    """The blobs a post will carry: each one the author can see, of the right kind."""
    wanted = [MediaId(i) for i in ids]
    seen = await room.ctx.store.visible_media(me, wanted)
    out = []
    for mid in wanted:
        media = seen.get(mid)
        if media is None:
            raise MediaNotFound(media_id=mid)
        if media.kind != kind:
            raise MediaKindMismatch(f"That upload is not of kind {kind}.", media_id=mid)
        out.append(media)
    return out


async def upload_video(
    room: Moments,
    me: Principal,
    name: str | None,
    body: AsyncIterable[bytes],
    declared_size: int | None,
) -> Media:
    """A video for a post: the media room's video upload (decoded and transcoded in a
    decoder process, with a poster), capped at 30 s (`media.too_long`, nothing kept)."""
    return await media_actions.upload(
        room.ctx,
        me,
        MediaKind.VIDEO,
        name,
        body,
        declared_size,
        max_seconds=rules.MAX_VIDEO_SECONDS,
    )


async def post(room: Moments, me: Principal, draft: Draft) -> Post:
    """Make a post: the cheap checks first, then its media (the author's own, of the
    right kind; a link card's picture fetched if asked for), then one write."""
    text = rules.check_text(draft.text)
    rules.check_contents(text, draft.images, draft.video)
    try:
        audience = Audience(draft.audience)
    except ValueError:
        raise InvalidInput(
            "The audience is all, private, only or except.", field="audience"
        ) from None
    location = rules.check_location(draft.location)
    link = None
    if draft.link is not None:
        d = draft.link
        link = rules.check_link(d.url, d.title, d.description, d.picture, d.picture_url)
    data, carried = await _contents(room, me, draft.images, draft.video, link)
    if location:
        data["location"] = location
    return await room.store.create_post(
        me.user_id,
        text,
        data,
        carried,
        audience,
        [UserId(u) for u in draft.users],
        list(draft.tags),
        room.ctx.clock(),
    )


async def _contents(
    room: Moments,
    me: Principal,
    image_ids: Sequence[str],
    video_id: str | None,
    link: rules.Link | None,
) -> tuple[dict[str, JsonValue], list[Media]]:
    """A post's `data` (images or a video, a link card) and the blobs it carries."""
    images = await _own_media(room, me.user_id, image_ids, MediaKind.IMAGE)
    data: dict[str, JsonValue] = {}
    if images:
        data["images"] = [_media_json(m) for m in images]
    carried = list(images)
    if video_id is not None:
        [video] = await _own_media(room, me.user_id, [video_id], MediaKind.VIDEO)
        rules.check_video(video.duration_ms)
        data["video"] = _media_json(video)
        carried.append(video)
    if link is not None:
        data["link"] = {"url": link.url, "title": link.title, "description": link.description}
        picture = None
        if link.picture is not None:
            [picture] = await _own_media(room, me.user_id, [link.picture], MediaKind.IMAGE)
        elif link.picture_url is not None:
            picture = await _fetch_picture(room, me, link.picture_url)
        if picture is not None:
            data["link_picture"] = _media_json(picture)
            carried.append(picture)
    return data, carried


async def _fetch_picture(room: Moments, me: Principal, url: str) -> Media | None:
    """A link card's picture, fetched by the server (clients never hotlink it) through
    the SSRF guard, bounded in bytes and time, then decoded and kept by the media room as
    the author's upload. Whatever fails leaves the card without a picture (None)."""
    if room.fetch_url is None:
        return None
    try:
        data = await room.fetch_url(url, rules.LINK_PICTURE_MAX_BYTES)
        return await media_actions.upload(
            room.ctx, me, MediaKind.IMAGE, "link-picture", _once(data), len(data)
        )
    except (OSError, MicroletterError) as exc:  # TimeoutError is an OSError
        log.info("moments.link_picture_failed", extra={"reason": type(exc).__name__})
        return None


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _media_json(m: Media) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {
        "id": m.id,
        "kind": m.kind.value,
        "mime": m.mime,
        "size": m.size,
        "name": m.name,
        "created_at": m.created_at,
        "width": m.width,
        "height": m.height,
        "has_thumbnail": m.has_thumbnail,
    }
    if m.duration_ms is not None:
        out["duration_ms"] = m.duration_ms
    return out


async def delete_post(room: Moments, me: Principal, post_id: int) -> None:
    await room.store.delete_post(me.user_id, post_id)


async def timeline(room: Moments, me: Principal, before: int | None, limit: int) -> list[Post]:
    return await room.store.timeline(me.user_id, before, limit, room.ctx.clock())


async def album(
    room: Moments, me: Principal, author: UserId, before: int | None, limit: int
) -> list[Post]:
    await room.ctx.store.user(author)  # UserNotFound for nobody
    return await room.store.album(me.user_id, author, before, limit, room.ctx.clock())


async def one_post(room: Moments, me: Principal, post_id: int) -> Post:
    return await room.store.post(me.user_id, post_id, room.ctx.clock())


async def like(room: Moments, me: Principal, post_id: int) -> Like:
    return await room.ctx.write(room.store.like(me.user_id, post_id, room.ctx.clock()))


async def unlike(room: Moments, me: Principal, post_id: int) -> None:
    await room.store.unlike(me.user_id, post_id)


async def comment(
    room: Moments, me: Principal, post_id: int, text: str, reply_to: int | None
) -> Comment:
    body = rules.check_comment(text)
    return await room.ctx.write(
        room.store.comment(me.user_id, post_id, body, reply_to, room.ctx.clock())
    )


async def delete_comment(room: Moments, me: Principal, post_id: int, comment_id: int) -> None:
    await room.store.delete_comment(me.user_id, post_id, comment_id)


async def notices(room: Moments, me: Principal, before: int | None, limit: int) -> list[Notice]:
    return await room.store.notices(me.user_id, before, limit, room.ctx.clock())


async def mark_read(room: Moments, me: Principal, up_to: int) -> None:
    await room.store.mark_read(me.user_id, up_to)


async def badge(room: Moments, me: Principal) -> Badge:
    now = room.ctx.clock()
    return Badge(
        await room.store.unread(me.user_id, now),
        await room.store.latest_author(me.user_id, now),
    )


# --- tags, settings, switches ---


async def tags(room: Moments, me: Principal) -> list[Tag]:
    return await room.store.tags(me.user_id)


async def create_tag(room: Moments, me: Principal, name: str, users: Sequence[int]) -> Tag:
    return await room.ctx.write(
        room.store.create_tag(
            me.user_id, rules.check_tag_name(name), [UserId(u) for u in users], room.ctx.clock()
        )
    )


async def update_tag(
    room: Moments,
    me: Principal,
    tag_id: int,
    name: str | None,
    add: Sequence[int],
    remove: Sequence[int],
) -> Tag:
    return await room.ctx.write(
        room.store.update_tag(
            me.user_id,
            tag_id,
            None if name is None else rules.check_tag_name(name),
            [UserId(u) for u in add],
            [UserId(u) for u in remove],
            room.ctx.clock(),
        )
    )


async def delete_tag(room: Moments, me: Principal, tag_id: int) -> None:
    await room.ctx.write(room.store.delete_tag(me.user_id, tag_id, room.ctx.clock()))


async def settings(room: Moments, me: Principal) -> Settings:
    return await room.store.settings(me.user_id)


async def set_settings(
    room: Moments, me: Principal, album: str | None, cover: str | None, clear_cover: bool
) -> Settings:
    current = await room.store.settings(me.user_id)
    days = rules.album_days(album if album is not None else current.album)
    if cover is not None:
        await _own_media(room, me.user_id, [cover], MediaKind.IMAGE)
    keep = cover is None and not clear_cover
    return await room.store.set_settings(me.user_id, days, cover, keep)


async def switches(room: Moments, me: Principal, other: UserId) -> Switches:
    return await room.store.switches(me.user_id, other)


async def set_switches(
    room: Moments, me: Principal, other: UserId, hide_mine: bool | None, hide_theirs: bool | None
) -> Switches:
    if other == me.user_id:
        raise UserNotFound(user_id=other)
    await room.ctx.store.user(other)
    return await room.store.set_switches(me.user_id, other, hide_mine, hide_theirs)


# --- the room's hooks into the core (registered by app.py) ---


def media_grant(room: Moments) -> MediaGrant:
    """Which of these blobs `user` may fetch because a post they may see carries it."""

    async def grant(user: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        return await room.store.visible_pictures(user, ids, room.ctx.clock())

    return grant


async def resolve_log(room: Moments, user: UserId, entries: list[LogEntry]) -> list[LogEntry]:
    """Each Moments notice in `entries` as `user` may see it now (else `notice` None)."""
    refs = [e.event.ref for e in entries if isinstance(e.event, MomentNotice)]
    if not refs:
        return entries
    seen = await room.store.resolve_refs(user, refs, room.ctx.clock())
    out = []
    for e in entries:
        if isinstance(e.event, MomentNotice):
            found = seen.get(e.event.ref)
            e = replace(
                e, event=replace(e.event, notice=None if found is None else found.as_json())
            )
        out.append(e)
    return out
