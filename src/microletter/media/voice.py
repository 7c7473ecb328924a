"""Voice, with PyAV: decode the recording (Opus in WebM from browsers, Ogg/Opus, MP3, AAC,
WAV, FLAC, AMR, ...), measure its length and draw its waveform. Runs in a decoder process
(media.decoders), never in the server; the container is judged (media.streams) before
any frame is decoded, and every decoded frame is counted against the limits.

A recording every browser can play is stored as it came; decoding it here is the proof
that it is audio. One that browsers cannot play (AMR, the WeChat protocol's voice format,
or an unknown container) is re-encoded in the same pass to AAC in MP4, which they all do,
and only that copy is kept."""

from __future__ import annotations

import contextlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from microletter.core.errors import MediaUnsupported
from microletter.core.media import VOICE_TOLERANCE_MS, MediaLimits, check_duration, waveform
from microletter.media.streams import Spent, check_container

RATE = 8000  # samples per second for measuring: plenty for a waveform of 64 bars
CONTAINERS = {  # PyAV's container names to the type browsers know
    "matroska": "audio/webm",
    "webm": "audio/webm",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp4": "audio/mp4",
    "aac": "audio/aac",
    "amr": "audio/amr",
}
# Codecs that Chromium, Firefox and Safari all decode (in the containers above).
BROWSER_CODECS = frozenset(
    {"opus", "vorbis", "mp3", "mp3float", "aac", "flac", "pcm_s16le", "pcm_u8", "pcm_f32le"}
)
_PLAYED = frozenset(m for m in CONTAINERS.values() if m != "audio/amr")  # containers they play
PLAYABLE_MIME = "audio/mp4"  # what a re-encoded recording is: AAC in MP4 (an .m4a)
PLAYABLE_RATE = 16_000  # wide-band speech; AMR-NB itself is 8 kHz
PLAYABLE_BIT_RATE = 32_000


@dataclass(frozen=True, slots=True)
class Heard:
    mime: str  # of what is to be kept: the upload, or the re-encoded copy
    duration_ms: int
    waveform: tuple[int, ...]
    reencoded: bool = False  # the copy at `playable` is what is to be kept


def listen(source: Path, limits: MediaLimits, playable: Path) -> Heard:
    """Decode the whole recording; refuse it if it is no audio, longer than allowed or
    over a decoding limit (its streams, sample rate and channels before decoding, the
    bytes it decodes to as it goes). If browsers could not play it, write a copy they
    can to `playable` on the way."""
    max_seconds = limits.max_voice_seconds
    budget = (max_seconds * 1000 + VOICE_TOLERANCE_MS) * RATE // 1000
    samples = array("h")
    try:
        with contextlib.ExitStack() as stack:
            container = stack.enter_context(
                av.open(str(source), mode="r", metadata_errors="ignore")
            )
            check_container(container, limits, max_seconds)
            if not container.streams.audio:
                raise MediaUnsupported("The upload has no sound in it.")
            stream = container.streams.audio[0]
            mime = _mime(container.format.name)
            copy = None
            if stream.codec_context.name not in BROWSER_CODECS or mime not in _PLAYED:
                copy = _Encoder(stack.enter_context(av.open(str(playable), "w", format="mp4")))
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            spent = Spent(limits)
            for frame in container.decode(stream):
                spent.audio(frame)
                for out in resampler.resample(frame):
                    samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
                if copy is not None:
                    copy.encode(frame)
                if len(samples) > budget:  # stop decoding: it is too long already
                    check_duration(len(samples) * 1000 // RATE, max_seconds)
            for out in resampler.resample(None):
                samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
            if copy is not None:
                copy.encode(None)
    except MemoryError:  # FFmpeg's ENOMEM too: the decoder process reports it as such
        raise
    except av.FFmpegError as exc:
        raise MediaUnsupported("This is not a recording we can play.", reason=str(exc)) from None
    if not samples:
        raise MediaUnsupported("The recording is empty.")
    duration_ms = check_duration(len(samples) * 1000 // RATE, max_seconds)
    if copy is not None:
        return Heard(PLAYABLE_MIME, duration_ms, tuple(waveform(samples)), reencoded=True)
    return Heard(mime, duration_ms, tuple(waveform(samples)))


class _Encoder:
    """AAC, mono, into an MP4 container (PyAV resamples each frame to what AAC takes)."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self._stream = out.add_stream("aac", rate=PLAYABLE_RATE, layout="mono")
        self._stream.bit_rate = PLAYABLE_BIT_RATE

    def encode(self, frame: av.AudioFrame | None) -> None:
        if frame is not None:
            frame.pts = None  # the encoder counts time in its own samples
        for packet in self._stream.encode(frame):
            self._out.mux(packet)


def _mime(format_name: str) -> str:
    for name in format_name.split(","):
        if name in CONTAINERS:
            return CONTAINERS[name]
    return "application/octet-stream"


def speech(source: Path, rate: int, max_seconds: int) -> bytes:
    """A kept recording as a recognizer hears it: mono, 16-bit little-endian samples at
    `rate`, at most `max_seconds` of them (the rest is not decoded). The recording was
    judged when it was uploaded; this runs in a decoder process all the same."""
    budget = max_seconds * rate * 2
    pcm = bytearray()
    try:
        with av.open(str(source), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise MediaUnsupported("The recording has no sound in it.")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    pcm += bytes(out.planes[0])[: out.samples * 2]
                if len(pcm) >= budget:
                    return bytes(pcm[:budget])
            for out in resampler.resample(None):
                pcm += bytes(out.planes[0])[: out.samples * 2]
    except av.FFmpegError as exc:
        raise MediaUnsupported("This is not a recording we can play.", reason=str(exc)) from None
    return bytes(pcm[:budget])
