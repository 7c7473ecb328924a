"""Video messages in the browser (issue 13): recorded with MediaRecorder from the (fake)
camera, or picked from the files; the server transcodes them; the receiver's bubble shows
the poster and the duration, and the video plays inline."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.browser.test_composer import open_plus
from tests.conftest import MakeClient, befriend
from tests.support.video import clip

PLAYING = """(row) => {
  const video = row.querySelector("video");
  return !!video && video.readyState >= 2 && video.currentTime > 0;
}"""


async def play(page: Page, nth: int) -> None:
    """Tap the play button of the receiver's nth video, and wait until it really plays."""
    row = page.locator(".msg-row.theirs[data-kind=video]").nth(nth)
    await expect(row.locator(".video-duration")).to_be_visible()
    await row.get_by_role("button", name="Play video").click()
    await page.wait_for_function(PLAYING, arg=await row.element_handle(), timeout=15_000)


async def test_a_video_sent_and_played(
    tmp_path: Path, open_app: OpenApp, clients: MakeClient
) -> None:
    bob_sdk = await clients("bob")
    cid = await befriend(await clients("alice"), bob_sdk)
    alice = await open_app(PHONE)
    bob = await open_app(PHONE)
    await alice.context.grant_permissions(["camera", "microphone"])
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    await open_chat(bob, "alice")

    # Recorded in the browser: Record, about two seconds, Stop and send.
    await open_plus(alice, "Video")
    recorder = alice.get_by_role("dialog", name="Video")
    await alice.wait_for_function("() => document.querySelector('.camera-preview')?.videoWidth > 0")
    await recorder.get_by_role("button", name="Record").click()
    await expect(recorder.get_by_role("timer")).to_have_text("0:03", timeout=8000)
    await recorder.get_by_role("button", name="Stop and send").click()
    received = bob.locator(".msg-row.theirs[data-kind=video]")
    await expect(received).to_have_count(1, timeout=30_000)
    first = received.first
    await expect(first.locator(".video-duration")).to_have_text(re.compile(r"0:0[234]"))
    await bob.wait_for_function(
        "() => document.querySelector('.msg-row.theirs[data-kind=video] video')?.poster"
    )
    await shot(bob, "phone-video-poster")
    await play(bob, 0)
    await shot(bob, "phone-video-playing")

    # Picked from the files: an MP4 made here, 3 s, portrait.
    await open_plus(alice, "Video")
    dialog = alice.get_by_role("dialog", name="Video")
    async with alice.expect_file_chooser() as chooser:
        await dialog.get_by_role("button", name="Choose a video").click()
    picked = clip(tmp_path / "walk.mp4", seconds=3, size=(360, 640), fps=15)
    await (await chooser.value).set_files(str(picked))
    await expect(received).to_have_count(2, timeout=30_000)
    await expect(received.nth(1).locator(".video-duration")).to_have_text("0:03")
    await play(bob, 1)

    # A clip over 60 s is refused before it is sent.
    long = clip(tmp_path / "long.mp4", seconds=62, size=(96, 64), fps=2, sound=False)
    await alice.locator(".composer input[accept='video/*']").set_input_files(str(long))
    await expect(alice.get_by_text("A video can be at most 60 seconds long.")).to_be_visible()

    history = await bob_sdk.history(cid)
    videos = [m for m in history if m["kind"] == "video"]
    assert [m["data"]["media"]["mime"] for m in videos] == ["video/mp4", "video/mp4"]
    assert 2000 <= videos[0]["data"]["media"]["duration_ms"] <= 5000
    no_page_errors(alice, bob)
