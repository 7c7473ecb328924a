"""Real media made in the test: Pillow images (one with EXIF GPS and a rotation), Opus
voice clips encoded with PyAV, and long WAV recordings with the standard library."""

from __future__ import annotations

import io
import math
import wave
from array import array
from pathlib import Path

import av
from PIL import ExifTags, Image

RED, BLUE = (255, 0, 0), (0, 0, 255)


def photo_with_gps(fmt: str = "JPEG", size: tuple[int, int] = (400, 200)) -> bytes:
    """A red-left, blue-right picture whose EXIF says "rotate 90° clockwise to show me"
    (orientation 6) and where it was taken (GPS)."""
    im = Image.new("RGB", size, RED)
    im.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    buf = io.BytesIO()
    im.save(buf, fmt, exif=exif)
    return buf.getvalue()


def picture(
    size: tuple[int, int] = (64, 48), fmt: str = "PNG", color: tuple[int, ...] = RED
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def opus_clip(seconds: float = 1.0, container: str = "webm", rate: int = 48000) -> bytes:
    """A 440 Hz sine, Opus-encoded in WebM (what Chromium's MediaRecorder sends) or Ogg."""
    return _sine_clip(seconds, container, "libopus", rate, 960)


def _sine_clip(
    seconds: float, container: str, codec: str, rate: int, per: int, bit_rate: int = 0
) -> bytes:
    """A 440 Hz mono sine encoded with `codec` in `container`, `per` samples a frame."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)  # a codec given by name could be any kind
        if bit_rate:
            stream.bit_rate = bit_rate
        total = int(seconds * rate)
        for start in range(0, total, per):
            n = min(per, total - start)
            pcm = array("h", (_sine(start + i, rate) for i in range(n))).tobytes()
            frame = av.AudioFrame(format="s16", layout="mono", samples=n)
            frame.planes[0].update(pcm + bytes(frame.planes[0].buffer_size - len(pcm)))
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def wav_clip(seconds: float, rate: int = 8000, loud_second_half: bool = False) -> bytes:
    """Mono 16-bit PCM: silence, or silence then a tone when `loud_second_half`."""
    total = int(seconds * rate)
    pcm = array(
        "h",
        (_sine(i, rate) if loud_second_half and i >= total // 2 else 0 for i in range(total)),
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def _sine(i: int, rate: int) -> int:
    return int(12000 * math.sin(2 * math.pi * 440 * i / rate))


def stored_files(media_root: Path) -> list[Path]:
    """Every file under the media folder: blobs and leftover staging files alike."""
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def amr_clip(seconds: float = 1.0) -> bytes:
    """A 440 Hz sine in AMR-NB (8 kHz mono), the voice format of the WeChat protocol."""
    return _sine_clip(seconds, "amr", "libopencore_amrnb", 8000, 160, bit_rate=12200)
