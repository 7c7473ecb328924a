"""The intake: an upload's bytes stream into a staging file (hashed and counted as they
come, refused as soon as they pass the limit), are decoded in a decoder process
(media.decoders: in the uploader's turn, within memory, CPU and time limits), and only
then move into the blob store. Whatever fails on the way leaves no file behind.

A video is not kept as it came: the decoder transcodes it (media.video) and the blob is
its MP4, named by the MP4's bytes, with the poster frame beside it as its thumbnail."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import AsyncIterable, Sequence
from pathlib import Path

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId
from microletter.core.media import BlobFacts, MediaId, MediaKind, MediaLimits, Variant, blob_key
from microletter.media import worker
from microletter.media.decoders import DecoderPool
from microletter.ports import Blobs

MIME_MP4 = "video/mp4"  # what media.video writes (the worker does not import it here)


class MediaIntake:
    def __init__(self, blobs: Blobs, limits: MediaLimits, decoders: DecoderPool) -> None:
        self.blobs = blobs
        self._limits = limits
        self.decoders = decoders

    @property
    def limits(self) -> MediaLimits:
        return self._limits

    async def close(self) -> None:
        await self.decoders.close()

    async def ingest(
        self,
        owner: UserId,
        kind: MediaKind,
        body: AsyncIterable[bytes],
        declared_size: int | None,
        max_seconds: int | None = None,
    ) -> BlobFacts:
        """Check and keep an upload. `max_seconds` caps a recording (voice, video) below
        the operator's limit for its kind: a room with a shorter cap passes its own."""
        cap = self._limits.max_bytes(kind)
        if declared_size is not None and declared_size > cap:
            raise TooLarge(
                f"A {kind} upload is at most {cap} bytes.", max_bytes=cap, size=declared_size
            )
        staged = self.blobs.stage()
        try:
            size, digest = await _receive(body, staged, cap, kind)
            if size == 0:
                raise InvalidInput("The upload is empty.", field="body")
            if kind is MediaKind.IMAGE:
                return await self._rewrite_image(owner, staged)
            if kind is MediaKind.VOICE:
                limits = self._limits
                if max_seconds is not None:
                    seconds = min(max_seconds, limits.max_voice_seconds)
                    limits = dataclasses.replace(limits, max_voice_seconds=seconds)
                return await self._check_voice(owner, staged, size, MediaId(digest), limits)
            if kind is MediaKind.VIDEO:
                seconds = min(
                    max_seconds or self._limits.max_video_seconds, self._limits.max_video_seconds
                )
                return await self._transcode_video(owner, staged, seconds)
            import filetype  # on first use: ~15 ms of the start (tests/unit/test_coldstart.py)

            mime = filetype.guess_mime(str(staged)) or "application/octet-stream"
            await asyncio.to_thread(self.blobs.keep, staged, blob_key(MediaId(digest)))
            return BlobFacts(MediaId(digest), mime, size)
        finally:
            # The decoder is done with it: `run` returns only once it answered or was reaped.
            self.blobs.discard(staged)

    async def _check_voice(
        self, owner: UserId, staged: Path, size: int, digest: MediaId, limits: MediaLimits
    ) -> BlobFacts:
        """Keep the recording, or the copy browsers can play if it had to be re-encoded
        (then the blob is named by the copy's bytes)."""
        playable = self.blobs.stage()
        try:
            heard = await self.decoders.run(owner, worker.listen_voice, staged, limits, playable)
            kept = staged
            if heard.copy is not None:
                kept, digest, size = playable, heard.copy.digest, heard.copy.size
            await asyncio.to_thread(self.blobs.keep, kept, blob_key(digest))
            return BlobFacts(
                digest, heard.mime, size, duration_ms=heard.duration_ms, waveform=heard.waveform
            )
        finally:
            self.blobs.discard(playable)

    async def _transcode_video(self, owner: UserId, staged: Path, max_seconds: int) -> BlobFacts:
        """Keep the MP4 the decoder made of it, with its poster as the thumbnail."""
        out, poster = self.blobs.stage(), self.blobs.stage()
        try:
            film = await self.decoders.run_long(owner, worker.watch_video, staged, max_seconds, out)
            poster.write_bytes(film.poster)
            await asyncio.to_thread(self._keep_video, out, poster, film.written.digest)
            return BlobFacts(
                film.written.digest,
                MIME_MP4,
                film.written.size,
                film.width,
                film.height,
                has_thumbnail=True,
                duration_ms=film.duration_ms,
            )
        finally:
            self.blobs.discard(out)
            self.blobs.discard(poster)

    def _keep_video(self, out: Path, poster: Path, digest: MediaId) -> None:
        self.blobs.keep(poster, blob_key(digest, Variant.THUMBNAIL))  # first, as for images
        self.blobs.keep(out, blob_key(digest))

    async def _rewrite_image(self, owner: UserId, staged: Path) -> BlobFacts:
        out, thumb = self.blobs.stage(), self.blobs.stage()
        try:
            image = await self.decoders.run(
                owner, worker.rewrite_image, staged, out, thumb, self._limits
            )
            await asyncio.to_thread(self._keep_image, out, thumb, image)
            return BlobFacts(
                image.written.digest,
                image.mime,
                image.written.size,
                image.width,
                image.height,
                image.has_thumbnail,
            )
        finally:
            self.blobs.discard(out)
            self.blobs.discard(thumb)

    async def compose_grid(
        self, owner: UserId, tiles: Sequence[tuple[MediaId | None, str]], key: str
    ) -> None:
        pictures = [None if mid is None else self._picture(mid) for mid, _ in tiles]
        out = self.blobs.stage()
        try:
            keys = [k for _, k in tiles]
            await self.decoders.run(owner, worker.compose_grid, pictures, keys, out)
            await asyncio.to_thread(self.blobs.keep, out, key)
        finally:
            self.blobs.discard(out)

    def _picture(self, mid: MediaId) -> Path | None:
        """An avatar's thumbnail (at most 320 px), else the picture itself."""
        return self.blobs.local_path(blob_key(mid, Variant.THUMBNAIL)) or self.blobs.local_path(
            blob_key(mid)
        )

    def _keep_image(self, out: Path, thumb: Path, image: worker.Picture) -> None:
        digest = image.written.digest
        if image.has_thumbnail:  # first, so a kept image always has its thumbnail
            self.blobs.keep(thumb, blob_key(digest, Variant.THUMBNAIL))
        self.blobs.keep(out, blob_key(digest))


async def _receive(
    body: AsyncIterable[bytes], staged: Path, cap: int, kind: MediaKind
) -> tuple[int, str]:
    """Write the stream to `staged`; its size and sha256. TooLarge as soon as it passes `cap`."""
    hasher = hashlib.sha256()
    size = 0
    with staged.open("wb") as f:
        async for chunk in body:
            size += len(chunk)
            if size > cap:
                raise TooLarge(f"A {kind} upload is at most {cap} bytes.", max_bytes=cap)
            hasher.update(chunk)
            f.write(chunk)
    return size, hasher.hexdigest()
