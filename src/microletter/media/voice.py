"""Voice, with PyAV: decode the recording (Opus in WebM from browsers, Ogg/Opus, MP3, AAC,
WAV, FLAC, ...), measure its length and draw its waveform. Runs in a worker thread.

The recording is stored as it came; decoding it here is the proof that it is audio."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from pathlib import Path

import av

from microletter.core.errors import MediaUnsupported
from microletter.core.media import VOICE_TOLERANCE_MS, check_duration, waveform

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


@dataclass(frozen=True, slots=True)
class Heard:
    mime: str
    duration_ms: int
    waveform: tuple[int, ...]


def listen(source: Path, max_seconds: int) -> Heard:
    """Decode the whole recording; refuse it if it is no audio or longer than allowed."""
    budget = (max_seconds * 1000 + VOICE_TOLERANCE_MS) * RATE // 1000
    samples = array("h")
    try:
        with av.open(str(source), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise MediaUnsupported("The upload has no sound in it.")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
                if len(samples) > budget:  # stop decoding: it is too long already
                    check_duration(len(samples) * 1000 // RATE, max_seconds)
            for out in resampler.resample(None):
                samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
            mime = _mime(container.format.name)
    except av.FFmpegError as exc:
        raise MediaUnsupported("This is not a recording we can play.", reason=str(exc)) from None
    if not samples:
        raise MediaUnsupported("The recording is empty.")
    duration_ms = check_duration(len(samples) * 1000 // RATE, max_seconds)
    return Heard(mime, duration_ms, tuple(waveform(samples)))


def _mime(format_name: str) -> str:
    for name in format_name.split(","):
        if name in CONTAINERS:
            return CONTAINERS[name]
    return "application/octet-stream"
