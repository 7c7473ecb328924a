"""Managing the chat list (issue 14): pin, mark unread, delete a chat (hidden until its
next message, history kept or cleared) and clear history; each is the member's own view,
synced to their other devices; on both backends."""

from __future__ import annotations

from microletter.client import Client
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.rest import fails


async def chat_ids(client: Client) -> list[int]:
    return [v["conversation"]["id"] for v in await client.conversations()]


async def texts(client: Client, cid: int) -> list[str]:
    return [m["text"] for m in await client.history(cid) if m["kind"] == "text"]


async def test_a_pinned_chat_comes_first_and_marked_unread_shows_on_my_devices(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    with_bob = await befriend(alice, bob)
    with_carol = await befriend(alice, carol)
    await carol.send_text(with_carol, "newest")
    phone = await clients()
    await phone.login("alice", PASSWORD)
    cursor = (await phone.state())["cursor"]
    assert await chat_ids(phone) == [with_carol, with_bob]

    await alice.set_chat(with_bob, pinned=True, unread=True)

    assert await chat_ids(phone) == [with_bob, with_carol]
    view = await phone.conversation(with_bob)
    assert (view["pinned"], view["marked_unread"]) == (True, True)
    events = (await phone.changes(cursor))["events"]
    states = [e["data"]["state"] for e in events if e["kind"] == "chat_state"]
    assert [(s["conversation_id"], s["marked_unread"]) for s in states] == [(with_bob, True)]
    assert (await bob.conversation(with_bob))["pinned"] is False  # mine alone
    await alice.set_chat(with_bob, pinned=False, unread=False)
    assert await chat_ids(phone) == [with_carol, with_bob]


async def test_a_deleted_chat_comes_back_with_the_next_message(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await bob.send_text(cid, "before")
    await alice.delete_chat(cid)
    assert cid not in await chat_ids(alice)
    assert await texts(alice, cid) == ["before"]  # history kept
    await bob.send_text(cid, "after")
    assert cid in await chat_ids(alice)
    assert await texts(alice, cid) == ["before", "after"]
    assert await texts(bob, cid) == ["before", "after"]


async def test_deleting_with_its_history_or_clearing_hides_what_came_before(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    old = await bob.send_text(cid, "old")
    await alice.delete_chat(cid, clear_history=True)
    await bob.send_text(cid, "new")
    assert await texts(alice, cid) == ["new"]
    path = f"/api/v1/conversations/{cid}/messages/{old['seq']}"
    await fails(alice.call("GET", path), "message.not_found", 404)
    await alice.clear_history(cid)
    assert await texts(alice, cid) == []
    assert cid in await chat_ids(alice)  # clearing keeps the chat in the list
    assert (await alice.conversation(cid))["last_message"] is None
    assert await texts(bob, cid) == ["old", "new"]


async def test_only_members_manage_a_chat(clients: MakeClient) -> None:
    alice, bob, eve = await clients("alice"), await clients("bob"), await clients("eve")
    cid = await befriend(alice, bob)
    await fails(eve.set_chat(cid, pinned=True), "conversation.not_member", 403)
    await fails(eve.delete_chat(cid), "conversation.not_member", 403)
    await fails(alice.set_chat(999, pinned=True), "conversation.not_found", 404)
    assert await chat_ids(eve) == []


async def test_saved_groups_stay_in_contacts_after_the_chat_is_deleted(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    direct = await befriend(alice, bob)
    assert bob.user is not None
    group = (await alice.create_group("Hikers", [bob.user["id"]]))["conversation"]["id"]
    other = (await alice.create_group("Unsaved", [bob.user["id"]]))["conversation"]["id"]
    phone = await clients()
    await phone.login("alice", PASSWORD)
    cursor = (await phone.state())["cursor"]

    state = await alice.set_chat(group, saved=True)

    assert state["saved"] is True
    events = (await phone.changes(cursor))["events"]
    assert [e["data"]["state"]["saved"] for e in events if e["kind"] == "chat_state"] == [True]
    assert (await phone.conversation(group))["saved"] is True
    assert (await phone.conversation(other))["saved"] is False
    await alice.delete_chat(group)
    assert group not in await chat_ids(alice)
    assert [v["conversation"]["id"] for v in await phone.saved_groups()] == [group]
    assert await bob.saved_groups() == []  # mine alone
    await fails(alice.set_chat(direct, saved=True), "invalid_input", 400)
    await alice.set_chat(group, saved=False)
    assert await alice.saved_groups() == []
