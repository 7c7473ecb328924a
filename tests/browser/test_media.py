"""Voice notes recorded with Chromium's fake microphone, and pictures that lose their EXIF
location on the way: both arrive and show on the other side."""

from __future__ import annotations

import io
import re

import aiohttp
from PIL import Image
from playwright.async_api import expect

from microletter.app import Server
from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import MakeClient, befriend

GPS_IFD = 0x8825


async def friends(clients: MakeClient) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    await befriend(alice, bob)


async def test_voice_message_recorded_with_fake_microphone_arrives_and_plays(
    open_app: OpenApp, clients: MakeClient
) -> None:
    await friends(clients)
    alice = await open_app(PHONE)
    bob = await open_app(DESKTOP)
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    await open_chat(bob, "alice")

    # Switch to voice; hold the button (pointer events).
    await alice.get_by_role("button", name="Switch to voice").click()
    hold = alice.locator(".hold-to-talk")
    await expect(hold).to_have_text("Hold to talk")
    box = await hold.bounding_box()
    assert box is not None
    overlay = alice.locator(".voice-overlay")
    # A recording slid up before release is cancelled: it is never sent (the outbox is
    # first in, first out, so it would arrive before the next one).
    await alice.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await alice.mouse.down()
    await expect(overlay).to_be_visible()
    await alice.wait_for_function(
        "() => Number(document.querySelector('.voice-overlay').dataset.ms) >= 1200"
    )
    await alice.mouse.move(box["x"] + box["width"] / 2, box["y"] - 150, steps=5)
    await expect(overlay).to_contain_text("Release to cancel")
    await alice.mouse.up()
    await expect(overlay).to_be_hidden()

    # Now hold for at least 1.5 s and release: it is sent.
    await alice.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await alice.mouse.down()
    await expect(overlay).to_be_visible()
    await expect(overlay).to_contain_text("Slide up to cancel")
    await alice.wait_for_function(
        "() => Number(document.querySelector('.voice-overlay').dataset.ms) >= 1500"
    )
    await shot(alice, "phone-recording-voice")
    await alice.mouse.up()
    await expect(overlay).to_be_hidden()

    mine = alice.locator(".msg-row.mine[data-kind=voice]")
    await expect(mine).to_have_attribute("data-state", re.compile("sent|read"))
    # Bob gets it with the server's duration and waveform, and an unplayed dot.
    theirs = bob.locator(".msg-row.theirs[data-kind=voice]")
    await expect(theirs).to_have_count(1)
    await expect(mine).to_have_count(1)
    voice = theirs.locator(".bubble-voice")
    duration = int(await voice.get_attribute("data-duration") or 0)
    assert 1400 <= duration <= 5000, duration
    await expect(theirs.locator(".wave .bar")).not_to_have_count(0)
    await expect(theirs.locator(".unplayed-dot")).to_be_visible()
    await shot(bob, "desktop-voice-message")

    # Playing shows progress and clears the dot; it plays to the end.
    await voice.click()
    await expect(theirs.locator(".unplayed-dot")).to_have_count(0)
    await expect(voice).to_have_attribute("data-played", "ended", timeout=15_000)
    assert int(await voice.get_attribute("data-position") or 0) > 500
    # The chat list previews it as a voice message.
    await bob.goto("/#/chats")
    await expect(bob.locator(".chat-row .chat-preview")).to_contain_text("[Voice] 0:0")
    no_page_errors(alice, bob)


def photo_with_location() -> bytes:
    """A 1200×800 JPEG whose EXIF says where it was taken (and that it is rotated)."""
    image = Image.new("RGB", (1200, 800))
    for x in range(0, 1200, 40):
        for y in range(0, 800, 40):
            image.paste(((x * 7) % 256, (y * 5) % 256, 140), (x, y, x + 40, y + 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show upright
    exif[0x010F] = "Camera Maker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=85)
    data = out.getvalue()
    assert GPS_IFD in Image.open(io.BytesIO(data)).getexif()
    return data


async def test_picture_arrives_with_thumbnail_and_without_exif_location(
    open_app: OpenApp, clients: MakeClient, server: Server
) -> None:
    await friends(clients)
    alice = await open_app(PHONE)
    bob = await open_app(PHONE)
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    await open_chat(bob, "alice")

    await alice.locator(".composer input[type=file][accept='image/*']").set_input_files(
        {"name": "paris.jpg", "mimeType": "image/jpeg", "buffer": photo_with_location()}
    )
    await expect(alice.locator(".msg-row.mine[data-kind=image]")).to_have_attribute(
        "data-state", re.compile("sent|read")
    )
    img = bob.locator(".msg-row.theirs[data-kind=image] img")
    await expect(img).to_have_count(1)
    await bob.wait_for_function(
        "() => document.querySelector('.msg-row.theirs[data-kind=image] img')?.naturalWidth > 0"
    )
    src = await img.get_attribute("src")
    assert src is not None and "/thumbnail" in src, src
    # The bubble is portrait: the server turned the picture upright (800×1200).
    shown = await img.bounding_box()
    assert shown is not None and shown["height"] > shown["width"], shown
    await shot(bob, "phone-picture-message")

    # The full picture, as the viewer loads it: upright, and no EXIF left (no GPS).
    await img.click()
    viewer = bob.locator(".viewer-img")
    await bob.wait_for_function("() => document.querySelector('.viewer-img')?.naturalWidth > 0")
    await shot(bob, "phone-picture-viewer")
    full = await viewer.get_attribute("src")
    assert full is not None and "/thumbnail" not in full
    async with aiohttp.ClientSession() as http, http.get(server.url + full) as response:
        assert response.status == 200
        body = await response.read()
    picture = Image.open(io.BytesIO(body))
    assert picture.size == (800, 1200)
    exif = picture.getexif()
    assert GPS_IFD not in exif and 0x010F not in exif, dict(exif)
    await bob.keyboard.press("Escape")
    await expect(bob.locator(".viewer")).to_have_count(0)
    no_page_errors(alice, bob)


async def test_file_is_sent_with_name_and_size_and_downloads(
    open_app: OpenApp, clients: MakeClient
) -> None:
    await friends(clients)
    alice = await open_app(DESKTOP)
    bob = await open_app(DESKTOP)
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    await open_chat(bob, "alice")
    payload = b"quarterly numbers\n" * 2000
    await alice.locator(".composer input[type=file]:not([accept])").set_input_files(
        {"name": "report.txt", "mimeType": "text/plain", "buffer": payload}
    )
    bubble = bob.locator(".msg-row.theirs[data-kind=file] .bubble-file")
    await expect(bubble.locator(".file-name")).to_have_text("report.txt")
    await expect(bubble.locator(".file-size")).to_have_text("36 KB")
    async with bob.expect_download() as info:
        await bubble.click()
    download = await info.value
    assert download.suggested_filename == "report.txt"
    path = await download.path()
    assert path is not None and path.read_bytes() == payload
    no_page_errors(alice, bob)
