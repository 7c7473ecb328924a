"""Test videos made with PyAV in the test (no files in the repository): moving colour
bars and a tone, in MP4 (H.264/AAC) or WebM (VP8/Vorbis-less)."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import av
from PIL import Image


def clip(
    path: Path,
    seconds: float = 2.0,
    size: tuple[int, int] = (640, 360),
    fps: int = 15,
    fmt: str = "mp4",
    sound: bool = True,
) -> Path:
    """Write a clip to `path` and return it."""
    out = av.open(str(path), "w", format=fmt)
    codec = "libx264" if fmt == "mp4" else "libvpx"
    picture = out.add_stream(codec, rate=fps)
    assert isinstance(picture, av.VideoStream)
    picture.width, picture.height, picture.pix_fmt = size[0], size[1], "yuv420p"
    tone = out.add_stream("aac", rate=44_100) if sound and fmt == "mp4" else None
    assert tone is None or isinstance(tone, av.AudioStream)
    for i in range(int(seconds * fps)):
        image = Image.new("RGB", size, ((i * 8) % 256, 80, 160))
        image.paste((250, 250, 0), ((i * 9) % size[0], 0, (i * 9) % size[0] + 20, size[1]))
        frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]  # PyAV's stub
        for packet in picture.encode(frame):
            out.mux(packet)
    for packet in picture.encode(None):
        out.mux(packet)
    if tone is not None:
        rate, chunk = 44_100, 1024
        for start in range(0, int(seconds * rate), chunk):
            samples = b"".join(
                struct.pack("<hh", v, v)
                for v in (
                    int(8000 * math.sin(2 * math.pi * 440 * (start + n) / rate))
                    for n in range(chunk)
                )
            )
            frame = av.AudioFrame(format="s16", layout="stereo", samples=chunk)
            frame.planes[0].update(samples)
            frame.sample_rate = rate
            for packet in tone.encode(frame):
                out.mux(packet)
        for packet in tone.encode(None):
            out.mux(packet)
    out.close()
    return path
