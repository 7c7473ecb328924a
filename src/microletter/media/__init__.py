"""Media behind its doors: uploads checked by decoding them in decoder processes
(media.intake, media.decoders) and stored as content-addressed blobs picked by URL:
file:///path (default). An S3-compatible store would be one more Blobs implementation
chosen here by its scheme. `Referrers` is the registry in which every room declares the
blobs it still needs (media.referrers)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from microletter.core.media import MediaLimits
from microletter.media.blobs import LocalBlobs, free_bytes
from microletter.media.decoders import DecoderLimits, DecoderPool
from microletter.media.intake import MediaIntake
from microletter.media.referrers import Referrers
from microletter.ports import Blobs

__all__ = [
    "DecoderLimits",
    "DecoderPool",
    "LocalBlobs",
    "MediaIntake",
    "Referrers",
    "free_bytes",
    "load_secret",
    "open_blobs",
    "open_intake",
    "speech",
]

SECRET_FILE = "media.secret"  # noqa: S105 - a file name, not a secret


def open_blobs(url: str) -> Blobs:
    """The blob store that `url` names."""
    if url.startswith("file://"):
        return LocalBlobs(Path(url.removeprefix("file://")))
    scheme = url.split(":", 1)[0]
    raise ValueError(f"unsupported media URL scheme {scheme!r}; use file:///path")


def open_intake(
    blobs: Blobs, limits: MediaLimits, decoding: DecoderLimits | None = None
) -> MediaIntake:
    """The intake over `blobs`; its decoder processes start with the first upload."""
    return MediaIntake(blobs, limits, DecoderPool(decoding or DecoderLimits()))


def speech(source: Path, rate: int, max_seconds: int) -> bytes:
    """A kept recording as a speech recognizer hears it (media.voice.speech). For a decoder
    process only: PyAV is imported here, when it is called, never by the server."""
    from microletter.media.voice import speech as decode

    return decode(source, rate, max_seconds)


def load_secret(data_dir: Path, configured: str) -> bytes:
    """The key that signs media links: the configured one, else the one kept in the data
    folder, made (random, readable by the owner only) on first start."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under a temporary name, then linked into place: a process starting
        # at the same moment sees either no key or the whole key, never an empty file. The
        # first link wins; a loser reads the winner's key.
        staging = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(staging, path)
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    return path.read_text().strip().encode()
