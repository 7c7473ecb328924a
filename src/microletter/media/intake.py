"""The intake: an upload's bytes stream into a staging file (hashed and counted as they
come, refused as soon as they pass the limit), are decoded in a worker thread, and only
then move into the blob store. Whatever fails on the way leaves no file behind."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import filetype

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.media import BlobFacts, MediaId, MediaKind, MediaLimits, Variant, blob_key
from microletter.ports import Blobs

CHUNK = 256 * 1024


class MediaIntake:
    def __init__(self, blobs: Blobs, limits: MediaLimits, workers: int = 2) -> None:
        self.blobs = blobs
        self._limits = limits
        # Decoding is CPU work: a small pool bounds how much of it runs at once.
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media")

    @property
    def limits(self) -> MediaLimits:
        return self._limits

    async def close(self) -> None:
        self._pool.shutdown(wait=True)

    async def ingest(
        self, kind: MediaKind, body: AsyncIterable[bytes], declared_size: int | None
    ) -> BlobFacts:
        cap = self._limits.max_bytes(kind)
        if declared_size is not None and declared_size > cap:
            raise TooLarge(
                f"A {kind} upload is at most {cap} bytes.", max_bytes=cap, size=declared_size
            )
        staged = self.blobs.stage()
        work: Future[BlobFacts] | None = None
        try:
            size, digest = await _receive(body, staged, cap, kind)
            if size == 0:
                raise InvalidInput("The upload is empty.", field="body")
            work = self._pool.submit(self._check, kind, staged, size, MediaId(digest))
            return await asyncio.wrap_future(work)
        finally:
            if work is None or work.done():
                self.blobs.discard(staged)
            else:  # cancelled while a worker still reads the file: clean up after it
                work.add_done_callback(lambda _: self.blobs.discard(staged))

    def _check(self, kind: MediaKind, staged: Path, size: int, digest: MediaId) -> BlobFacts:
        """In a worker thread: decode, and keep what passed."""
        if kind is MediaKind.IMAGE:
            return self._rewrite_image(staged)
        if kind is MediaKind.VOICE:
            return self._check_voice(staged, size, digest)
        mime = filetype.guess_mime(str(staged)) or "application/octet-stream"
        self.blobs.keep(staged, blob_key(digest))
        return BlobFacts(digest, mime, size)

    def _check_voice(self, staged: Path, size: int, digest: MediaId) -> BlobFacts:
        """Keep the recording, or the copy browsers can play if it had to be re-encoded
        (then the blob is named by the copy's bytes)."""
        playable = self.blobs.stage()
        try:
            from microletter.media import voice  # PyAV loads on the first voice note

            heard = voice.listen(staged, self._limits.max_voice_seconds, playable)
            kept = staged
            if heard.reencoded:
                kept = playable
                digest, size = _hash_file(playable)
            self.blobs.keep(kept, blob_key(digest))
            return BlobFacts(
                digest, heard.mime, size, duration_ms=heard.duration_ms, waveform=heard.waveform
            )
        finally:
            self.blobs.discard(playable)

    def _rewrite_image(self, staged: Path) -> BlobFacts:
        out, thumb = self.blobs.stage(), self.blobs.stage()
        try:
            from microletter.media import images  # Pillow loads on the first picture

            image = images.rewrite(staged, out, thumb, self._limits.max_image_pixels)
            digest, size = _hash_file(out)
            if image.has_thumbnail:  # first, so a kept image always has its thumbnail
                self.blobs.keep(thumb, blob_key(digest, Variant.THUMBNAIL))
            self.blobs.keep(out, blob_key(digest))
            return BlobFacts(
                digest, image.mime, size, image.width, image.height, image.has_thumbnail
            )
        finally:
            self.blobs.discard(out)
            self.blobs.discard(thumb)


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


def _hash_file(path: Path) -> tuple[MediaId, int]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return MediaId(hasher.hexdigest()), size
