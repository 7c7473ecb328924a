"""Media: upload (checked by decoding, stored by content, within the uploader's quota and
the disk's room), signed links for the people who may see a blob, and opening a blob for
a link. Deleting what nobody needs any more is the collector's (actions/collector.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from microletter.actions.context import Context
from microletter.core import media as rules
from microletter.core.errors import InvalidInput, MediaNotFound, QuotaExceeded, StorageFull
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, Variant
from microletter.core.models import ConversationKind, Instant, Principal
from microletter.core.quotas import Retention, check_free_disk, check_quota
from microletter.ports import Blobs

log = logging.getLogger(__name__)


async def upload(
    ctx: Context,
    me: Principal,
    kind: MediaKind,
    name: str | None,
    body: AsyncIterable[bytes],
    declared_size: int | None = None,
    max_seconds: int | None = None,
) -> Media:
    """Check the bytes by decoding them, store them, and record `me` as an uploader;
    within `me`'s storage quota, and while the server's disk has room. A video is kept
    transcoded, with a poster. `max_seconds` caps a recording below the operator's limit
    for its kind (a Moments clip: 30); longer ones fail with `media.too_long`."""
    clean_name = rules.check_name(name, kind)
    body = await within_room(ctx, me.user_id, body, declared_size)
    facts = await ctx.media.intake.ingest(me.user_id, kind, body, declared_size, max_seconds)
    ctx.metrics.uploads.labels(str(kind)).inc()
    return await record_upload(ctx, me.user_id, facts, kind, clean_name)


async def within_room(
    ctx: Context, uploader: UserId, body: AsyncIterable[bytes], declared_size: int | None
) -> AsyncIterable[bytes]:
    """The upload's bytes, refused before they are stored: StorageFull if the disk is
    (nearly) full; QuotaExceeded if the declared size does not fit in what is left of the
    uploader's quota, or as soon as the bytes streamed pass it. (Bytes the uploader has
    stored already count too: whether they are is known only once they are hashed.)"""
    retention = ctx.media.retention
    free = (ctx.media.free_disk or ctx.media.blobs.free_bytes)()
    try:
        check_free_disk(free, declared_size or 0, retention.min_free_bytes)
    except StorageFull:
        log.warning("media.storage_full", extra={"free_bytes": free})  # for the operator
        raise
    if retention.quota is None:
        return body
    used = await ctx.store.media_usage(uploader)
    check_quota(used, max(declared_size or 0, 1), retention.quota)
    return _capped(body, used, retention.quota)


async def _capped(body: AsyncIterable[bytes], used: int, quota: int) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in body:
        size += len(chunk)
        check_quota(used, size, quota)
        yield chunk


async def record_upload(
    ctx: Context, uploader: UserId, facts: BlobFacts, kind: MediaKind, name: str
) -> Media:
    """Record the uploader of a stored blob, within their quota. A refused blob is left
    to the collector (another upload may share its bytes), which deletes it later."""
    now = ctx.clock()
    try:
        return await ctx.store.save_media(
            uploader, facts, kind, name, now, ctx.media.retention.quota
        )
    except QuotaExceeded:
        await ctx.store.record_blob(facts, now)
        raise


async def usage(ctx: Context, me: Principal) -> tuple[int, Retention]:
    """The bytes `me`'s uploads take, and the storage settings that apply to them."""
    return await ctx.store.media_usage(me.user_id), ctx.media.retention


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    thumbnail_url: str | None
    expires_at: Instant


async def links(
    ctx: Context, me: Principal, ids: Sequence[str]
) -> tuple[dict[MediaId, Link], list[str]]:
    """Signed, short-lived links to the blobs among `ids` that `me` may see; the rest
    (unknown, malformed or not visible ids) come back as denied."""
    wanted = [MediaId(i) for i in dict.fromkeys(ids) if rules.MEDIA_ID_RE.fullmatch(i)]
    visible = await visible_media(ctx, me.user_id, wanted)
    expires = rules.link_expiry(ctx.clock(), ctx.media.intake.limits.link_ttl_ms)
    secret, user = ctx.media.secret, me.user_id
    granted = {
        mid: Link(
            rules.signed_path(secret, mid, Variant.ORIGINAL, user, expires),
            rules.signed_path(secret, mid, Variant.THUMBNAIL, user, expires)
            if media.has_thumbnail
            else None,
            expires,
        )
        for mid, media in visible.items()
    }
    denied = [i for i in dict.fromkeys(ids) if i not in granted]
    return granted, denied


