"""What decoding may cost, checked before the work is done (issue 11, part 1): the scans
of a progressive JPEG, the frames of an animation, and a recording's streams, sample
rate, channels, declared duration and decoded bytes. The decoders' own functions are
called directly here (media.images, media.voice: what a decoder process runs), on files
made in the test; test_media_bombs.py sends bombs through a real server."""

from __future__ import annotations

import io
import struct
import time
import wave
from dataclasses import replace
from pathlib import Path

import av
import pytest
from PIL import Image

from microletter.core.errors import MediaTooComplex, MediaTooLong, TooLarge
from microletter.core.media import MediaLimits
from microletter.media import images, voice
from tests.support import bombs
from tests.support.media import opus_clip, wav_clip

LIMITS = MediaLimits(max_image_pixels=1_000_000)


def rewrite(tmp_path: Path, data: bytes, limits: MediaLimits = LIMITS) -> images.Rewritten:
    source = tmp_path / "upload"
    source.write_bytes(data)
    return images.rewrite(source, tmp_path / "out", tmp_path / "thumb", limits)


def listen(tmp_path: Path, data: bytes, limits: MediaLimits = LIMITS) -> voice.Heard:
    source = tmp_path / "upload"
    source.write_bytes(data)
    return voice.listen(source, limits, tmp_path / "playable")


def jpeg(progressive: bool, app_segment: bytes = b"") -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((300, 200), 50).convert("RGB").save(buf, "JPEG", progressive=progressive)
    data = buf.getvalue()
    return data[:2] + app_segment + data[2:]  # right after SOI


# --- images ---


def test_a_jpeg_with_more_scans_than_allowed_is_refused_before_decoding(tmp_path: Path) -> None:
    few_scans = replace(LIMITS, max_jpeg_scans=5)
    with pytest.raises(MediaTooComplex) as refused:
        rewrite(tmp_path, jpeg(progressive=True), few_scans)  # libjpeg writes 10 scans
    assert refused.value.details == {"limit": "jpeg_scans", "max_scans": 5}
    assert rewrite(tmp_path, jpeg(progressive=False), few_scans).width == 300  # one scan
    assert rewrite(tmp_path, jpeg(progressive=True)).width == 300  # under the default 100


def test_scan_markers_inside_a_segment_do_not_count(tmp_path: Path) -> None:
    """An EXIF thumbnail (or any segment's payload) may hold FF DA bytes: not scans."""
    payload = b"Exif\x00\x00" + b"\xff\xda\x00\x08" * 200
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    one_scan = replace(LIMITS, max_jpeg_scans=1)
    assert rewrite(tmp_path, jpeg(progressive=False, app_segment=app1), one_scan).width == 300


def test_an_animation_with_more_frames_than_allowed_is_refused_unseen(tmp_path: Path) -> None:
    frames = [bombs.Frame(0, 0, 1, 1) for _ in range(1001)]
    started = time.monotonic()
    with pytest.raises(MediaTooComplex) as refused:
        rewrite(tmp_path, bombs.gif((10, 10), frames))
    assert refused.value.details == {"limit": "frames", "max_frames": 1000, "frames": 1001}
    assert time.monotonic() - started < 2


def test_an_animation_is_stopped_at_the_frame_that_grows_its_canvas_too_far(
    tmp_path: Path,
) -> None:
    """Declared 1000x1000 (allowed); the second frame grows it to 1100x1100: 1.21 MP, over
    the limit but under the 2x where Pillow's guard raises by itself (it only warns,
    which we make an error); our own check after each seek refuses it too."""
    gif = bombs.gif((1000, 1000), [bombs.Frame(0, 0, 1, 1), bombs.Frame(1099, 1099, 1, 1)])
    with pytest.raises(TooLarge) as refused:
        rewrite(tmp_path, gif)
    assert refused.value.details["max_pixels"] == 1_000_000
    assert rewrite(tmp_path, gif, replace(LIMITS, max_image_pixels=2_000_000)).width == 1100


def test_an_animation_within_every_limit_keeps_its_frames_and_timing(tmp_path: Path) -> None:
    frames = [bombs.Frame(i, i, 1, 1, colour=(i * 40, 0, 0), delay=7) for i in range(5)]
    image = rewrite(tmp_path, bombs.gif((20, 20), frames))
    assert (image.mime, image.width, image.height) == ("image/gif", 20, 20)
    with Image.open(tmp_path / "out") as out:
        assert getattr(out, "n_frames", 1) == 5 and out.info["duration"] == 70


# --- voice ---


def wav(rate: int = 8000, channels: int = 1, seconds: float = 1.0) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(int(rate * seconds) * channels * 2))
    return buf.getvalue()


def test_a_sample_rate_over_the_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(MediaTooComplex) as refused:
        listen(tmp_path, wav(rate=192_000))
    assert refused.value.details["limit"] == "sample_rate"


def test_more_channels_than_allowed_are_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(MediaTooComplex) as refused:
        listen(tmp_path, wav(channels=6))
    assert refused.value.details["limit"] == "channels"


def test_more_streams_than_allowed_are_refused_before_decoding(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        streams = [out.add_stream("pcm_s16le", rate=8000, layout="mono") for _ in range(5)]
        for stream in streams:
            frame = av.AudioFrame(format="s16", layout="mono", samples=800)
            frame.planes[0].update(bytes(frame.planes[0].buffer_size))
            frame.sample_rate, frame.pts = 8000, 0
            for packet in stream.encode(frame):
                out.mux(packet)
    with pytest.raises(MediaTooComplex) as refused:
        listen(tmp_path, buf.getvalue())
    assert refused.value.details == {"limit": "streams", "max_streams": 4}


def test_a_declared_duration_over_the_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    """A WebM whose header says ten minutes, with one second of sound behind it (the
    Segment's Duration element, a float of milliseconds, is believed as declared)."""
    data = bytearray(opus_clip(1.0))
    at = data.find(b"\x44\x89\x88") + 3  # Duration, 8 bytes
    data[at : at + 8] = struct.pack(">d", 600_000.0)
    with pytest.raises(MediaTooLong) as refused:
        listen(tmp_path, bytes(data))
    assert refused.value.details["duration_ms"] == 600_000


def test_decoding_stops_once_it_passes_the_decoded_bytes_limit(tmp_path: Path) -> None:
    small = replace(LIMITS, max_decoded_bytes=10_000)
    with pytest.raises(MediaTooComplex) as refused:
        listen(tmp_path, wav_clip(2.0), small)  # 32,000 bytes of samples
    assert refused.value.details == {"limit": "decoded_bytes", "max_decoded_bytes": 10_000}
    assert listen(tmp_path, opus_clip(1.0)).duration_ms in range(900, 1100)
