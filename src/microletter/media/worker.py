"""Inside a decoder process: it confines itself (address space, no core files, a lower
priority, CPU time per job), then runs the jobs its pipe brings, one at a time, until
the pipe closes. This module is the only code that runs there; it never touches the
database or the blob store (it reads and writes the staging files it is given).

The jobs import Pillow and PyAV (media.images, media.voice, media.video) when they run; the
forkserver (media.decoders) preloads those modules, so every decoder it forks starts
with them loaded, and the server process, which imports this module for the jobs'
names, never loads them. What a job returns is made of plain values, for the same
reason.
"""

from __future__ import annotations

import hashlib
import math
import os
import resource
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from microletter.core.errors import MicroletterError
from microletter.core.media import MediaId, MediaLimits

CHUNK = 256 * 1024
NICENESS = 5  # decoders yield the CPU to the server's event loop


def serve(conn: Connection, memory_bytes: int) -> None:
    """The process's whole life: confine, then answer jobs until the pipe closes.

    A job is `(function, args, kwargs, cpu_seconds)`; the answer is `("ok", result)`,
    `("refused", error class, message, details)` for an error of the tree, `("memory",)` when an
    allocation failed (the process then exits: its heap is not to be trusted), or
    `("failed", traceback)` for anything else. Past its CPU time the kernel kills it."""
    _confine(memory_bytes)
    while True:
        try:
            job, args, kwargs, cpu_seconds = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe, or is gone
        _allow_cpu(cpu_seconds)
        try:
            reply: tuple[Any, ...] = ("ok", job(*args, **kwargs))
        except MicroletterError as exc:
            reply = ("refused", type(exc), exc.message, dict(exc.details))
        except MemoryError:
            conn.send(("memory",))
            return
        except Exception:
            reply = ("failed", traceback.format_exc(limit=8))
        conn.send(reply)


def _confine(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash writes no core file
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server; it stops us
    os.nice(NICENESS)


def _allow_cpu(seconds: int) -> None:
    """RLIMIT_CPU counts the process's whole life: move its soft limit to `seconds`
    from now. Past it the kernel sends SIGXCPU, which ends the process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # Whole seconds only: the job gets between `seconds` and one second more.
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


# --- the jobs (module-level functions, so they are sent by name) ---


@dataclass(frozen=True, slots=True)
class Hashed:
    """A file the job wrote, named by its bytes."""

    digest: MediaId
    size: int


@dataclass(frozen=True, slots=True)
class Picture:
    """An image as rewritten to `out`."""

    mime: str
    width: int
    height: int
    has_thumbnail: bool
    written: Hashed


@dataclass(frozen=True, slots=True)
class Sound:
    """A recording as heard; `copy` when the re-encoded copy is what is to be kept."""

    mime: str
    duration_ms: int
    waveform: tuple[int, ...]
    copy: Hashed | None


def rewrite_image(staged: Path, out: Path, thumbnail: Path, limits: MediaLimits) -> Picture:
    from microletter.media import images

    image = images.rewrite(staged, out, thumbnail, limits)
    return Picture(image.mime, image.width, image.height, image.has_thumbnail, hash_file(out))


def compose_grid(pictures: list[Path | None], keys: list[str], out: Path) -> None:
    """A group's avatar from its first members' pictures (media.grid)."""
    from microletter.media import grid

    grid.compose([grid.Tile(p, k) for p, k in zip(pictures, keys, strict=True)], out)


def listen_voice(staged: Path, limits: MediaLimits, playable: Path) -> Sound:
    from microletter.media import voice

    heard = voice.listen(staged, limits, playable)
    copy = hash_file(playable) if heard.reencoded else None
    return Sound(heard.mime, heard.duration_ms, heard.waveform, copy)


@dataclass(frozen=True, slots=True)
class Film:
    """A video as transcoded to `output` (H.264/AAC in MP4), with its poster (WebP)."""

    duration_ms: int
    width: int
    height: int
    poster: bytes
    written: Hashed


def watch_video(source: Path, max_seconds: int, output: Path) -> Film:
    """A video upload: media.video's probe and transcode, here."""
    from microletter.media import video

    watched = video.watch(source, max_seconds, output)
    return Film(
        watched.duration_ms, watched.width, watched.height, watched.poster, hash_file(output)
    )


def hash_file(path: Path) -> Hashed:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return Hashed(MediaId(hasher.hexdigest()), size)
