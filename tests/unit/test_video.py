"""The video pipeline (media/video.py), on clips made in the test: what is kept is H.264
and AAC in MP4 within 720p, with a poster; what is not a short video is refused before
it is decoded in full."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image

from microletter.core.errors import MediaTooLong, MediaUnsupported
from microletter.media.video import fit, watch
from tests.support.media import opus_clip, picture
from tests.support.video import clip


def test_a_clip_becomes_h264_and_aac_in_mp4_within_720p_with_a_poster(tmp_path: Path) -> None:
    source = clip(tmp_path / "in.mp4", seconds=2, size=(1920, 1080), fps=30)
    seen = watch(source, 60, tmp_path / "out.mp4")
    assert (seen.width, seen.height) == (1280, 720)
    assert 1900 <= seen.duration_ms <= 2100
    with av.open(str(tmp_path / "out.mp4")) as out:
        assert [(s.type, s.codec_context.name) for s in out.streams] == [
            ("video", "h264"),
            ("audio", "aac"),
        ]
        assert 1.9 <= float(out.duration or 0) / av.time_base <= 2.2
    poster = Image.open(io.BytesIO(seen.poster))
    assert poster.format == "WEBP" and max(poster.size) <= 480


def test_a_portrait_clip_keeps_its_shape_and_webm_is_taken_too(tmp_path: Path) -> None:
    source = clip(tmp_path / "in.webm", seconds=1, size=(720, 1280), fmt="webm")
    seen = watch(source, 60, tmp_path / "out.mp4")
    assert (seen.width, seen.height) == (720, 1280)
    assert fit(3840, 2160) == (1280, 720) and fit(640, 360) == (640, 360)


def test_a_clip_longer_than_allowed_is_refused(tmp_path: Path) -> None:
    source = clip(tmp_path / "in.mp4", seconds=3, sound=False)
    with pytest.raises(MediaTooLong):
        watch(source, 1, tmp_path / "out.mp4")


@pytest.mark.parametrize("name", ["picture.png", "voice.webm", "noise.bin"])
def test_what_is_not_a_video_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    data = {"picture.png": picture(), "voice.webm": opus_clip(1.0), "noise.bin": b"\x00" * 4096}
    path.write_bytes(data[name])
    with pytest.raises(MediaUnsupported):
        watch(path, 60, tmp_path / "out.mp4")
