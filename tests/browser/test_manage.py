"""Managing chats, contacts and settings in the browser (issue 14): pin, mark unread and
delete a chat seen on a second device; the A–Z index with Chinese and English names;
changing the password logs the other device out; privacy settings take effect; a group's
drawn avatar; a picture seen online shows in a chat opened offline."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Page, Response, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    OpenApp,
    login,
    no_page_errors,
    open_chat,
    shot,
)
from tests.conftest import MakeClient, befriend
from tests.support.media import picture
from tests.support.rest import fails, uid


def row(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(".chat-list li", has=page.locator(".chat-name", has_text=name))


async def chat_action(page: Page, name: str, action: str) -> None:
    """Right-click a chat in the list and pick an action of its menu."""
    await row(page, name).locator(".chat-row").click(button="right")
    await page.get_by_role("dialog").get_by_role("button", name=action).click()


async def names_in_list(page: Page) -> list[str]:
    names: list[str] = await page.locator(".chat-list .chat-name").all_text_contents()
    return names


async def test_pin_mark_unread_and_delete_a_chat_show_on_my_other_device(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    with_bob = await befriend(alice_sdk, bob_sdk)
    with_carol = await befriend(alice_sdk, carol_sdk)
    await bob_sdk.send_text(with_bob, "older")
    await carol_sdk.send_text(with_carol, "newer")
    phone, laptop = await open_app(PHONE), await open_app(DESKTOP)
    await login(phone, "alice")
    await login(laptop, "alice")
    await laptop.goto("/#/chats")
    await expect(laptop.locator(".chat-list .chat-name")).to_have_text(["carol", "bob"])

    await chat_action(phone, "bob", "Pin to top")
    await expect(laptop.locator(".chat-list .chat-name")).to_have_text(["bob", "carol"])
    await expect(row(laptop, "bob")).to_have_class("pinned")

    await open_chat(phone, "carol")  # read it first
    await phone.goto("/#/chats")
    # The menu offers "Mark as read" while the list still counts it unread: wait for the read.
    await expect(row(phone, "carol").locator(".badge")).to_have_count(0)
    await chat_action(phone, "carol", "Mark as unread")
    await expect(row(laptop, "carol").locator(".marked-unread")).to_be_visible()
    await shot(laptop, "desktop-chat-list-pinned-unread")
    # Opening it clears the mark, everywhere.
    await open_chat(laptop, "carol")
    await expect(row(phone, "carol").locator(".marked-unread")).to_have_count(0)

    await chat_action(phone, "carol", "Delete chat")
    await phone.get_by_role("dialog").get_by_role("button", name="Delete, keep the history").click()
    await laptop.goto("/#/chats")
    await expect(laptop.locator(".chat-list .chat-name")).to_have_text(["bob"])
    await carol_sdk.send_text(with_carol, "still there?")
    await expect(laptop.locator(".chat-list .chat-name")).to_have_text(["bob", "carol"])
    await open_chat(laptop, "carol")
    await expect(laptop.locator(".bubble-text")).to_have_text(["newer", "still there?"])

    # Clear history from the chat's info page: gone on both devices.
    await laptop.locator(".conversation").get_by_role("button", name="Chat info").click()
    await laptop.get_by_role("button", name="Clear chat history").click()
    await laptop.get_by_role("dialog").get_by_role("button", name="Clear chat history").click()
    await open_chat(phone, "carol")
    await expect(phone.locator(".bubble-text")).to_have_count(0)
    assert await carol_sdk.history(with_carol) != []  # hers stays
    no_page_errors(phone, laptop)


async def test_contacts_are_indexed_a_to_z_with_chinese_names_by_pinyin(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk = await clients("alice")
    people = {"zoe": "Zoe", "zhangwei": "张伟", "ann": "ann", "aming": "阿明", "bai": "白雪"}
    for username, display in people.items():
        friend = await clients(username)
        await friend.update_profile(display_name=display)
        await befriend(alice_sdk, friend)
    group = await alice_sdk.create_group("Hikers", [(await alice_sdk.contacts())[0]["user"]["id"]])
    await alice_sdk.set_chat(group["conversation"]["id"], saved=True)
    alice = await open_app(PHONE, locale="zh-CN")
    await login(alice, "alice")
    await alice.goto("/#/contacts")
    letters = alice.locator(".contact-group .group-letter")
    await expect(letters).to_have_text(["A", "B", "Z"])
    await expect(alice.locator(".contact-group[data-letter=A] .row-text")).to_have_text(
        ["阿明", "ann"]
    )
    await expect(alice.locator(".contact-group[data-letter=Z] .row-text")).to_have_text(
        ["张伟", "Zoe"]
    )
    await shot(alice, "phone-contacts-index-zh")
    # Saved groups: the row says so, and lists the group.
    await alice.get_by_role("link", name="群聊").click()
    await expect(alice.locator(".saved-groups .row-text")).to_have_text(["Hikers"])
    no_page_errors(alice)


async def test_a_stranger_is_added_with_an_edited_greeting_and_remark(
    open_app: OpenApp, clients: MakeClient
) -> None:
    bob_sdk = await clients("bob")
    await clients("carol")
    carol = await open_app(PHONE)
    await login(carol, "carol")
    await carol.goto(f"/#/user/{uid(bob_sdk)}")
    await expect(carol.locator(".profile-name")).to_have_text("bob")
    assert "null" not in await carol.locator(".detail-pane").inner_text()
    await carol.get_by_role("button", name="Add to contacts").click()
    dialog = carol.get_by_role("dialog")
    await dialog.locator("#add-greeting").fill("Hi Bob, Carol from the gym")
    await dialog.locator("#add-remark").fill("Bob (gym)")
    await dialog.get_by_role("button", name="Add", exact=True).click()
    await expect(carol.get_by_role("button", name="Request sent")).to_be_disabled()
    [request] = await bob_sdk.requests()
    assert request["greeting"] == "Hi Bob, Carol from the gym"
    await bob_sdk.accept(request["id"])
    await carol.goto("/#/contacts")
    await expect(carol.locator(".contact-group .row-text")).to_have_text(["Bob (gym)"])
    no_page_errors(carol)


def saved_privacy(response: Response) -> bool:
    return response.url.endswith("/me/privacy") and response.request.method == "PATCH"


async def change_password(page: Page, old: str, new: str) -> None:
    await page.goto("/#/me/password")
    await page.locator("#old-password").fill(old)
    await page.locator("#new-password").fill(new)
    await page.locator("#new-password-again").fill(new)
    await page.get_by_role("button", name="Change password").last.click()


async def test_changing_my_password_logs_out_my_other_device_and_privacy_takes_effect(
    open_app: OpenApp, clients: MakeClient
) -> None:
    from tests.conftest import PASSWORD

    await clients("alice")
    bob_sdk, other = await clients("bob"), await clients()
    phone, laptop = await open_app(PHONE), await open_app(DESKTOP)
    await login(phone, "alice")
    await login(laptop, "alice")

    await phone.goto("/#/me/privacy")
    # A switch saves in the background: look at the server, or reload, only once it has
    # the change (a reload sooner cancels the save, which a busy machine may not finish).
    async with phone.expect_response(saved_privacy):
        await phone.get_by_role("switch", name="Username").uncheck()
    await expect(phone.get_by_role("switch", name="Username")).not_to_be_checked()
    await fails(bob_sdk.request_contact(username="alice"), "contact.not_addable", 403)
    async with phone.expect_response(saved_privacy):
        await phone.get_by_role("switch", name="Read receipts").uncheck()
    await phone.reload()
    await expect(phone.get_by_role("switch", name="Read receipts")).not_to_be_checked()
    await shot(phone, "phone-privacy")

    await change_password(phone, PASSWORD, "a much newer password")
    await expect(phone.locator(".toast")).to_contain_text(
        "2 other devices logged out"
    )  # and the SDK
    await expect(laptop.locator("form.auth-form")).to_be_visible()  # logged out at once
    await fails(other.login("alice", PASSWORD), "auth.bad_credentials", 401)
    no_page_errors(phone, laptop)


async def test_developer_console_shows_in_developer_mode(
    open_app: OpenApp, clients: MakeClient
) -> None:
    await clients("alice")
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await alice.goto("/#/me")
    await expect(alice.get_by_role("link", name="Settings")).to_be_visible()
    await expect(alice.get_by_role("link", name="Developer console")).to_have_count(0)
    await alice.get_by_role("link", name="Settings").click()
    await alice.get_by_role("switch", name="Developer mode").check()
    await alice.goto("/#/me")
    await expect(alice.get_by_role("link", name="Developer console")).to_be_visible()
    no_page_errors(alice)


async def test_a_group_avatar_is_drawn_and_pictures_show_offline(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    await befriend(alice_sdk, bob_sdk)
    green = await bob_sdk.upload(picture((200, 200), "PNG", (0, 180, 0)), kind="image")
    await bob_sdk.call("PATCH", "/api/v1/me", {"avatar": green["id"]})
    group = (await alice_sdk.create_group("Picnic", [uid(bob_sdk)]))["conversation"]["id"]
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await alice.wait_for_function("() => navigator.serviceWorker.controller !== null")
    grid = row(alice, "Picnic").locator("img.group-grid")
    await expect(grid).to_have_count(1)
    await alice.wait_for_function(
        "() => document.querySelector('img.group-grid')?.naturalWidth === 144"
    )
    await shot(alice, "phone-group-avatar")

    # A picture arrives while Alice looks at her chat list; she opens the chat offline.
    photo = await bob_sdk.upload(picture((640, 480), "JPEG", (200, 30, 30)), kind="image")
    await bob_sdk.send_media(group, photo)
    await expect(row(alice, "Picnic").locator(".chat-preview")).to_contain_text("Photo")
    # Its thumbnail went into the service worker's cache as it arrived. Polled from here:
    # wait_for_function takes an async predicate's promise for a truthy answer, so it did
    # not wait for the cache (and going offline before the thumbnail was kept raced).
    kept = (
        "async (media) => (await (await caches.open('microletter-pictures')).keys())"
        ".some((r) => new URL(r.url).pathname.startsWith(`/m/${media}`))"
    )
    async with asyncio.timeout(10):
        while not await alice.evaluate(kept, photo["id"]):
            await asyncio.sleep(0.05)
    await alice.context.set_offline(True)
    await expect(alice.locator(".conn-status")).to_be_visible()
    started = time.monotonic()
    await open_chat(alice, "Picnic")
    image = alice.locator(".bubble-image img")
    await expect(image).to_have_count(1)
    await alice.wait_for_function(
        "() => document.querySelector('.bubble-image img')?.naturalWidth > 0", timeout=5000
    )
    assert time.monotonic() - started < 10
    await shot(alice, "phone-offline-picture")
    await alice.context.set_offline(False)
    no_page_errors(alice)
