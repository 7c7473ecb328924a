"""Media of official accounts, kept by the media room like anyone's: media/upload decodes
and stores a blob with the account's user as its uploader, so the account's image and
voice messages carry `{"media": Media}` exactly as people's do, and followers' clients
fetch them through signed links. The protocol adds only its own rules on top: per-type
size limits and formats (errcodes 45002 and 40004), and temporary media that serve
media/get and messages for `media_seconds` (3 days) after their last upload (40007).

The `media_id` of the protocol is the blob's id (its sha256). A follower's picture or
voice note reaches the webhook under its own blob id, with a signed link as PicUrl, and
media/get serves it to the account while a message it sees carries it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from microletter.actions import media as media_actions
from microletter.core import media as rules
from microletter.core.errors import InvalidInput, MediaUnsupported, TooLarge
from microletter.core.ids import UserId
from microletter.core.media import Media, MediaId, MediaKind, Variant
from microletter.core.models import Instant, JsonValue
from microletter.platform.context import Platform
from microletter.platform.errors import AccountMediaNotFound, MaterialNotFound, MediaTypeInvalid
from microletter.platform.rules.officials import AccountUpload

MAX_BYTES = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "thumb": 64 << 10}
KINDS = {
    "image": MediaKind.IMAGE,
    "thumb": MediaKind.IMAGE,
    "img": MediaKind.IMAGE,
    "voice": MediaKind.VOICE,
    "video": MediaKind.VIDEO,  # transcoded like anyone's video, so every client plays it
    "news": MediaKind.FILE,
}
MATERIAL_ID_RE = re.compile(r"[0-9a-f]{40}")
PUBLIC_LINK_MS = 10 * 365 * 86_400_000  # media/uploadimg: pictures for articles, for good
PUSH_LINK_MS = 3 * 86_400_000  # PicUrl of a follower's picture in a push


@dataclass(frozen=True, slots=True)
class Stored:
    """An upload as the account made it: the blob and the protocol's record of it."""

    media: Media
    upload: AccountUpload


async def limited(chunks: AsyncIterable[bytes], kind: str) -> AsyncIterator[bytes]:
    """The chunks of an upload of protocol type `kind`, refused (45002) past its limit and
    (40004) when a video is not an MP4."""
    limit, size, first = MAX_BYTES.get(kind, 1 << 20), 0, True
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge("The file is too large.", max_bytes=limit)
        if first and kind == "video" and _guess_mime(chunk[:262]) != "video/mp4":
            raise MediaTypeInvalid("A video must be an MP4.", type=kind)
        first = False
        yield chunk


def _guess_mime(head: bytes) -> str | None:
    import filetype  # on first use: ~15 ms of the start (tests/unit/test_coldstart.py)

    mime: str | None = filetype.guess_mime(head)
    return mime


async def upload(
    p: Platform, account_id: UserId, kind: str, name: str, chunks: AsyncIterable[bytes]
) -> Stored:
    """Decode and keep an account's upload of protocol type `kind` (see KINDS)."""
    if kind not in KINDS:
        raise MediaTypeInvalid(f"type must be one of {', '.join(MAX_BYTES)}.", type=kind)
    media_kind = KINDS[kind]
    # The account's storage quota and the server's free disk, as for anyone's upload.
    chunks = await media_actions.within_room(p.ctx, account_id, chunks, None)
    try:
        facts = await p.ctx.media.intake.ingest(account_id, media_kind, limited(chunks, kind), None)
    except TooLarge:
        raise
    except (MediaUnsupported, InvalidInput) as exc:  # undecodable, or empty
        raise MediaTypeInvalid(str(exc), type=kind) from None
    clean = rules.check_name(name, media_kind)
    media = await media_actions.record_upload(p.ctx, account_id, facts, media_kind, clean)
    record = await p.store.record_upload(AccountUpload(account_id, media.id, kind, p.now()))
    p.ctx.metrics.uploads.labels(str(media_kind)).inc()
    return Stored(media, record)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def save_news(
    p: Platform, account_id: UserId, articles: list[dict[str, JsonValue]]
) -> Stored:
    """Articles uploaded for a later broadcast (media/uploadnews), a blob like media."""
    data = json.dumps(articles, ensure_ascii=False).encode()
    return await upload(p, account_id, "news", "news.json", _one(data))


