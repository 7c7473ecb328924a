"""Media: upload (checked by decoding, stored by content), signed links for the people who
may see a blob, and opening a blob for a link."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from microletter.actions.context import Context
from microletter.core import media as rules
from microletter.core.errors import MediaNotFound
from microletter.core.ids import UserId
from microletter.core.media import Media, MediaId, MediaKind, Variant
from microletter.core.models import Instant, Principal


async def upload(
    ctx: Context,
    me: Principal,
    kind: MediaKind,
    name: str | None,
    body: AsyncIterable[bytes],
    declared_size: int | None = None,
) -> Media:
    """Check the bytes by decoding them, store them, and record `me` as an uploader."""
    clean_name = rules.check_name(name, kind)
    facts = await ctx.media.intake.ingest(kind, body, declared_size)
    ctx.metrics.uploads.labels(str(kind)).inc()
    return await ctx.store.save_media(me.user_id, facts, kind, clean_name, ctx.clock())


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
    visible = await ctx.store.visible_media(me.user_id, wanted)
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
    media = (await ctx.store.visible_media(uid, [mid])).get(mid)
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
