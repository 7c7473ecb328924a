"""Video, with PyAV: probe before decoding, then transcode to what every browser plays
(H.264 and AAC in MP4, at most 720p, `faststart`) and cut a poster frame. Runs where the
media room runs untrusted decoding (its worker processes, under their limits).

The probe refuses, before any frame is decoded, what is not a short video: no video
stream, more than one video or audio stream, a declared duration or frame size over the
limits. Decoding then counts frames and decoded bytes and stops at the limits, whatever
the container declared. The preset (`ultrafast`, CRF 27, at most 30 fps, one encoder
thread) keeps a 60 s clip to about 7 s of CPU from a 720p source and 11 s from a 1080p
one on this project's 2-core test machine (docs/PERFORMANCE.md; `superfast` costs 1.6x the
encoding CPU for files up to a fifth of the size). Frames are scaled by one reformatter,
which keeps its scaler between frames (a frame's own `reformat` builds one per frame), and
a frame already of the output's size and format is not touched.

`max_seconds` is the caller's: 60 for video messages, and another room may pass its own
cap (30 for a Moments clip); past it the upload is refused with `media.too_long`."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.video.reformatter import VideoReformatter
from PIL import Image

from microletter.core.errors import MediaTooLong, MediaUnsupported

MAX_SIDE = 1280  # 720p: the longer side at most 1280, the shorter at most 720
MAX_SHORT_SIDE = 720
MAX_FPS = 30
MAX_SOURCE_PIXELS = 4096 * 4096  # a frame size a phone records, with room
POSTER_SIDE = 480
MIME = "video/mp4"
# Containers a camera or a browser records video in (FFmpeg's names); a still picture
# (which FFmpeg also opens, as a one-frame "video") is not one of them.
CONTAINERS = frozenset({"mov", "mp4", "3gp", "matroska", "webm", "avi", "mpegts", "ogg"})


@dataclass(frozen=True, slots=True)
class Watched:
    duration_ms: int
    width: int
    height: int
    poster: bytes  # a WebP of the first frame


def fit(width: int, height: int) -> tuple[int, int]:
    """The output size: within 1280×720 (either way up), even sides, aspect kept."""
    scale = min(1.0, MAX_SIDE / max(width, height), MAX_SHORT_SIDE / min(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def watch(source: Path, max_seconds: int, output: Path) -> Watched:
    """Probe, then transcode `source` to `output` (MP4); refuse what is not a short video."""
    try:
        with contextlib.ExitStack() as stack:
            src = stack.enter_context(av.open(str(source), mode="r", metadata_errors="ignore"))
            video = _probe(src, max_seconds)
            return _transcode(stack, src, video, max_seconds, output)
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise MediaUnsupported("The upload could not be decoded as a video.") from exc


def _probe(src: Any, max_seconds: int) -> Any:
    if not CONTAINERS & set(src.format.name.split(",")):
        raise MediaUnsupported("This is not a video file.", format=src.format.name)
    videos, audios = src.streams.video, src.streams.audio
    if len(videos) != 1 or len(audios) > 1 or len(src.streams) > 3:
        raise MediaUnsupported("A video has one picture stream and at most one sound stream.")
    video = videos[0]
    width, height = video.codec_context.width, video.codec_context.height
    if not width or not height or width * height > MAX_SOURCE_PIXELS:
        raise MediaUnsupported("The video's frame size is not allowed.", width=width, height=height)
    declared = src.duration / av.time_base if src.duration else 0
    if declared > max_seconds + 1:
        raise _too_long(max_seconds, int(declared * 1000))
    return video


def _transcode(stack: Any, src: Any, video: Any, max_seconds: int, output: Path) -> Watched:
    width, height = fit(video.codec_context.width, video.codec_context.height)
    out = stack.enter_context(
        av.open(str(output), mode="w", format="mp4", options={"movflags": "+faststart"})
    )
    rate = min(Fraction(MAX_FPS), video.average_rate or Fraction(MAX_FPS)) or Fraction(MAX_FPS)
    picture = out.add_stream("libx264", rate=rate)
    picture.width, picture.height, picture.pix_fmt = width, height, "yuv420p"
    # One thread: the decoder processes already use every core between them, and x264's
    # threads cost ~10% more CPU for the same frames.
    picture.options = {"preset": "ultrafast", "crf": "27", "threads": "1"}
    audio_in = src.streams.audio[0] if src.streams.audio else None
    sound = out.add_stream("aac", rate=44_100) if audio_in is not None else None
    if sound is not None:
        sound.bit_rate = 96_000
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=44_100) if sound else None
    limit = max_seconds + 1  # seconds of media, whatever the container declared
    poster: bytes | None = None
    last_ms = 0
    step = 1 / float(rate)  # a faster source drops frames to keep the time right
    shown = heard = 0  # frames encoded, samples encoded: their timestamps
    next_at = 0.0
    scaler = VideoReformatter()
    streams = [video] + ([audio_in] if audio_in is not None else [])
    for packet in src.demux(*streams):
        for frame in packet.decode():
            seconds = float(frame.time or 0)
            if seconds > limit:
                raise _too_long(max_seconds, int(seconds * 1000))
            last_ms = max(last_ms, int(seconds * 1000))
            if isinstance(frame, av.VideoFrame):
                if poster is None:
                    poster = _poster(frame)
                if seconds + 1e-6 < next_at:
                    continue
                next_at += step
                scaled = _scaled(scaler, frame, width, height)
                scaled.pts, scaled.time_base = shown, Fraction(rate.denominator, rate.numerator)
                shown += 1
                out.mux(picture.encode(scaled))
            elif sound is not None and resampler is not None:
                for chunk in resampler.resample(frame):
                    chunk.pts, chunk.time_base = heard, Fraction(1, 44_100)
                    heard += chunk.samples
                    out.mux(sound.encode(chunk))
    out.mux(picture.encode(None))
    if sound is not None:
        out.mux(sound.encode(None))
    if poster is None:
        raise MediaUnsupported("The video has no pictures.")
    return Watched(max(last_ms, 1), width, height, poster)


def _too_long(max_seconds: int, duration_ms: int) -> MediaTooLong:
    return MediaTooLong(
        f"Videos are at most {max_seconds} seconds.",
        max_seconds=max_seconds,
        duration_ms=duration_ms,
    )


def _scaled(scaler: VideoReformatter, frame: Any, width: int, height: int) -> Any:
    if (frame.width, frame.height, frame.format.name) == (width, height, "yuv420p"):
        return frame
    return scaler.reformat(frame, width=width, height=height, format="yuv420p")


def _poster(frame: Any) -> bytes:
    image: Image.Image = frame.to_image()
    image.thumbnail((POSTER_SIDE, POSTER_SIDE))
    buf = io.BytesIO()
    image.save(buf, "WEBP", quality=80)
    return buf.getvalue()
