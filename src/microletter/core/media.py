"""Media, pure: what an uploaded blob is, the rules a media message follows, the voice
waveform, and the signed links that let a browser fetch a blob without a token.

No I/O here: decoding and storing bytes is the media room's job; the caller passes the
secret and the time. A blob is named by the sha256 of its stored bytes (`MediaId`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import NewType

from microletter.core.errors import (
    BadSignature,
    InvalidInput,
    MediaKindMismatch,
    MediaNotFound,
    MediaTooLong,
    SignatureExpired,
)
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue, MessageKind
from microletter.core.text import check_visible

MediaId = NewType("MediaId", str)  # sha256 of the stored bytes, 64 lowercase hex digits
MEDIA_ID_RE = re.compile(r"[0-9a-f]{64}")

WAVEFORM_BUCKETS = 64
THUMBNAIL_SIDE = 320  # the longest side of a thumbnail, in pixels
VOICE_TOLERANCE_MS = 1000  # recorders stop a little late; this much over the limit passes
MAX_NAME = 255


class MediaKind(StrEnum):
    IMAGE = "image"
    VOICE = "voice"
    FILE = "file"
    VIDEO = "video"  # kept as transcoded: H.264/AAC in MP4, at most 720p, with a poster


class Variant(StrEnum):
    """Which bytes of a blob a link serves."""

    ORIGINAL = ""
    THUMBNAIL = "thumbnail"


def blob_key(media_id: MediaId, variant: Variant = Variant.ORIGINAL) -> str:
    """The name under which a blob (or its thumbnail) is stored."""
    return f"{media_id}.{variant}" if variant else media_id


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """The operator's limits on uploads and links (see settings.py)."""

    max_upload_bytes: int = 100 * 1024 * 1024  # any upload; files
    max_image_bytes: int = 25 * 1024 * 1024
    max_voice_bytes: int = 16 * 1024 * 1024
    max_voice_seconds: int = 60
    max_video_bytes: int = 64 * 1024 * 1024  # what is uploaded; the kept copy is smaller
    max_video_seconds: int = 60  # video messages; other callers pass their own cap
    max_image_pixels: int = 50_000_000  # width x height, decoded
    link_ttl_ms: int = 3_600_000
    # What decoding may cost, checked before the work is done (media.images, media.voice):
    max_animation_frames: int = 1000
    max_animation_pixels: int = 50_000_000  # frames x canvas pixels of an animation
    max_jpeg_scans: int = 100  # a progressive JPEG is decoded once per scan
    max_streams: int = 4  # streams in a recording's container
    max_sample_rate: int = 96_000  # Hz
    max_channels: int = 2
    max_decoded_bytes: int = 64 * 1024 * 1024  # raw samples a recording decodes to

    def max_bytes(self, kind: MediaKind) -> int:
        cap = {
            MediaKind.IMAGE: self.max_image_bytes,
            MediaKind.VOICE: self.max_voice_bytes,
            MediaKind.VIDEO: self.max_video_bytes,
        }
        return min(cap.get(kind, self.max_upload_bytes), self.max_upload_bytes)


@dataclass(frozen=True, slots=True)
class BlobFacts:
    """What checking and storing an upload found out about its bytes."""

    id: MediaId
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False
    duration_ms: int | None = None
    waveform: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """A blob as a user uploaded it (or as a message carries it): the bytes' facts plus
    the kind and name it was sent as. Width and height are an image's or a video's;
    `has_thumbnail` means a thumbnail (images) or a poster frame (videos, always);
    `duration_ms` is a recording's (voice, video); the waveform is voice's alone."""

    id: MediaId
    kind: MediaKind
    mime: str
    size: int
    name: str
    created_at: Instant
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False
    duration_ms: int | None = None
    waveform: tuple[int, ...] | None = None


def media_of(facts: BlobFacts, kind: MediaKind, name: str, created_at: Instant) -> Media:
    """The Media of an upload: only the facts that belong to its kind."""
    image = kind is MediaKind.IMAGE
    voice = kind is MediaKind.VOICE
    video = kind is MediaKind.VIDEO
    pictured = image or video
    return Media(
        id=facts.id,
        kind=kind,
        mime=facts.mime,
        size=facts.size,
        name=name,
        created_at=created_at,
        width=facts.width if pictured else None,
        height=facts.height if pictured else None,
        has_thumbnail=facts.has_thumbnail and pictured,
        duration_ms=facts.duration_ms if voice or video else None,
        waveform=facts.waveform if voice else None,
    )


def media_data(media: Media) -> dict[str, JsonValue]:
    """The `data` of a media message: `{"media": Media}` as plain JSON values."""
    fields = asdict(media)
    if media.waveform is not None:
        fields["waveform"] = list(media.waveform)
    fields["kind"] = str(media.kind)
    return {"media": fields}


# --- rules ---


def check_media_id(raw: str) -> MediaId:
    if not MEDIA_ID_RE.fullmatch(raw):
        raise InvalidInput("A media id is 64 lowercase hex digits.", field="media_id")
    return MediaId(raw)


_CARRIED = {
    MessageKind.IMAGE: MediaKind.IMAGE,
    MessageKind.VOICE: MediaKind.VOICE,
    MessageKind.FILE: MediaKind.FILE,
    MessageKind.VIDEO: MediaKind.VIDEO,
    MessageKind.STICKER: MediaKind.IMAGE,  # a sticker is an image (a GIF or WebP may move)
}


