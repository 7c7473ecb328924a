"""Two people sign up in two browsers, become friends and chat: the main path of the app."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    OpenApp,
    bubbles,
    no_page_errors,
    open_chat,
    register,
    send_text,
    shot,
    unlabelled_controls,
)
from tests.conftest import MakeClient


async def test_two_people_register_become_friends_and_chat(open_app: OpenApp) -> None:
    alice = await open_app(PHONE)
    bob = await open_app(DESKTOP)
    await shot(alice, "phone-register")
    await register(alice, "alice", "Alice")
    await register(bob, "bob", "Bob")

    # Alice asks by username; Bob sees the request, with a badge, and accepts it.
    await alice.goto("/#/contacts/new")
    await alice.locator("#add-username").fill("bob")
    await alice.locator("form.inline-form button[type=submit]").first.click()
    await expect(alice.locator(".request-row[data-status=pending]")).to_contain_text("Bob")
    await expect(bob.locator(".tab[data-tab=contacts] .tab-badge")).to_have_text("1")
    await bob.goto("/#/contacts/new")
    await shot(bob, "desktop-friend-requests")
    await bob.get_by_role("button", name="Accept Alice").click()
    await expect(bob.locator(".request-row[data-status=accepted]")).to_be_visible()

    # The direct conversation appears for both; Bob writes first.
    await open_chat(bob, "Alice")
    await send_text(bob, "Hello Alice! 你好")
    mine = bob.locator(".msg-row.mine").last
    await expect(mine).to_have_attribute("data-state", "sent")

    # Alice sees it in her list with an unread badge (the "you are now friends" note that
    # opened the chat is not unread) and the count in the tab title.
    await alice.goto("/#/chats")
    row = alice.locator(".chat-row", has_text="Bob")
    await expect(row.locator(".badge")).to_have_text("1")
    await expect(row.locator(".chat-preview")).to_have_text("Hello Alice! 你好")
    await expect(alice).to_have_title("(1) microletter")
    await shot(alice, "phone-chats")

    await open_chat(alice, "Bob")
    await expect(bubbles(alice)).to_have_text(["Hello Alice! 你好"])
    await expect(alice).to_have_title("microletter")
    # Opening the chat marked it read: Bob's message turns "read".
    await expect(mine).to_have_attribute("data-state", "read")

    await send_text(alice, "Hi Bob 👋 how was the trip?")
    await expect(bubbles(bob)).to_have_text(["Hello Alice! 你好", "Hi Bob 👋 how was the trip?"])
    await send_text(bob, "Great, I'll send pictures later.")
    await expect(bubbles(alice)).to_have_text(
        ["Hello Alice! 你好", "Hi Bob 👋 how was the trip?", "Great, I'll send pictures later."]
    )
    await expect(alice.locator(".msg-row.mine").last).to_have_attribute("data-state", "read")
    # One time separator (the clock: all today, minutes apart), no time under the bubbles.
    await expect(alice.locator(".time-sep")).to_have_text([re.compile(r"^\d{1,2}:\d{2}")])
    await expect(alice.locator(".msg-meta time:not(.sr-only)")).to_have_count(0)
    await shot(alice, "phone-conversation")
    await shot(bob, "desktop-conversation")
    for page, size in ((alice, "phone"), (bob, "desktop")):
        await page.emulate_media(color_scheme="dark")
        await shot(page, f"{size}-conversation-dark")
        await page.emulate_media(color_scheme="light")

    # Every control on screen has a name a screen reader can read, and the keyboard reaches
    # the composer and sends with Enter.
    for page in (alice, bob):
        assert await unlabelled_controls(page) == []
    await bob.locator(".composer-input").focus()
    await bob.keyboard.type("typed, not clicked")
    await bob.keyboard.press("Enter")
    await expect(bubbles(alice).last).to_have_text("typed, not clicked")

    # The other main screens, for the record.
    for page, size in ((alice, "phone"), (bob, "desktop")):
        await page.goto("/#/contacts")
        await shot(page, f"{size}-contacts")
        await expect(page.locator(".contact-group .row")).to_have_count(1)
        await shot(page, f"{size}-contacts")
        await page.goto("/#/me/qr")
        await expect(page.locator(".qr-img")).to_have_js_property("complete", True)
        assert await page.locator(".qr-img").evaluate("img => img.naturalWidth") > 0
        await shot(page, f"{size}-my-qr-code")
        await page.goto("/#/me")
        await shot(page, f"{size}-me")
        assert await unlabelled_controls(page) == []
        await page.goto("/#/discover")
        await shot(page, f"{size}-discover")
    no_page_errors(alice, bob)


async def test_language_follows_the_browser_and_can_be_switched(open_app: OpenApp) -> None:
    page = await open_app(PHONE, locale="zh-CN")
    await expect(page.locator("form.auth-form button[type=submit]")).to_have_text("登录")
    await register(page, "lin", "林")
    await expect(page.locator(".tab[data-tab=contacts]")).to_contain_text("通讯录")
    await shot(page, "phone-chats-zh")
    await page.goto("/#/me/language")
    await page.get_by_label("English").check()
    await expect(page.locator(".tab[data-tab=contacts]")).to_contain_text("Contacts")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    # The choice outlives a reload.
    await page.reload()
    await expect(page.locator(".tab[data-tab=me]")).to_contain_text("Me")
    no_page_errors(page)


async def test_a_pasted_qr_code_opens_the_profile_to_add_that_person(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice = await clients("alice")
    carol = await open_app(PHONE)
    await register(carol, "carol", "Carol")
    # What alice's QR code encodes (her "my QR code" page shows the same text to copy).
    await carol.goto("/#/contacts/new")
    await carol.locator("#paste-code").fill("microletter:user:alice")
    await carol.get_by_role("button", name="Open").click()
    await expect(carol.locator(".profile-name")).to_have_text("alice")
    await carol.get_by_role("button", name="Add to contacts").click()
    await carol.get_by_role("dialog").get_by_role("button", name="Add", exact=True).click()
    await expect(carol.locator(".toast")).to_contain_text("Friend request sent")
    pending = [r for r in await alice.requests() if r["status"] == "pending"]
    assert [r["from_user"]["username"] for r in pending] == ["carol"]
    no_page_errors(carol)
