"""What a recording (and, when it comes, a video) may cost to decode, judged with PyAV
before and while it is decoded: the container's streams, their sample rates, channels
and picture sizes, and its declared duration before the first frame; the bytes the
frames decode to as they come. Runs in a decoder process, like the decoding itself."""

from __future__ import annotations

from typing import Any

import av

from microletter.core.errors import MediaTooComplex, TooLarge
from microletter.core.media import MediaLimits, check_duration

MICROSECONDS = 1_000_000  # av.time_base: a container's duration is in these


def check_container(container: Any, limits: MediaLimits, max_seconds: int) -> None:
    """Refuse, before any frame is decoded, a container with too many streams, an audio
    stream over the sample rate or channel limits, a video stream over the pixel limit,
    or a declared duration over `max_seconds` (a missing duration is checked as the
    frames come)."""
    streams = container.streams
    if len(streams) > limits.max_streams:
        raise MediaTooComplex(
            "The file has too many streams.", limit="streams", max_streams=limits.max_streams
        )
    for stream in streams.audio:
        _check_audio(stream.codec_context.sample_rate, stream.codec_context.channels, limits)
    for stream in streams.video:
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > limits.max_image_pixels:
            raise TooLarge(
                "The video has too many pixels.",
                max_pixels=limits.max_image_pixels,
                width=width,
                height=height,
            )
    if container.duration is not None and container.duration > 0:
        check_duration(container.duration * 1000 // MICROSECONDS, max_seconds)


def _check_audio(rate: int, channels: int, limits: MediaLimits) -> None:
    if rate > limits.max_sample_rate:
        raise MediaTooComplex(
            "The sample rate is too high.",
            limit="sample_rate",
            max_sample_rate=limits.max_sample_rate,
            sample_rate=rate,
        )
    if channels > limits.max_channels:
        raise MediaTooComplex(
            "The recording has too many channels.",
            limit="channels",
            max_channels=limits.max_channels,
            channels=channels,
        )


class Spent:
    """The bytes decoded so far, refused past `max_decoded_bytes`; each frame's rate and
    channels are checked again, as a stream may change them after its header."""

    def __init__(self, limits: MediaLimits) -> None:
        self._limits = limits
        self.bytes = 0

    def audio(self, frame: av.AudioFrame) -> None:
        channels = len(frame.layout.channels)
        _check_audio(frame.sample_rate, channels, self._limits)
        self._add(frame.samples * channels * frame.format.bytes)

    def video(self, frame: av.VideoFrame) -> None:
        self._add(sum(plane.buffer_size for plane in frame.planes))

    def _add(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self._limits.max_decoded_bytes:
            raise MediaTooComplex(
                "The file decodes to too much data.",
                limit="decoded_bytes",
                max_decoded_bytes=self._limits.max_decoded_bytes,
            )
