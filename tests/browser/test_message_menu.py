"""The message menu in the browser (issue 13): quote and jump, forward one by one and
merged, favourites that survive a recall, multi-select delete for me across my devices,
recall and re-edit, and a long press whose menu stays open after the finger lifts."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from microletter.app import Server
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    OpenApp,
    bubbles,
    login,
    no_page_errors,
    open_chat,
    send_text,
    shot,
)
from tests.conftest import MakeClient, befriend


async def menu_item(page: Page, text: str, name: str) -> None:
    """Right-click a text bubble and pick from the context menu at the pointer."""
    await page.locator(".bubble-text", has_text=text).last.click(button="right")
    await page.get_by_role("menu").get_by_role("menuitem", name=name).click()


async def test_a_quote_is_sent_shown_and_tapping_it_loads_history_to_the_original(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    first = await bob_sdk.send_text(cid, "Where shall we meet?")
    for i in range(60):  # the original falls out of the first page (50) of history
        await bob_sdk.send_text(cid, f"filler {i}")
    await bob_sdk.send_text(cid, "Answer this one please", reply_to=first["seq"])
    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await open_chat(alice, "bob")

    # The reply shows its quote; the original is not loaded yet; a tap loads and shows it.
    last = alice.locator(".msg-row", has_text="Answer this one please")
    await expect(last.locator(".msg-quote")).to_have_text("bob: Where shall we meet?")
    await expect(alice.locator(".msg-row", has_text="Where shall we meet?")).to_have_count(1)
    await last.locator(".msg-quote").click()
    original = alice.locator(".msg-row.flash", has_text="Where shall we meet?")
    await expect(original).to_be_in_viewport()

    # Quote from the context menu (at the pointer, not a sheet): the composer shows it.
    bubble = alice.locator(".bubble-text", has_text="filler 59")
    await bubble.scroll_into_view_if_needed()
    box = await bubble.bounding_box()
    assert box is not None
    await bubble.click(button="right", position={"x": 10, "y": 10})
    menu = alice.get_by_role("menu")
    await expect(menu).to_be_visible()
    menu_box = await menu.bounding_box()
    assert menu_box is not None
    px, py = box["x"] + 10, box["y"] + 10
    # At the pointer: its corner there, or moved up just enough to fit on the screen.
    assert abs(menu_box["x"] - px) < 4
    assert menu_box["y"] <= py + 1 and menu_box["y"] + menu_box["height"] >= py
    assert await alice.locator(".sheet").count() == 0
    await shot(alice, "desktop-message-context-menu")
    await menu.get_by_role("menuitem", name="Quote").click()
    await expect(alice.locator(".reply-bar")).to_contain_text("bob: filler 59")
    await send_text(alice, "Under the clock")
    await expect(alice.locator(".reply-bar")).to_be_hidden()
    mine = alice.locator(".msg-row.mine", has_text="Under the clock")
    await expect(mine).to_have_attribute("data-state", "sent")
    await expect(mine.locator(".msg-quote")).to_have_text("bob: filler 59")
    history = await bob_sdk.call("GET", f"/api/v1/conversations/{cid}/messages?limit=1")
    assert history["messages"][-1]["reply_to"] == first["seq"] + 60
    no_page_errors(alice)


async def test_several_messages_are_forwarded_one_by_one_and_merged_into_a_history_card(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    with_bob = await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    await bob_sdk.send_text(with_bob, "Dinner at 7")
    await alice_sdk.send_text(with_bob, "At the noodle place?")
    await bob_sdk.send_text(with_bob, "Yes, bring Carol")
    alice = await open_app(DESKTOP)
    carol = await open_app(PHONE)
    await login(alice, "alice")
    await login(carol, "carol")
    await open_chat(alice, "bob")

    # Multi-select two messages and forward them one by one to Carol.
    await menu_item(alice, "Dinner at 7", "Multi-select")
    await expect(alice.locator(".select-bar")).to_be_visible()
    await expect(alice.locator(".composer")).to_be_hidden()
    await alice.locator(".msg-row", has_text="Yes, bring Carol").get_by_role("checkbox").check()
    await expect(alice.locator(".select-count")).to_have_text("2 selected")
    await shot(alice, "desktop-multi-select")
    await alice.locator(".select-bar").get_by_role("button", name="Forward").click()
    picker = alice.get_by_role("dialog", name="Choose chats")
    await picker.get_by_role("checkbox", name="carol").check()
    await picker.get_by_role("radio", name="One by one").check()
    await picker.get_by_role("button", name="Send (1)").click()
    await expect(alice.locator(".select-bar")).to_be_hidden()
    await open_chat(carol, "alice")
    await expect(bubbles(carol)).to_have_text(["Dinner at 7", "Yes, bring Carol"])

    # The same two, merged: Carol gets one chat-history card that opens read-only.
    await menu_item(alice, "Dinner at 7", "Multi-select")
    await alice.locator(".msg-row", has_text="At the noodle place?").get_by_role("checkbox").check()
    await alice.locator(".select-bar").get_by_role("button", name="Forward").click()
    picker = alice.get_by_role("dialog", name="Choose chats")
    await picker.get_by_role("checkbox", name="carol").check()
    await picker.get_by_role("radio", name="Merged into a chat history").check()
    await picker.get_by_role("button", name="Send (1)").click()
    card = carol.locator(".bubble-history")
    await expect(card).to_contain_text("Chat history of alice and bob")
    await expect(card.locator(".history-line")).to_have_text(
        ["bob: Dinner at 7", "alice: At the noodle place?"]
    )
    await shot(carol, "phone-history-card")
    await card.click()
    view = carol.get_by_role("dialog", name="Chat history of alice and bob")
    await expect(view.locator(".history-item .bubble-text")).to_have_text(
        ["Dinner at 7", "At the noodle place?"]
    )
    await expect(view.locator(".composer-input")).to_have_count(0)
    await shot(carol, "phone-history-view")
    await view.get_by_role("button", name="Back").click()
    await expect(view).to_have_count(0)
    no_page_errors(alice, carol)


async def test_a_favourite_survives_a_recall_is_searchable_follows_other_devices_and_deletes(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    wifi = await bob_sdk.send_text(cid, "The wifi password is hunter2")
    other = await bob_sdk.send_text(cid, "Train leaves at 9:40")
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await open_chat(alice, "bob")
    await menu_item(alice, "The wifi password", "Favourite")
    await expect(alice.locator(".toast")).to_contain_text("Added to Favourites")

    # Bob recalls it: gone from the chat, still in Alice's favourites.
    await bob_sdk.call("POST", f"/api/v1/conversations/{cid}/messages/{wifi['seq']}/recall")
    await expect(alice.locator(".msg-system[data-kind=recalled]")).to_have_text(
        "bob recalled a message"
    )
    await alice.goto("/#/me")
    await alice.get_by_role("link", name="Favourites").click()
    items = alice.locator(".favourite")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("The wifi password is hunter2")

    # Alice's other device keeps another message: the open page follows (collection event).
    await alice_sdk.keep(cid, other["seq"])
    await expect(items).to_have_count(2)
    await alice.get_by_role("searchbox", name="Search favourites").fill("WIFI")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("hunter2")
    await shot(alice, "phone-favourites")
    await items.first.get_by_role("button", name="Delete favourite").click()
    await alice.get_by_role("dialog").get_by_role("button", name="Delete").click()
    await expect(alice.locator(".favourites .empty-row")).to_have_text("No favourites match")
    assert [f["text"] for f in await alice_sdk.favourites()] == ["Train leaves at 9:40"]
    no_page_errors(alice)


async def test_multi_select_delete_for_me_reaches_my_other_device_but_not_the_peer(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    for text in ("keep me", "embarrassing one", "embarrassing two"):
        await bob_sdk.send_text(cid, text)
    phone = await open_app(PHONE)
    laptop = await open_app(DESKTOP)
    for page in (phone, laptop):
        await login(page, "alice")
        await open_chat(page, "bob")
        await expect(bubbles(page)).to_have_text(
            ["keep me", "embarrassing one", "embarrassing two"]
        )

    await menu_item(laptop, "embarrassing one", "Multi-select")
    await laptop.locator(".msg-row", has_text="embarrassing two").get_by_role("checkbox").check()
    await laptop.locator(".select-bar").get_by_role("button", name="Delete").click()
    await laptop.get_by_role("dialog").get_by_role("button", name="Delete").click()
    for page in (laptop, phone):
        await expect(bubbles(page)).to_have_text(["keep me"])
    await phone.goto("/#/chats")
    await expect(phone.locator(".chat-row", has_text="bob").locator(".chat-preview")).to_have_text(
        "keep me"
    )
    seen_by_bob = await bob_sdk.call("GET", f"/api/v1/conversations/{cid}/messages")
    assert [m["text"] for m in seen_by_bob["messages"] if m["kind"] == "text"] == [
        "keep me",
        "embarrassing one",
        "embarrassing two",
    ]
    no_page_errors(phone, laptop)


async def test_a_recalled_text_can_be_re_edited_in_the_composer(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await open_chat(alice, "bob")
    await send_text(alice, "See you at 8, not 9")
    await expect(alice.locator(".msg-row.mine").last).to_have_attribute("data-state", "sent")
    await menu_item(alice, "See you at 8", "Recall")
    recalled = alice.locator(".msg-system[data-kind=recalled]")
    await expect(recalled).to_contain_text("You recalled a message")
    await recalled.get_by_role("button", name="Re-edit").click()
    await expect(alice.locator(".composer-input")).to_have_value("See you at 8, not 9")
    await expect(alice.locator(".composer-input")).to_be_focused()
    await alice.locator(".composer-input").fill("See you at 9, not 8")
    await alice.locator(".send-btn").click()
    await expect(bubbles(alice)).to_have_text(["See you at 9, not 8"])
    seen_by_bob = await bob_sdk.call("GET", f"/api/v1/conversations/{cid}/messages")
    texts = [m["text"] for m in seen_by_bob["messages"] if m["kind"] == "text"]
    assert texts == [None, "See you at 9, not 8"]  # the recalled one has no text on the server
    no_page_errors(alice)


async def test_a_long_press_menu_stays_open_after_the_finger_lifts(
    server: Server, browser: Browser, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    await bob_sdk.send_text(cid, "Hold me down")
    context = await browser.new_context(
        viewport=PHONE, base_url=server.url, has_touch=True, is_mobile=True, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    phone = await context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    await phone.goto("/")
    await login(phone, "alice")
    await open_chat(phone, "bob")
    box = await phone.locator(".bubble-text", has_text="Hold me down").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    # A real touch through the browser's input pipeline (the gestures, the click made from
    # the lifted finger), held past the long-press time, then lifted.
    cdp = await context.new_cdp_session(phone)
    await cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
    )
    await phone.wait_for_timeout(900)
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    await phone.wait_for_timeout(600)
    sheet = phone.locator(".sheet")
    await expect(sheet).to_have_count(1)
    await expect(sheet).to_be_visible()
    assert await phone.get_by_role("menu").count() == 0  # a sheet on touch, not a pointer menu
    await shot(phone, "phone-long-press-menu")
    await sheet.get_by_role("button", name="Quote").click()
    await expect(phone.locator(".reply-bar")).to_contain_text("bob: Hold me down")
    assert errors == []
    await context.close()
