"""Finding messages and chats in the browser (issue 13): the "You were mentioned" banner
jumps to a mention that is pages above the newest messages (older history is loaded until
it is there), and the forward picker searches every chat by name, groups and official
accounts included."""

from __future__ import annotations

import re

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
from tests.browser.test_message_menu import menu_item
from tests.conftest import MakeClient, befriend
from tests.support.platform import new_account


async def test_the_mention_banner_loads_older_history_to_the_mention(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    await befriend(alice_sdk, bob_sdk)
    assert alice_sdk.user is not None
    group = await bob_sdk.create_group("Book club", [alice_sdk.user["id"]])
    cid = group["conversation"]["id"]
    await bob_sdk.send_text(cid, "@alice which book next?", mentions=[alice_sdk.user["id"]])
    for i in range(70):  # the mention falls out of the first page (50) of history
        await bob_sdk.send_text(cid, f"chatter {i}")
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await expect(alice.locator(".chat-row .mention-mark")).to_have_text("[You were mentioned]")
    await open_chat(alice, "Book club")
    mention = alice.locator(".msg-row", has_text="which book next?")
    await expect(alice.locator(".msg-row", has_text="chatter 69")).to_be_visible()
    await expect(mention).to_have_count(0)  # not loaded: two pages up
    await alice.get_by_role("button", name="You were mentioned").click()
    await expect(mention).to_have_class(re.compile(r"\bflash\b"), timeout=10_000)
    await expect(mention).to_be_in_viewport()
    await expect(mention.locator(".mention")).to_have_text("@alice")
    await shot(alice, "phone-jump-to-mention")
    no_page_errors(alice)


async def test_the_forward_picker_searches_every_chat_by_name(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    dev = await clients("dev")
    cid = await befriend(alice_sdk, bob_sdk)
    carol_cid = await befriend(alice_sdk, carol_sdk)
    assert bob_sdk.user is not None and carol_sdk.user is not None
    group = await alice_sdk.create_group("Hiking crew", [bob_sdk.user["id"]])
    account = (await new_account(dev, "Trail News"))["account"]
    await alice_sdk.call(
        "PUT", f"/api/v1/official-accounts/{account['id']}/follow", {"scene": "search"}
    )
    await bob_sdk.send_text(cid, "Summit photos tomorrow")
    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await alice.locator(f".chat-row[data-cid='{cid}']").click()  # "bob" is in the group's too

    await menu_item(alice, "Summit photos tomorrow", "Forward")
    picker = alice.get_by_role("dialog", name="Choose chats")
    chats = picker.get_by_role("list", name="Choose chats").locator("li:visible .pick-name")
    await expect(chats).to_have_count(4)  # bob, carol, the group and the account
    search = picker.get_by_role("searchbox", name="Search chats")
    await search.fill("car")
    await expect(chats).to_have_text(["carol"])
    await picker.locator("li:visible input[type=checkbox]").check()
    await search.fill("trail")
    await expect(chats).to_have_text(["Trail News"])  # an official account I follow
    await search.fill("zzz")
    await expect(picker.get_by_text("No chat matches")).to_be_visible()
    await search.fill("hik")
    await expect(chats).to_have_text(["Hiking crew"])
    await search.press("Enter")  # searches; does not send
    await expect(picker).to_be_visible()
    await picker.locator("li:visible input[type=checkbox]").check()
    await shot(alice, "desktop-forward-search")
    await picker.get_by_role("button", name="Send (2)").click()
    await expect(picker).to_be_hidden()

    group_cid = group["conversation"]["id"]
    for target in (carol_cid, group_cid):
        texts = [m["text"] for m in await alice_sdk.history(target)]
        assert texts[-1] == "Summit photos tomorrow", (target, texts)
    no_page_errors(alice)
