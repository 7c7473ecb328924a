"""Video messages over real HTTP, on both backends, with clips made in the test (PyAV): an
upload is transcoded in a decoder process to H.264/AAC in MP4 with a poster, sent,
fetched with Range requests by the other member, forwarded, counted in the quota, and
recalled; what is too long or no video is refused with its own code and leaves nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest
from PIL import Image

from microletter.app import Server
from microletter.core.errors import MediaTooLong
from microletter.core.ids import UserId
from microletter.core.media import MediaKind, MediaLimits
from microletter.media import DecoderLimits, LocalBlobs, MediaIntake
from microletter.media.decoders import DecoderPool
from tests.conftest import MakeClient, befriend
from tests.integration.test_media import fetch, link, media_root
from tests.support.media import picture, stored_files, wav_clip
from tests.support.rest import fails
from tests.support.video import clip


async def test_a_video_is_transcoded_sent_and_played_with_range_requests(
    tmp_path: Path, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    source = clip(tmp_path / "in.webm", seconds=2, size=(960, 540), fmt="webm")
    media = await alice.upload(source, "video")
    assert (media["kind"], media["mime"], media["name"]) == ("video", "video/mp4", "in.webm")
    assert (media["width"], media["height"]) == (960, 540)  # within 720p: kept
    assert 1800 <= media["duration_ms"] <= 2200 and media["has_thumbnail"] is True
    assert media["waveform"] is None

    sent = await alice.send_media(cid, media)
    assert sent["kind"] == "video" and sent["text"] is None
    carried = sent["data"]["media"]
    assert (carried["duration_ms"], carried["size"]) == (media["duration_ms"], media["size"])
    seen = (await bob.history(cid))[-1]
    assert seen["kind"] == "video" and seen["data"]["media"]["id"] == media["id"]

    got = await link(bob, media["id"])
    status, body, headers = await fetch(bob, str(got["url"]), {"Range": "bytes=0-1023"})
    assert status == 206 and len(body) == 1024
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Range"] == f"bytes 0-1023/{media['size']}"
    assert headers["Content-Disposition"].startswith("inline")
    status, whole, _ = await fetch(bob, str(got["url"]))
    assert status == 200 and len(whole) == media["size"]
    played = tmp_path / "played.mp4"
    played.write_bytes(whole)
    with av.open(str(played)) as out:
        assert [s.codec_context.name for s in out.streams] == ["h264"]  # WebM had no sound
        assert out.format.name.startswith("mov,mp4")
    status, poster, headers = await fetch(bob, str(got["thumbnail_url"]))
    assert status == 200 and headers["Content-Type"] == "image/webp"
    assert max(Image.open(io.BytesIO(poster)).size) <= 480


async def test_a_video_is_kept_within_720p_and_counts_in_the_quota(
    tmp_path: Path, clients: MakeClient
) -> None:
    alice = await clients("alice")
    media = await alice.upload(clip(tmp_path / "big.mp4", seconds=1, size=(1920, 1080)), "video")
    assert (media["width"], media["height"]) == (1280, 720)
    usage = await alice.media_usage()
    assert usage["used_bytes"] == media["size"]  # the kept MP4, not what was uploaded


async def test_a_video_over_sixty_seconds_is_refused_and_leaves_nothing(
    tmp_path: Path, server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    long = clip(tmp_path / "long.mp4", seconds=62, size=(96, 64), fps=4, sound=False)
    error = await fails(alice.upload(long, "video"), "media.too_long", 413)
    assert error.details["max_seconds"] == 60 and error.details["duration_ms"] > 60_000
    assert stored_files(media_root(server)) == []
    assert (await alice.media_usage())["used_bytes"] == 0


@pytest.mark.parametrize("what", ["picture", "sound", "noise"])
async def test_what_is_not_a_video_is_refused(
    server: Server, clients: MakeClient, what: str
) -> None:
    alice = await clients("alice")
    data = {"picture": picture(), "sound": wav_clip(1.0), "noise": b"\x00\x01" * 2048}[what]
    await fails(alice.upload(data, "video", "clip.mp4"), "media.unsupported", 415)
    assert stored_files(media_root(server)) == []


async def test_video_messages_are_checked_forwarded_and_recalled(
    tmp_path: Path, clients: MakeClient
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await befriend(alice, bob)
    bob_carol = await befriend(bob, carol)
    image = await alice.upload(picture(), "image")
    await fails(alice.send(cid, "video", media_id=image["id"]), "media.kind_mismatch", 400)
    await fails(alice.send(cid, "video"), "invalid_input", 400)
    video = await alice.upload(clip(tmp_path / "a.mp4", seconds=1, size=(320, 240)), "video")
    await fails(alice.send_media(cid, video, kind="file"), "media.kind_mismatch", 400)
    await fails(alice.send(cid, "video", media_id=video["id"], data={"x": 1}), "invalid_input", 400)
    sent = await alice.send_media(cid, video)

    await bob.forward(cid, [sent["seq"]], [bob_carol])
    assert (await carol.history(bob_carol))[-1]["kind"] == "video"
    assert (await fetch(carol, str((await link(carol, video["id"]))["url"])))[0] == 200

    await alice.recall(cid, sent["seq"])
    # Bob's forward and Carol's copy are messages of their own conversation: the recall
    # of the original does not take them away.
    assert (await bob.media_urls([video["id"]]))["denied"] == []
    assert (await carol.media_urls([video["id"]]))["denied"] == []
    other = await alice.upload(clip(tmp_path / "b.mp4", seconds=1, size=(240, 320)), "video")
    recalled = await alice.send_media(cid, other)
    assert (await bob.media_urls([other["id"]]))["denied"] == []
    await alice.recall(cid, recalled["seq"])
    assert (await bob.media_urls([other["id"]]))["denied"] == [other["id"]]


async def test_the_sdk_sends_a_video_in_one_call(tmp_path: Path, clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    message = await alice.send_video(cid, clip(tmp_path / "c.mp4", seconds=1, size=(320, 240)))
    assert message["kind"] == "video" and message["data"]["media"]["mime"] == "video/mp4"


async def test_another_room_passes_its_own_cap(tmp_path: Path) -> None:
    """The pipeline's cap is the caller's: a Moments clip is at most 30 s, so a room may
    ask for less than the operator's limit for video messages (never more)."""
    blobs = LocalBlobs(tmp_path / "media")
    intake = MediaIntake(blobs, MediaLimits(), DecoderPool(DecoderLimits(processes=1)))
    source = clip(tmp_path / "three.mp4", seconds=3, size=(96, 64), fps=4, sound=False)

    async def body() -> AsyncIterator[bytes]:
        yield source.read_bytes()

    try:
        with pytest.raises(MediaTooLong) as caught:
            await intake.ingest(UserId(1), MediaKind.VIDEO, body(), None, max_seconds=1)
        assert caught.value.details["max_seconds"] == 1
        kept = await intake.ingest(UserId(1), MediaKind.VIDEO, body(), None, max_seconds=99)
        assert kept.mime == "video/mp4" and kept.duration_ms is not None
        assert stored_files(tmp_path / "media") != []
    finally:
        await intake.close()
