"""Groups in the browser: a third person joins, a recall disappears for everyone, and a
large group reaches the web client through its stream."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from microletter.app import Server
from microletter.core.events import MessagePosted
from microletter.core.ids import UserId
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    OpenApp,
    bubbles,
    login,
    no_page_errors,
    open_chat,
    send_text,
    shot,
)
from tests.conftest import MakeClient, befriend


async def test_third_person_joins_a_group_chat(open_app: OpenApp, clients: MakeClient) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    alice = await open_app(DESKTOP)
    bob = await open_app(PHONE)
    carol = await open_app(PHONE)
    for page, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        await login(page, name)

    # Alice starts a group with Bob.
    await alice.goto("/#/group/new")
    await alice.locator("#group-name").fill("Weekend hike")
    await alice.get_by_role("checkbox", name="bob").check()
    await alice.get_by_role("button", name="Create (1)").click()
    await expect(alice.locator(".conversation .topbar h1")).to_contain_text("Weekend hike")
    await send_text(alice, "Saturday at 8?")
    await open_chat(bob, "Weekend hike")
    await expect(bubbles(bob)).to_have_text(["Saturday at 8?"])

    # Then adds Carol from the group's info page.
    await alice.locator(".conversation").get_by_role("button", name="Chat info").click()
    await alice.get_by_role("button", name="Add members").click()
    await alice.get_by_role("dialog").get_by_role("checkbox", name="carol").check()
    await alice.get_by_role("dialog").get_by_role("button", name="Add (1)").click()
    await expect(alice.locator(".member-grid .member[data-uid]")).to_have_count(3)
    await alice.locator(".info").get_by_role("button", name="Announcement").click()
    await alice.get_by_role("dialog").locator("textarea").fill("Bring water and snacks.")
    await alice.get_by_role("dialog").get_by_role("button", name="OK").click()
    await expect(alice.locator(".info")).to_contain_text("Bring water and snacks.")
    await shot(alice, "desktop-group-info")
    await alice.locator(".detail-pane").get_by_role("button", name="Back").click()
    await expect(alice.locator(".conversation .topbar h1")).to_contain_text("Weekend hike")

    # Carol has the group now: she sees the note that she was added, and can talk.
    await open_chat(carol, "Weekend hike")
    await expect(carol.locator(".msg-system")).to_contain_text(["alice added you"])
    await expect(carol.locator(".announcement")).to_contain_text("Bring water")
    await send_text(carol, "Count me in!")
    for page in (alice, bob):
        await expect(page.locator(".msg-row.theirs", has_text="Count me in!")).to_be_visible()
        await expect(page.locator(".msg-row.theirs .msg-sender").last).to_have_text("carol")
    await expect(carol.locator(".conversation .topbar-sub")).to_have_text("3 members")
    await shot(bob, "phone-group-conversation")
    await shot(carol, "phone-group-joined")
    no_page_errors(alice, bob, carol)


async def test_recalled_message_disappears_for_both(open_app: OpenApp, clients: MakeClient) -> None:
    await befriend(await clients("alice"), await clients("bob"))
    alice = await open_app(PHONE)
    bob = await open_app(PHONE)
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    await open_chat(bob, "alice")
    await send_text(alice, "oops, wrong chat")
    await send_text(alice, "see you tomorrow")
    await expect(bubbles(bob)).to_have_text(["oops, wrong chat", "see you tomorrow"])

    await alice.locator(".bubble-text", has_text="oops, wrong chat").click(button="right")
    await alice.get_by_role("menuitem", name="Recall").click()
    # The recalling device also offers "Re-edit" (tests/browser/test_message_menu.py).
    await expect(alice.locator(".msg-system[data-kind=recalled]")).to_have_text(
        "You recalled a message Re-edit"
    )
    await expect(bob.locator(".msg-system[data-kind=recalled]")).to_have_text(
        "alice recalled a message"
    )
    for page in (alice, bob):
        await expect(bubbles(page)).to_have_text(["see you tomorrow"])
        await expect(page.get_by_text("oops, wrong chat")).to_have_count(0)
    await shot(bob, "phone-recalled")
    no_page_errors(alice, bob)


async def test_a_muted_conversation_shows_a_dot_and_stays_out_of_the_title(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    bob = await open_app(PHONE)
    await login(bob, "bob")
    await open_chat(bob, "alice")
    await bob.locator(".conversation").get_by_role("button", name="Chat info").click()
    await bob.get_by_role("switch", name="Mute notifications").check()
    await bob.goto("/#/chats")
    row = bob.locator(".chat-row", has_text="alice")
    await expect(row.locator(".muted-mark")).to_be_visible()
    await alice_sdk.send_text(cid, "ping")
    await expect(row.locator(".chat-preview")).to_have_text("ping")
    await expect(row.locator(".dot")).to_be_visible()
    await expect(row.locator(".badge")).to_have_count(0)
    await expect(bob).to_have_title("microletter")
    assert (await bob_sdk.conversation(cid))["muted"] is True
    no_page_errors(bob)


@pytest.mark.settings(stream_members=3)
async def test_a_large_group_reaches_the_web_client_through_its_stream(
    open_app: OpenApp, clients: MakeClient, server: Server
) -> None:
    """A group at the streams size (3 here): Bob's only device is the web client, which
    reads streams, so Alice's messages reach it without growing Bob's update log."""
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    assert bob_sdk.user is not None and carol_sdk.user is not None
    view = await alice_sdk.create_group("Big hike", [bob_sdk.user["id"], carol_sdk.user["id"]])
    cid = int(view["conversation"]["id"])
    bob_id = UserId(int(bob_sdk.user["id"]))
    await bob_sdk.logout()  # the web client is Bob's only device
    bob = await open_app(PHONE)
    await login(bob, "bob")
    await open_chat(bob, "Big hike")
    assert server.ctx is not None
    head = await server.ctx.store.log_head(bob_id)

    await alice_sdk.send_text(cid, "Streamed to Bob")
    await expect(bubbles(bob)).to_contain_text(["Streamed to Bob"])
    await bob.reload()  # a reconnect: the page resumes from its cursor and positions
    await expect(bob.locator("#app")).to_have_attribute("data-connection", "online")
    await alice_sdk.send_text(cid, "And again")
    await open_chat(bob, "Big hike")
    await expect(bubbles(bob)).to_have_text(["Streamed to Bob", "And again"])
    later = await server.ctx.store.read_log(bob_id, head, 100)  # read positions, no message
    assert later and not [e for e in later if isinstance(e.event, MessagePosted)]
    no_page_errors(bob)
