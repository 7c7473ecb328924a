"""Search in the browser (issue 14): the Chats tab's global search (contacts, groups,
official accounts and chat history, a two-character Chinese query among them) opening the
conversation at the message, loading older history to get there; and search inside a
conversation, with its files, images and links."""

from __future__ import annotations

from playwright.async_api import expect

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
from tests.support.rest import uid


async def test_global_search_finds_people_groups_and_history_and_opens_the_message(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    await bob_sdk.update_profile(display_name="Bob 饺子")
    cid = await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    group = await alice_sdk.create_group("饺子 lovers", [uid(bob_sdk), uid(carol_sdk)])
    gid = int(group["conversation"]["id"])
    await bob_sdk.send_text(cid, "明天一起去吃饺子吧")
    for i in range(60):  # the hit falls out of the first page (50) of history
        await bob_sdk.send_text(cid, f"filler {i}")
    await carol_sdk.send_text(gid, "The dumpling place is closed")
    alice = await open_app(PHONE)
    await login(alice, "alice")

    search = alice.get_by_role("searchbox", name="Search chats")
    await search.fill("饺子")
    contacts = alice.locator(".search-contacts")
    await expect(contacts.locator(".chat-name")).to_have_text(["Bob 饺子"])
    await expect(alice.locator(".search-groups .chat-name")).to_have_text(["饺子 lovers"])
    history = alice.locator(".search-history")
    await expect(history).to_have_attribute("aria-busy", "false")
    hit = history.locator(".search-hit")
    await expect(hit).to_have_count(1)
    await expect(hit.locator("mark")).to_have_text("饺子")
    await expect(hit).to_contain_text("明天一起去吃饺子吧")
    await shot(alice, "phone-global-search-chinese")

    await hit.click()
    found = alice.locator(".msg-row.flash", has_text="明天一起去吃饺子吧")
    await expect(found).to_be_in_viewport()

    await alice.go_back()
    await search.fill("dumpling")
    await expect(alice.locator(".search-history .search-hit")).to_contain_text(
        "carol: The dumpling place is closed"
    )
    await search.fill("")
    await expect(alice.locator(".chat-list .chat-row")).to_have_count(3)  # bob, carol, the group
    no_page_errors(alice)


async def test_search_inside_a_conversation_and_its_files_images_and_links(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    await bob_sdk.send_text(cid, "周末去爬山吗")
    await bob_sdk.send_text(cid, "The menu: https://example.com/menu")
    photo = await bob_sdk.upload(picture(), kind="image")
    await bob_sdk.send_media(cid, photo, caption="summit view")
    doc = await bob_sdk.upload(b"%PDF-1.4 trail map", kind="file", name="trail-map.pdf")
    await bob_sdk.send_media(cid, doc)
    alice = await open_app(DESKTOP, locale="zh-CN")
    await login(alice, "alice")
    await open_chat(alice, "bob")

    await alice.locator(".chat-search-btn").click()
    field = alice.get_by_role("searchbox", name="查找聊天记录")
    await field.fill("爬山")
    results = alice.locator(".chat-search-results")
    await expect(results.locator(".search-hit mark")).to_have_text(["爬山"])
    await alice.get_by_role("tab", name="链接").click()
    await field.fill("")
    await expect(results.locator(".link-row")).to_have_text(["https://example.com/menu"])
    await alice.get_by_role("tab", name="图片").click()
    await expect(results.locator(".search-image")).to_have_count(1)
    await expect(results.locator(".search-image img")).to_be_visible()
    await alice.get_by_role("tab", name="文件").click()
    await expect(results.locator(".search-file")).to_contain_text("trail-map.pdf")
    await shot(alice, "desktop-chat-search-files-zh")

    await alice.get_by_role("tab", name="消息").click()
    await field.fill("周末")
    await results.locator(".search-hit").click()
    await expect(alice.locator(".msg-row.flash", has_text="周末去爬山吗")).to_be_visible()
    no_page_errors(alice)