def media_kind_of(kind: MessageKind) -> MediaKind | None:
    """The media kind a message of this kind carries (None for text and system notes)."""
    return _CARRIED.get(kind)


def choose_media(media_id: MediaId, visible: Sequence[Media], kind: MediaKind) -> Media:
    """Of the ways a sender may see a blob (best first), the one a message of `kind`
    carries: the blob must be visible to them, and as that kind."""
    if not visible:
        raise MediaNotFound(media_id=media_id)
    for media in visible:
        if media.kind is kind:
            return media
    raise MediaKindMismatch(
        f"This media was uploaded as {visible[0].kind}, not {kind}.",
        field="kind",
        media_kind=str(visible[0].kind),
    )


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def check_name(name: str | None, kind: MediaKind) -> str:
    """An upload's original file name, without folders or control characters."""
    cleaned = _UNSAFE_NAME.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"File names are at most {MAX_NAME} characters.", field="name")
    # 'invoice\u202efdp.exe' shows as 'invoiceexe.pdf': refused, not cleaned, so nobody
    # is shown a name other than the one the uploader chose.
    return check_visible(cleaned, "name", "The file name") or str(kind)


def check_duration(duration_ms: int, max_seconds: int) -> int:
    if duration_ms > max_seconds * 1000 + VOICE_TOLERANCE_MS:
        raise MediaTooLong(
            f"Voice messages are at most {max_seconds} seconds.",
            max_seconds=max_seconds,
            duration_ms=duration_ms,
        )
    return duration_ms


def thumbnail_size(width: int, height: int, side: int = THUMBNAIL_SIDE) -> tuple[int, int] | None:
    """The size of the thumbnail of a width x height image (None: it is small already)."""
    longest = max(width, height)
    if longest <= side:
        return None
    return max(1, round(width * side / longest)), max(1, round(height * side / longest))


def waveform(
    samples: Sequence[int], buckets: int = WAVEFORM_BUCKETS, floor: int = 1024
) -> list[int]:
    """`buckets` bars of 0..255 over signed 16-bit samples: each bucket's peak, scaled so
    the loudest bucket is 255. `floor` keeps near-silence flat instead of amplifying
    noise to full height."""
    n = len(samples)
    peaks = []
    for i in range(buckets):
        part = samples[i * n // buckets : (i + 1) * n // buckets]
        peaks.append(max(max(part), -min(part)) if len(part) else 0)
    scale = max(max(peaks, default=0), floor)
    return [min(255, round(p * 255 / scale)) for p in peaks]


_SAFE_INLINE = re.compile(r"(image/(jpeg|png|webp|gif)|audio/[a-z0-9.+-]+|video/[a-z0-9.+-]+)")


def served_type(mime: str) -> str:
    """The Content-Type to serve a blob with: its own for images, audio and video, else a
    neutral one (a user upload is never served as HTML, script, XML or SVG)."""
    if _SAFE_INLINE.fullmatch(mime) or mime == "application/pdf":
        return mime
    return "application/octet-stream"


# --- signed links ---


def link_expiry(now: Instant, ttl_ms: int) -> Instant:
    """When a link made now expires: between ttl/2 and ttl from now, on a grid of ttl/2,
    so links asked for again soon are the same URL (and the browser's cache hits)."""
    step = max(1, ttl_ms // 2)
    return Instant((now // step) * step + ttl_ms)


def signature(
    secret: bytes, media_id: MediaId, variant: Variant, user: UserId, expires: int
) -> str:
    message = f"{media_id}:{variant}:{user}:{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_path(
    secret: bytes, media_id: MediaId, variant: Variant, user: UserId, expires: Instant
) -> str:
    """`/m/<id>[/thumbnail]?u=<user>&e=<expires ms>&s=<signature>` for `user` until `expires`."""
    suffix = f"/{variant}" if variant else ""
    sig = signature(secret, media_id, variant, user, expires)
    return f"/m/{media_id}{suffix}?u={user}&e={expires}&s={sig}"


def check_signature(
    secret: bytes,
    media_id: MediaId,
    variant: Variant,
    user: UserId,
    expires: int,
    sig: str,
    now: Instant,
) -> None:
    """A link is good if its signature matches every part of it and it has not expired."""
    good = signature(secret, media_id, variant, user, expires)
    if not hmac.compare_digest(good.encode(), sig.encode("utf-8", "replace")):
        raise BadSignature()
    if now >= expires:
        raise SignatureExpired(expired_at=expires)


GRID_TILES = 9  # a group's avatar shows its first nine members


def group_avatar_key(conversation_id: int, tiles: Sequence[tuple[str | None, str]]) -> str:
    """The blob key of a group's avatar drawn from `tiles` (each member's avatar media id,
    or None, and the key of their colour): it changes whenever a tile would, so a cached
    avatar is never stale. The first 16 characters name the group alone, so the grids
    it had before can be found and deleted."""
    group = hashlib.sha256(f"group-avatar:{conversation_id}".encode()).hexdigest()[:16]
    drawn = "\n".join(f"{mid or ''}\t{key}" for mid, key in tiles[:GRID_TILES])
    drawn_hash = hashlib.sha256(("grid1\n" + drawn).encode()).hexdigest()
    return f"{group}{drawn_hash[:48]}.grid"
