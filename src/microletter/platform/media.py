"""AccountMedia of official accounts (media/upload, media/get, the pictures of their messages):
bytes in files under the data directory, one row each in the store.

Only formats we recognise by their first bytes are taken (pictures, sound, MP4), so an
upload can never be served back as a web page. Files are written to a temporary name
and renamed, off the event loop. This is the platform's own small blob store; when the
media room lands on main, account media can move to its `Blobs` port.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from microletter.core.errors import MediaTypeInvalid, TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.core.officials import AccountMedia
from microletter.platform.context import Platform

MAX_BYTES = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "thumb": 64 << 10}
FORMATS = {
    "image": ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"),
    "thumb": ("image/jpeg", "image/png"),
    "voice": ("audio/amr", "audio/mpeg", "audio/ogg", "audio/webm", "audio/mp4", "audio/wav"),
    "video": ("video/mp4",),
}


def sniff(head: bytes, kind: str) -> str | None:
    """The MIME type of a file from its first bytes, or None if we do not know it."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head[4:8] == b"ftyp":
        return "video/mp4" if kind == "video" else "audio/mp4"
    return None


@dataclass(frozen=True, slots=True)
class Upload:
    kind: str
    filename: str
    data: bytes


def check_upload(upload: Upload) -> str:
    """The upload's MIME type, if its kind, format and size are allowed."""
    if upload.kind not in MAX_BYTES:
        raise MediaTypeInvalid(f"type must be one of {', '.join(MAX_BYTES)}.", type=upload.kind)
    if len(upload.data) > MAX_BYTES[upload.kind]:
        raise TooLarge("The file is too large.", max_bytes=MAX_BYTES[upload.kind])
    if not upload.data:
        raise MediaTypeInvalid("The file is empty.")
    mime = sniff(upload.data[:16], upload.kind)
    if mime not in FORMATS[upload.kind]:
        raise MediaTypeInvalid(
            f"A {upload.kind} must be one of {', '.join(FORMATS[upload.kind])}.", got=mime
        )
    return mime


class MediaFiles:
    """The files, one per media id, under `root/<account id>/`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, account_id: UserId, media_id: str) -> Path:
        return self.root / str(account_id) / media_id

    async def write(self, account_id: UserId, media_id: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(account_id, media_id), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".part")
        temp.write_bytes(data)
        os.replace(temp, path)

    async def read(self, account_id: UserId, media_id: str) -> bytes:
        return await asyncio.to_thread(self.path(account_id, media_id).read_bytes)

    async def delete(self, account_id: UserId, media_ids: list[str]) -> None:
        def unlink() -> None:
            for media_id in media_ids:
                self.path(account_id, media_id).unlink(missing_ok=True)

        await asyncio.to_thread(unlink)


async def upload(p: Platform, files: MediaFiles, account_id: UserId, item: Upload) -> AccountMedia:
    """Keep an account's upload for `media_seconds` (3 days), or for good once a
    message uses it."""
    mime = check_upload(item)
    now = p.now()
    media_id = base64.urlsafe_b64encode(p.random(33)).decode()
    media = AccountMedia(
        media_id=media_id,
        account_id=account_id,
        type=item.kind,
        mime=mime,
        filename=os.path.basename(item.filename)[:128] or "media",
        size=len(item.data),
        created_at=now,
        expires_at=Instant(now + p.limits.media_seconds * 1000),
    )
    await files.write(account_id, media_id, item.data)
    try:
        expired = await p.store.add_media(media, now)
    except BaseException:
        await files.delete(account_id, [media_id])
        raise
    if expired:
        await files.delete(account_id, expired)
    return media


async def save_news(
    p: Platform, files: MediaFiles, account_id: UserId, articles: list[dict[str, JsonValue]]
) -> AccountMedia:
    """Articles uploaded for a later broadcast (media/uploadnews), kept like media."""
    data = json.dumps(articles, ensure_ascii=False).encode()
    now = p.now()
    media = AccountMedia(
        media_id=base64.urlsafe_b64encode(p.random(33)).decode(),
        account_id=account_id,
        type="news",
        mime="application/json",
        filename="news.json",
        size=len(data),
        created_at=now,
        expires_at=Instant(now + p.limits.media_seconds * 1000),
    )
    await files.write(account_id, media.media_id, data)
    await p.store.add_media(media, now)
    return media


async def download(p: Platform, files: MediaFiles, media_id: str) -> tuple[AccountMedia, bytes]:
    media = await p.store.account_media(media_id, p.now())
    return media, await files.read(media.account_id, media_id)


def media_url(media_id: str) -> str:
    """Where clients fetch an account's media (a capability URL: the id is the secret)."""
    return f"/api/v1/platform/media/{media_id}"