async def visible_media(ctx: Context, user: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
    """The blobs among `ids` that `user` may see: by the core's rules (their uploads, the
    messages and broadcasts they see), then by each room's grant (a Moments post)."""
    visible = await ctx.store.visible_media(user, ids)
    for grant in ctx.media.grants:
        rest = [i for i in ids if i not in visible]
        if not rest:
            break
        visible.update(await grant(user, rest))
    return visible


@dataclass(frozen=True, slots=True)
class Opened:
    path: Path
    media: Media
    expires_at: Instant


async def open_link(
    ctx: Context,
    media_id: str,
    variant: Variant,
    user: int,
    expires: int,
    signature: str,
) -> Opened:
    """The file a signed link points at, if the link is genuine and unexpired and its user
    may still see the blob (a recall or leaving the conversation ends that)."""
    if not rules.MEDIA_ID_RE.fullmatch(media_id):
        raise MediaNotFound(media_id=media_id)
    mid, uid = MediaId(media_id), UserId(user)
    rules.check_signature(ctx.media.secret, mid, variant, uid, expires, signature, ctx.clock())
    media = (await visible_media(ctx, uid, [mid])).get(mid)
    if media is None or (variant is Variant.THUMBNAIL and not media.has_thumbnail):
        raise MediaNotFound(media_id=media_id)
    path = ctx.media.blobs.local_path(rules.blob_key(mid, variant))
    if path is None:
        raise MediaNotFound("The blob is missing from the media store.", media_id=media_id)
    return Opened(path, media, Instant(expires))


async def open_avatar(ctx: Context, user_id: UserId) -> Opened:
    """A user's profile picture (its thumbnail when it has one): public, like the profile.
    `expires_at` is 0: the URL names the picture, so it can be cached for good."""
    user = await ctx.store.user(user_id)
    if user.avatar is None:
        raise MediaNotFound("This user has no avatar.", user_id=user_id)
    mid = MediaId(user.avatar)
    media = (await ctx.store.visible_media(user_id, [mid])).get(mid)
    if media is None:
        raise MediaNotFound("This user has no avatar.", user_id=user_id)
    variant = Variant.THUMBNAIL if media.has_thumbnail else Variant.ORIGINAL
    path = ctx.media.blobs.local_path(rules.blob_key(mid, variant))
    if path is None:
        raise MediaNotFound("The blob is missing from the media store.", media_id=mid)
    return Opened(path, media, Instant(0))


@dataclass(frozen=True, slots=True)
class GroupAvatar:
    path: Path
    key: str  # changes with the picture: an ETag


async def open_group_avatar(ctx: Context, me: Principal, cid: ConversationId) -> GroupAvatar:
    """A group's avatar, the grid of its first members' pictures, for a member. Drawn in a
    decoder process the first time it is asked for with these members and pictures, then
    kept as a blob (the group's previous grids are deleted): a change of members or of
    their pictures changes its key, so it is never stale."""
    view = await ctx.store.conversation(me.user_id, cid)  # a member, or refused
    if view.conversation.kind is not ConversationKind.GROUP:
        raise InvalidInput("Only a group has a drawn avatar.", conversation_id=cid)
    members = (await ctx.store.members(me.user_id, cid))[: rules.GRID_TILES]
    tiles = [(MediaId(u.avatar) if u.avatar else None, u.username) for _, u in members]
    key = rules.group_avatar_key(cid, tiles)
    blobs = ctx.media.blobs
    path = blobs.local_path(key)
    if path is None:
        await ctx.media.intake.compose_grid(me.user_id, tiles, key)
        path = blobs.local_path(key)
        if path is None:
            raise MediaNotFound("The group's avatar could not be kept.", conversation_id=cid)
        await asyncio.to_thread(_forget_older_grids, blobs, path, ctx.clock())
    return GroupAvatar(path, key.removesuffix(".grid"))


def _forget_older_grids(blobs: Blobs, kept: Path, now: Instant) -> None:
    """Delete the grids the group had before (same first 16 characters, another key)."""
    for older in kept.parent.glob(f"{kept.name[:16]}*.grid"):
        if older.name != kept.name:
            blobs.delete(older.name, now)
