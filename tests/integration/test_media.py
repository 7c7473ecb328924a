"""Media over real HTTP: uploads checked by decoding (images cleaned of EXIF and turned
upright, voice measured), media messages, signed links with Range support, access that
ends with a recall, and limits that leave nothing half-written behind."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import av
import pytest
from PIL import ExifTags, Image

from microletter.app import Server
from microletter.client import Client
from microletter.core.ids import UserId
from microletter.core.media import MediaId, Variant, signed_path
from microletter.core.models import Instant
from tests.conftest import MakeClient, befriend
from tests.support.media import (
    BLUE,
    RED,
    amr_clip,
    opus_clip,
    photo_with_gps,
    picture,
    stored_files,
    wav_clip,
)
from tests.support.rest import fails, raw, uid


def media_root(server: Server) -> Path:
    return server.settings.data_dir / "media"


async def fetch(
    client: Client, url: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    async with client.session.get(client.base_url + url, headers=headers or {}) as response:
        return response.status, await response.read(), dict(response.headers)


async def link(client: Client, media_id: str) -> dict[str, object]:
    reply = await client.media_urls([media_id])
    assert reply["denied"] == [], reply
    entry: dict[str, object] = reply["urls"][media_id]
    return entry


# --- images ---


async def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(clients: MakeClient) -> None:
    alice = await clients("alice")
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it has GPS
    media = await alice.upload(original, "image", "IMG_0001.jpg")
    assert (media["kind"], media["mime"], media["name"]) == ("image", "image/jpeg", "IMG_0001.jpg")
    assert (media["width"], media["height"]) == (200, 400)  # turned: it was 400 x 200
    assert media["has_thumbnail"] is True
    assert media["duration_ms"] is None and media["waveform"] is None
    status, body, headers = await fetch(alice, str((await link(alice, media["id"]))["url"]))
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert len(body) == media["size"]
    served = Image.open(io.BytesIO(body))
    assert served.size == (200, 400)
    assert len(served.getexif()) == 0 and "exif" not in served.info
    assert b"PhoneCam" not in body
    # Orientation 6 means the left (red) side belongs on top.
    assert _near(served.getpixel((100, 20)), RED) and _near(served.getpixel((100, 380)), BLUE)


async def test_a_large_image_gets_a_webp_thumbnail_and_a_small_one_none(
    clients: MakeClient,
) -> None:
    alice = await clients("alice")
    big = await alice.upload(picture((1000, 500), "PNG"), "image", "wide.png")
    small = await alice.upload(picture((100, 80), "PNG"), "image", "icon.png")
    assert (big["has_thumbnail"], small["has_thumbnail"]) == (True, False)
    urls = (await alice.media_urls([big["id"], small["id"]]))["urls"]
    assert urls[small["id"]]["thumbnail_url"] is None
    status, body, headers = await fetch(alice, urls[big["id"]]["thumbnail_url"])
    assert status == 200 and headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(body)).size == (320, 160)


async def test_an_animated_gif_keeps_its_frames(clients: MakeClient) -> None:
    alice = await clients("alice")
    frames = [Image.new("RGB", (400, 100), c) for c in (RED, BLUE, (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(buf.getvalue())), "n_frames", 1) == 3
    media = await alice.upload(buf.getvalue(), "image", "dance.gif")
    assert (media["mime"], media["width"], media["height"]) == ("image/gif", 400, 100)
    assert media["has_thumbnail"] is True
    status, body, _ = await fetch(alice, str((await link(alice, media["id"]))["url"]))
    assert status == 200 and getattr(Image.open(io.BytesIO(body)), "n_frames", 1) == 3


async def test_the_same_image_uploaded_twice_is_stored_once(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    first = await alice.upload(picture(), "image", "a.png")
    second = await bob.upload(picture(), "image", "b.png")
    assert first["id"] == second["id"] and (first["name"], second["name"]) == ("a.png", "b.png")
    blobs = [p for p in stored_files(media_root(server)) if "staging" not in p.parts]
    assert [p.name for p in blobs] == [first["id"]]
    assert (
        blobs[0].parent.parent.name == first["id"][:2] and blobs[0].parent.name == first["id"][2:4]
    )


async def test_a_text_file_named_png_is_not_an_image(server: Server, clients: MakeClient) -> None:
    alice = await clients("alice")
    error = await fails(
        alice.upload(b"hello, I am text\n" * 10, "image", "cat.png"), "media.unsupported", 415
    )
    assert error.message
    assert stored_files(media_root(server)) == []


# --- voice ---


@pytest.mark.parametrize("container", ["webm", "ogg"])
async def test_a_one_second_opus_clip_gets_its_duration_and_waveform(
    clients: MakeClient, container: str
) -> None:
    alice = await clients("alice")
    media = await alice.upload(opus_clip(1.0, container), "voice", f"note.{container}")
    assert media["kind"] == "voice" and media["mime"] == f"audio/{container}"
    assert 950 <= media["duration_ms"] <= 1050
    wave = media["waveform"]
    assert len(wave) == 64 and all(isinstance(v, int) and 0 <= v <= 255 for v in wave)
    assert min(wave) > 200  # a steady tone: every bar is tall
    assert media["width"] is None and media["has_thumbnail"] is False


async def test_the_waveform_follows_the_loudness(clients: MakeClient) -> None:
    alice = await clients("alice")
    media = await alice.upload(wav_clip(2.0, loud_second_half=True), "voice", "half.wav")
    wave = media["waveform"]
    assert media["mime"] == "audio/wav" and media["duration_ms"] == 2000
    assert max(wave[:31]) == 0 and min(wave[33:]) > 200


async def test_a_recording_over_sixty_seconds_is_refused(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    error = await fails(alice.upload(wav_clip(62.0), "voice", "long.wav"), "media.too_long", 413)
    assert error.details["max_seconds"] == 60
    assert stored_files(media_root(server)) == []


async def test_a_recording_browsers_cannot_play_is_kept_as_aac_they_can(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    amr = amr_clip(2.0)  # AMR-NB, the voice of phones and of the WeChat protocol
    media = await alice.upload(amr, "voice", "note.amr")
    assert media["mime"] == "audio/mp4" and 1950 <= media["duration_ms"] <= 2100
    assert min(media["waveform"][:60]) > 150
    status, body, headers = await fetch(alice, str((await link(alice, media["id"]))["url"]))
    assert status == 200 and headers["Content-Type"] == "audio/mp4"
    assert hashlib.sha256(body).hexdigest() == media["id"] != hashlib.sha256(amr).hexdigest()
    with av.open(io.BytesIO(body), "r") as copy:
        stream = copy.streams.audio[0]
        assert stream.codec_context.name == "aac" and stream.rate == 16000
        assert 1.9 <= float(copy.duration or 0) / av.time_base <= 2.2
    assert len(stored_files(media_root(server))) == 1  # the copy only: no AMR, no staging


async def test_a_picture_is_not_a_voice_message(clients: MakeClient) -> None:
    alice = await clients("alice")
    await fails(alice.upload(picture(), "voice", "x.webm"), "media.unsupported", 415)


# --- files and how blobs are served ---


async def test_range_requests_get_exactly_the_bytes_asked_for(clients: MakeClient) -> None:
    alice = await clients("alice")
    data = bytes(range(256)) * 40
    media = await alice.upload(data, "file", "data.bin")
    url = str((await link(alice, media["id"]))["url"])
    status, body, headers = await fetch(alice, url, {"Range": "bytes=100-199"})
    assert status == 206 and body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    status, body, _ = await fetch(alice, url, {"Range": "bytes=-10"})
    assert status == 206 and body == data[-10:]
    status, _, headers = await fetch(alice, url, {"Range": f"bytes={len(data) + 5}-"})
    assert status == 416
    status, body, _ = await fetch(alice, url)
    assert status == 200 and body == data


async def test_files_download_with_their_name_and_never_as_html(clients: MakeClient) -> None:
    alice = await clients("alice")
    page = b"<!doctype html><html><script>alert(1)</script></html>"
    media = await alice.upload(page, "file", "résumé.html")
    assert media["mime"] == "application/octet-stream"
    status, body, headers = await fetch(alice, str((await link(alice, media["id"]))["url"]))
    assert status == 200 and body == page
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9.html" in headers["Content-Disposition"]
    assert headers["Cache-Control"].startswith("private, max-age=")
    assert 1700 <= int(headers["Cache-Control"].rsplit("=", 1)[1]) <= 3600


async def test_a_file_type_is_sniffed_from_its_bytes_not_its_name(clients: MakeClient) -> None:
    alice = await clients("alice")
    media = await alice.upload(picture(fmt="PNG"), "file", "report.pdf")
    assert (media["kind"], media["mime"], media["name"]) == ("file", "image/png", "report.pdf")
    assert media["width"] is None  # files are stored as they came, not measured


async def test_a_name_is_cleaned_of_folders_and_defaults_to_the_kind(clients: MakeClient) -> None:
    alice = await clients("alice")
    assert (await alice.upload(b"x", "file", "../../etc/passwd"))["name"] == "passwd"
    assert (await alice.upload(b"y", "file"))["name"] == "file"


async def test_an_upload_needs_a_token_a_kind_and_some_bytes(clients: MakeClient) -> None:
    alice, anon = await clients("alice"), await clients()
    await fails(anon.upload(b"x", "file"), "auth.required", 401)
    await fails(alice.upload(b"x", "movie"), "invalid_input", 400)
    await fails(alice.upload(b"", "file"), "invalid_input", 400)


# --- signed links ---


async def test_a_tampered_link_is_refused(clients: MakeClient) -> None:
    alice = await clients("alice")
    media = await alice.upload(b"secret plans", "file", "plans.txt")
    url = str((await link(alice, media["id"]))["url"])
    path, query = url.split("?")
    q = {k: v[0] for k, v in parse_qs(query).items()}
    assert path == f"/m/{media['id']}" and set(q) == {"u", "e", "s"}
    changed = [
        {**q, "s": ("A" if q["s"][0] != "A" else "B") + q["s"][1:]},
        {**q, "e": str(int(q["e"]) + 3_600_000)},
        {**q, "u": str(int(q["u"]) + 1)},
    ]
    for bad in changed:
        status, body, _ = await fetch(alice, f"{path}?u={bad['u']}&e={bad['e']}&s={bad['s']}")
        assert status == 403 and b"media.bad_signature" in body
    status, body, _ = await fetch(alice, f"{path}/thumbnail?{query}")
    assert status == 403 and b"media.bad_signature" in body  # a link is for one variant
    status, _, _ = await fetch(alice, f"{path}?u={q['u']}&e={q['e']}")
    assert status == 400


async def test_an_expired_link_is_refused(server: Server, clients: MakeClient) -> None:
    alice = await clients("alice")
    media = await alice.upload(b"old news", "file", "news.txt")
    # A link signed with the server's own key (made on first start, kept in the data folder).
    secret = (server.settings.data_dir / "media.secret").read_bytes().strip()
    assert len(secret) == 64
    past = Instant(int(time.time() * 1000) - 1000)
    url = signed_path(secret, MediaId(media["id"]), Variant.ORIGINAL, UserId(uid(alice)), past)
    status, body, _ = await fetch(alice, url)
    assert status == 403 and b"media.expired" in body
    future = Instant(past + 60_000)
    url = signed_path(secret, MediaId(media["id"]), Variant.ORIGINAL, UserId(uid(alice)), future)
    assert (await fetch(alice, url))[0] == 200


async def test_links_are_the_same_url_when_asked_again_soon(clients: MakeClient) -> None:
    alice = await clients("alice")
    media = await alice.upload(b"cache me", "file")
    first, again = await link(alice, media["id"]), await link(alice, media["id"])
    assert first == again
    assert 1_800_000 <= int(str(first["expires_at"])) - int(time.time() * 1000) <= 3_600_000


# --- media messages and access ---


async def test_an_image_message_reaches_the_other_member_over_the_websocket(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    live = bob.realtime()
    await live.start()
    try:
        media = await alice.upload(photo_with_gps(), "image", "beach.jpg")
        sent = await alice.send_media(cid, media, caption="look!")
        assert (sent["kind"], sent["text"], sent["data"]) == ("image", "look!", {"media": media})
        event = await live.next_event()
        while event["kind"] != "message" or event["data"]["message"]["kind"] != "image":
            event = await live.next_event()
        assert event["data"]["message"] == sent
        assert event["data"]["message"]["data"]["media"]["width"] == 200
    finally:
        await live.close()
    assert (await bob.history(cid))[-1] == sent


async def test_a_voice_message_over_the_websocket_has_no_text_and_is_sent_once(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    media = await alice.upload(opus_clip(1.0), "voice", "voice.webm")
    live = alice.realtime()
    await live.start()
    try:
        first = await live.send_media(cid, media, caption="ignored", client_msg_id="v-1")
        again = await live.send_media(cid, media, client_msg_id="v-1")
    finally:
        await live.close()
    assert first == again and first["kind"] == "voice" and first["text"] is None
    assert first["data"]["media"]["waveform"] == media["waveform"]
    assert [m["client_msg_id"] for m in await bob.history(cid)].count("v-1") == 1


async def test_a_member_may_fetch_what_a_message_carries_and_others_may_not(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await befriend(alice, bob)
    media = await alice.upload(picture((500, 400)), "image", "us.png")
    assert (await bob.media_urls([media["id"]]))["denied"] == [media["id"]]  # not sent yet
    await alice.send_media(cid, media)
    bob_link = await link(bob, media["id"])
    status, body, _ = await fetch(bob, str(bob_link["url"]))
    assert status == 200 and Image.open(io.BytesIO(body)).size == (500, 400)
    assert (await fetch(bob, str(bob_link["thumbnail_url"])))[0] == 200
    carol_view = await carol.media_urls([media["id"], "0" * 64, "not-an-id"])
    assert carol_view == {"urls": {}, "denied": [media["id"], "0" * 64, "not-an-id"]}
    await fails(carol.send_media(cid, media), "conversation.not_member", 403)


async def test_after_a_recall_the_link_is_refused(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    media = await alice.upload(b"oops, wrong file", "file", "salaries.csv")
    sent = await alice.send_media(cid, media, caption="here")
    url = str((await link(bob, media["id"]))["url"])
    assert (await fetch(bob, url))[0] == 200
    recalled = await alice.recall(cid, sent["seq"])
    assert recalled["data"] is None and recalled["text"] is None
    status, body, _ = await fetch(bob, url)
    assert status == 404 and b"media.not_found" in body
    assert (await bob.media_urls([media["id"]]))["denied"] == [media["id"]]
    await fails(bob.send_media(cid, media["id"], kind="file"), "media.not_found", 404)
    assert (await link(alice, media["id"]))["url"]  # the uploader keeps their own upload


async def test_a_member_can_forward_media_they_can_see(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    direct = await befriend(alice, bob)
    to_carol = await befriend(bob, carol)
    media = await alice.upload(opus_clip(1.0), "voice", "hi.webm")
    await alice.send_media(direct, media)
    forwarded = await bob.send_media(to_carol, media["id"], kind="voice")
    assert forwarded["data"]["media"]["id"] == media["id"]
    assert (await link(carol, media["id"]))["url"]


async def test_media_messages_are_checked(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    media = await alice.upload(b"plain bytes", "file", "a.bin")
    await fails(alice.send_media(cid, media["id"], kind="image"), "media.kind_mismatch", 400)
    await fails(alice.send_media(cid, "f" * 64, kind="file"), "media.not_found", 404)
    path = f"/api/v1/conversations/{cid}/messages"
    status, body = await raw(alice, "POST", path, json={"client_msg_id": "x1", "kind": "image"})
    assert status == 400 and body["error"]["details"]["field"] == "media_id"
    text_with_media = {"client_msg_id": "x2", "text": "hi", "media_id": media["id"]}
    status, body = await raw(alice, "POST", path, json=text_with_media)
    assert status == 400 and body["error"]["details"]["field"] == "media_id"
    status, body = await raw(alice, "POST", path, json={"client_msg_id": "x3"})
    assert status == 400 and body["error"]["details"]["field"] == "text"


# --- limits ---


@pytest.mark.settings(max_image_bytes=5000, max_upload_bytes=20000)
async def test_uploads_over_their_size_limit_are_refused_and_leave_nothing(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    big_photo = photo_with_gps(size=(800, 600))
    assert len(big_photo) > 5000
    error = await fails(alice.upload(big_photo, "image", "big.jpg"), "invalid_input.too_large", 413)
    assert error.details["max_bytes"] == 5000
    await fails(alice.upload(bytes(20001), "file", "big.bin"), "invalid_input.too_large", 413)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused while streaming
        for _ in range(10):
            yield bytes(4096)

    await fails(alice.upload(chunks(), "file", "stream.bin"), "invalid_input.too_large", 413)
    assert stored_files(media_root(server)) == []
    assert (await alice.upload(bytes(20000), "file", "fits.bin"))["size"] == 20000


@pytest.mark.settings(max_image_pixels=5000)
async def test_an_image_with_too_many_pixels_is_refused_before_decoding(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    error = await fails(alice.upload(picture((100, 100)), "image"), "invalid_input.too_large", 413)
    # Pillow's own guard refuses it on open, at our limit: before anything is decoded.
    assert error.details == {"max_pixels": 5000, "pixels": 100 * 100}
    assert stored_files(media_root(server)) == []
    assert (await alice.upload(picture((50, 100)), "image"))["width"] == 50


@pytest.mark.settings(rate_upload="2/minute")
async def test_uploads_are_rate_limited_per_user(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await alice.upload(b"1", "file")
    await alice.upload(b"2", "file")
    error = await fails(alice.upload(b"3", "file"), "rate_limited", 429)
    assert error.details["scope"] == "upload" and error.details["retry_after_seconds"] > 0
    await bob.upload(b"4", "file")  # per user
    assert await alice.media_urls([]) == {"urls": {}, "denied": []}  # other routes still work


async def test_a_client_that_hangs_up_mid_upload_leaves_nothing(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        (
            "POST /api/v1/media?kind=file&name=half.bin HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {alice.token}\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
        ).encode()
        + bytes(300_000)
    )
    await writer.drain()
    staging = media_root(server) / "staging"
    async with asyncio.timeout(5):  # the upload is under way: its staging file exists
        while not any(staging.iterdir()):
            await asyncio.sleep(0.01)
    writer.close()
    await writer.wait_closed()
    async with asyncio.timeout(5):
        while stored_files(media_root(server)):
            await asyncio.sleep(0.01)
    assert await alice.media_urls([]) == {"urls": {}, "denied": []}  # the server is fine


async def test_the_sdk_uploads_a_file_from_disk_and_bob_downloads_it(
    tmp_path: Path, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    source = tmp_path / "notes.txt"
    source.write_bytes(b"line\n" * 100_000)
    media = await alice.upload(source, "file")
    assert (media["name"], media["size"]) == ("notes.txt", 500_000)
    message = await alice.send_media(cid, media)
    [seen] = [m for m in await bob.history(cid) if m["seq"] == message["seq"]]
    url = (await bob.media_urls([seen["data"]["media"]["id"]]))["urls"][media["id"]]["url"]
    assert urlsplit(url).path == f"/m/{media['id']}"
    assert await bob.download(url) == source.read_bytes()


def _near(pixel: object, color: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) < 24 for a, b in zip(pixel, color, strict=False))


def test_processes_starting_together_agree_on_one_link_key(tmp_path: Path) -> None:
    """The key file is made once and never seen half-written, even when many starts race."""
    import subprocess
    import sys

    probe = (
        "import sys; from pathlib import Path; from microletter.media import load_secret;"
        f" print(load_secret(Path({str(tmp_path)!r}), '').decode())"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["media.secret"]  # no staging file left
