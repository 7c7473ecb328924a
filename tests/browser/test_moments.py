"""Moments as people see it, in three browsers: A posts; B and C, both A's friends but not
each other's, comment; each sees only what the WeChat rule allows (A everything, B and C
never each other). Then A's notices, the Discover badge, tags and the switches; and a
video post, its poster and its inline player."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, shot
from tests.browser.test_video import PLAYING
from tests.conftest import MakeClient, befriend
from tests.support.media import picture
from tests.support.video import clip


async def comment(page: Page, post_text: str, text: str) -> None:
    post = page.locator("article.moment", has_text=post_text)
    await post.locator(".moment-comment-btn").click()
    await page.locator(".dialog-body textarea").fill(text)
    await page.locator(".dialog-body button[type=submit]").click()
    await expect(post.locator(".moment-comment", has_text=text)).to_be_visible()


async def test_friends_of_a_never_meet_in_the_comments(
    open_app: OpenApp, clients: MakeClient
) -> None:
    a, b, c = await clients("anna"), await clients("bob"), await clients("cai")
    await a.update_profile(display_name="Anna")
    await b.update_profile(display_name="Bob")
    await c.update_profile(display_name="Cai")
    await befriend(a, b)
    await befriend(a, c)
    anna, bob, cai = await open_app(PHONE), await open_app(DESKTOP), await open_app(PHONE, "zh-CN")
    for page, name in ((anna, "anna"), (bob, "bob"), (cai, "cai")):
        await login(page, name)

    # Anna posts from Discover → Moments → camera.
    await anna.goto("/#/discover")
    await anna.locator("a.moments-row").click()
    await anna.locator("a.moment-new").click()
    await anna.locator(".compose-text").fill("Hiking at dawn")
    await anna.locator(".compose-location").fill("Yellow Mountain")
    await anna.locator(".compose-send").click()
    await expect(anna.locator("article.moment", has_text="Hiking at dawn")).to_be_visible()

    for page, words in ((bob, "Beautiful!"), (cai, "在哪里？")):
        await page.goto("/#/moments")
        await comment(page, "Hiking at dawn", words)

    await anna.reload()
    mine = anna.locator("article.moment", has_text="Hiking at dawn")
    await expect(mine.locator(".moment-comment")).to_have_count(2)
    await expect(mine.locator(".moment-location")).to_have_text("Yellow Mountain")
    await bob.reload()
    await expect(bob.locator(".moment-comment")).to_have_text(["Bob: Beautiful!"])
    await cai.reload()
    await expect(cai.locator(".moment-comment")).to_have_text(["Cai: 在哪里？"])
    await shot(cai, "phone-moments-zh")
    await shot(anna, "phone-moments")

    # Anna's notices: the badge on Discover, then the list.
    await anna.goto("/#/discover")
    await expect(anna.locator(".moments-badge")).to_have_text("2")
    await anna.goto("/#/moments/notices")
    await expect(anna.locator(".moment-notice")).to_have_count(2)
    await anna.goto("/#/discover")
    await expect(anna.locator(".moments-badge")).to_have_count(0)

    # A tag in Contacts, a post only for it: Cai does not see it.
    await anna.goto("/#/contacts/tags")
    await anna.locator("button.tag-new").click()
    await anna.locator(".dialog-body input").fill("Hikers")
    await anna.locator(".dialog-body button[type=submit]").click()
    async with anna.expect_response(lambda r: r.request.method == "PATCH"):
        await anna.locator(".tag-members label", has_text="Bob").locator("input").check()
    await anna.goto("/#/contacts/tags")
    await expect(anna.locator(".tag-row")).to_contain_text("Hikers (1)")  # saved
    await anna.goto("/#/moments/new")
    await anna.locator(".compose-text").fill("Only hikers")
    await anna.locator(".compose-audience").select_option("only")
    await anna.locator(".compose-people label", has_text="Hikers").locator("input").check()
    await anna.locator(".compose-send").click()
    await expect(anna.locator("article.moment", has_text="Only hikers")).to_be_visible()
    await bob.reload()
    await expect(bob.locator("article.moment", has_text="Only hikers")).to_be_visible()
    await cai.reload()
    await expect(cai.locator("article.moment")).to_have_count(1)

    # A picture for everyone but Cai: Bob's browser fetches it through a signed link,
    # Cai's never gets the post (nor could it get the picture: the server grants no link).
    await anna.goto("/#/moments/new")
    await anna.locator(".compose-text").fill("Sunset")
    await anna.locator(".compose-file").set_input_files(
        {"name": "sunset.png", "mimeType": "image/png", "buffer": picture((120, 90))}
    )
    await expect(anna.locator(".compose-thumb")).to_have_count(1)
    await anna.locator(".compose-audience").select_option("except")
    await anna.locator(".compose-people label", has_text="Cai").locator("input").check()
    await anna.locator(".compose-send").click()
    await expect(anna.locator("article.moment", has_text="Sunset")).to_be_visible()
    await bob.reload()
    shown = bob.locator("article.moment", has_text="Sunset").locator("img.moment-picture")
    await expect(shown).to_have_attribute("src", re.compile(r"^/m/"))
    assert await shown.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    await cai.reload()
    await expect(cai.locator("article.moment", has_text="Sunset")).to_have_count(0)

    # Bob hides Anna's Moments from his profile page of her.
    await bob.goto(f"/#/user/{a.user['id'] if a.user else 0}")
    switch = bob.locator(".moment-switches input[name=hide_theirs]")
    saved = "/api/v1/moments/switches/"
    async with bob.expect_response(lambda r: saved in r.url and r.request.method == "PUT"):
        await switch.check()
    await bob.reload()
    await expect(switch).to_be_checked()
    await bob.goto("/#/moments")
    await expect(bob.locator(".empty-row")).to_be_visible()
    no_page_errors(anna, bob, cai)


async def test_a_video_post_shows_its_poster_and_plays_inline(
    tmp_path: Path, open_app: OpenApp, clients: MakeClient
) -> None:
    a, b = await clients("anna"), await clients("bob")
    await a.update_profile(display_name="Anna")
    await befriend(a, b)
    anna, bob = await open_app(PHONE), await open_app(PHONE, "zh-CN")
    await login(anna, "anna")
    await login(bob, "bob")

    await anna.goto("/#/moments/new")
    await anna.locator(".compose-text").fill("A short walk")
    walk = clip(tmp_path / "walk.mp4", seconds=2, size=(320, 240))
    await anna.locator(".compose-video-file").set_input_files(str(walk))
    await expect(anna.locator(".compose-video")).to_have_count(1)  # uploaded and transcoded
    await expect(anna.locator(".compose-add")).to_have_count(0)  # a video, or pictures
    await anna.locator(".compose-send").click()
    await expect(anna.locator("article.moment", has_text="A short walk")).to_be_visible()

    await bob.goto("/#/moments")
    shown = bob.locator("article.moment", has_text="A short walk").locator(".moment-video")
    await expect(shown.locator(".video-duration")).to_have_text("0:02")
    await expect(shown.locator("video")).to_have_attribute("poster", re.compile(r"^/m/.*thumbnail"))
    await shown.locator("button.video-play").click()
    await bob.wait_for_function(PLAYING, arg=await shown.element_handle(), timeout=15_000)
    no_page_errors(anna, bob)