async def uploaded(p: Platform, account_id: UserId, media_id: object, *types: str) -> Media:
    """The account's own upload of one of `types` that is still fresh, as its Media."""
    if not isinstance(media_id, str) or not media_id:
        raise InvalidInput("media_id is needed.", field="media_id")
    if MATERIAL_ID_RE.fullmatch(media_id):
        return await material_media(p, account_id, media_id, *types)
    if not rules.MEDIA_ID_RE.fullmatch(media_id):
        raise AccountMediaNotFound(media_id=media_id)
    now = p.now()
    fresh = [
        u
        for u in await p.store.uploads(account_id, media_id)
        if u.type in types and u.is_fresh(now, p.limits.media_seconds)
    ]
    visible = await p.ctx.store.visible_media(account_id, [MediaId(media_id)])
    media = visible.get(MediaId(media_id))
    if not fresh or media is None:
        raise AccountMediaNotFound(media_id=media_id)
    return media


async def material_media(p: Platform, account_id: UserId, media_id: str, *types: str) -> Media:
    """The blob of a permanent material of one of `types` (pictures may be thumbs)."""
    found = await p.store.material(account_id, media_id)
    if found.type not in types or found.blob_id is None:
        raise MaterialNotFound(f"That material is not {' or '.join(types)}.", media_id=media_id)
    blob = MediaId(found.blob_id)
    media = (await p.ctx.store.visible_media(account_id, [blob])).get(blob)
    if media is None:
        raise MaterialNotFound(media_id=media_id)
    return media


def new_material_id(random: bytes) -> str:
    """A permanent material's media_id: 40 hex digits, never a blob id (64)."""
    return random[:20].hex()


async def readable(p: Platform, account_id: UserId, media_id: str) -> tuple[Media, Path]:
    """media/get: the account's own fresh uploads, the blobs its followers sent it
    (while a message it sees carries them), and what rooms grant it (the pictures its
    mini apps' pages uploaded)."""
    if not rules.MEDIA_ID_RE.fullmatch(media_id):
        raise AccountMediaNotFound(media_id=media_id)
    mid = MediaId(media_id)
    own = await p.store.uploads(account_id, media_id)
    now = p.now()
    if own and not any(u.is_fresh(now, p.limits.media_seconds) for u in own):
        raise AccountMediaNotFound("This media expired.", media_id=media_id)
    # The core's rules, then every room's grant (a mini app's uploadImage).
    media = (await media_actions.visible_media(p.ctx, account_id, [mid])).get(mid)
    path = p.ctx.media.blobs.local_path(rules.blob_key(mid))
    if media is None or path is None:
        raise AccountMediaNotFound(media_id=media_id)
    return media, path


async def account_image(p: Platform, account_id: UserId, media_id: str) -> tuple[Media, Path]:
    """A picture the account uploaded (media/upload, type image, still fresh), and where
    its bytes are: what a mini app's page names to wx.downloadImage (its serverId).
    AccountMediaNotFound for anything else."""
    return await _account_blob(p, account_id, media_id, "image", MediaKind.IMAGE)


async def account_voice(p: Platform, account_id: UserId, media_id: str) -> tuple[Media, Path]:
    """A voice recording the account uploaded (media/upload, type voice, still fresh), and
    where its bytes are: what a page names to wx.downloadVoice. AccountMediaNotFound for
    anything else (a picture, another account's, an expired one)."""
    return await _account_blob(p, account_id, media_id, "voice", MediaKind.VOICE)


async def _account_blob(
    p: Platform, account_id: UserId, media_id: str, kind: str, media_kind: MediaKind
) -> tuple[Media, Path]:
    media = await uploaded(p, account_id, media_id, kind)
    path = p.ctx.media.blobs.local_path(rules.blob_key(media.id))
    if media.kind is not media_kind or path is None:
        raise AccountMediaNotFound(media_id=media_id)
    return media, path


async def read_news(p: Platform, account_id: UserId, media_id: object) -> list[JsonValue]:
    """The articles of an mpnews broadcast, from the account's media/uploadnews."""
    await uploaded(p, account_id, media_id, "news")
    _, path = await readable(p, account_id, str(media_id))
    articles: list[JsonValue] = json.loads(await asyncio.to_thread(path.read_bytes))
    return articles


def link(p: Platform, media_id: MediaId, user: UserId, lifetime_ms: int) -> str:
    """An absolute signed link to a blob for `user` (who must be able to see it when the
    link is used), valid for `lifetime_ms`."""
    expires = Instant(p.now() + lifetime_ms)
    path = rules.signed_path(p.ctx.media.secret, media_id, Variant.ORIGINAL, user, expires)
    return p.url(path)
