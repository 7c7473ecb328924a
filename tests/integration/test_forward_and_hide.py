"""Forwarding (one by one and merged) and delete for me, over REST, on both backends.
Forwarding copies only what the forwarder may see, and the copies' media follow the new
messages; deleting for me removes messages from my history on every device of mine, and
nobody else's."""

from __future__ import annotations

from typing import Any

from microletter.client import Client
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.media import picture
from tests.support.rest import fails, uid


async def texts(client: Client, cid: int) -> list[Any]:
    return [m["text"] for m in await client.history(cid) if m["kind"] != "system"]


async def test_forwarding_one_by_one_copies_text_and_media_to_each_chat(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    carol, dave = await clients("carol"), await clients("dave")
    source = await befriend(alice, bob)
    to_carol = await befriend(bob, carol)
    to_dave = await befriend(bob, dave)
    photo = await alice.upload(picture(), kind="image")
    first = await alice.send_text(source, "look at this")
    second = await alice.send_media(source, photo, caption="the view")
    assert (await carol.media_urls([photo["id"]]))["denied"] == [photo["id"]]

    results = await bob.forward(source, [first["seq"], second["seq"]], [to_carol, to_dave])

    assert [r["error"] for r in results] == [None, None]
    for client, cid in ((carol, to_carol), (dave, to_dave)):
        copies = [m for m in await client.history(cid) if m["kind"] != "system"]
        assert [(m["kind"], m["text"], m["sender_id"]) for m in copies] == [
            ("text", "look at this", uid(bob)),
            ("image", "the view", uid(bob)),
        ]
        assert photo["id"] in (await client.media_urls([photo["id"]]))["urls"]  # re-referenced


async def test_a_merged_forward_is_one_chat_history_card(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    source = await befriend(alice, bob)
    target = await befriend(bob, carol)
    photo = await alice.upload(picture(), kind="image")
    said = await alice.send_text(source, "dinner at 8?")
    answered = await bob.send_text(source, "yes!")
    shown = await alice.send_media(source, photo)
    seqs = [said["seq"], answered["seq"], shown["seq"]]

    [result] = await bob.forward(source, seqs, [target], merged=True, title="Chat with Alice")

    [card] = result["messages"]
    assert card["kind"] == "history" and card["text"] is None
    assert card["data"]["title"] == "Chat with Alice"
    items = card["data"]["items"]
    assert [(i["sender_name"], i["kind"], i["text"]) for i in items] == [
        ("alice", "text", "dinner at 8?"),
        ("bob", "text", "yes!"),
        ("alice", "image", None),
    ]
    assert items[2]["data"]["media"]["id"] == photo["id"]
    assert photo["id"] in (await carol.media_urls([photo["id"]]))["urls"]  # its items' media


async def test_what_the_forwarder_cannot_see_is_not_forwarded(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    secret = await befriend(alice, bob)
    mine = await befriend(carol, bob)
    said = await alice.send_text(secret, "between us")
    await fails(carol.forward(secret, [said["seq"]], [mine]), "conversation.not_member", 403)
    recalled = await alice.send_text(secret, "oops")
    await alice.recall(secret, recalled["seq"])
    await fails(bob.forward(secret, [recalled["seq"]], [mine]), "invalid_input", 400)
    await fails(bob.forward(secret, [999], [mine]), "message.not_found", 404)
    assert await texts(carol, mine) == []


async def test_each_target_succeeds_or_fails_on_its_own_and_a_retry_makes_no_copies(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    source = await befriend(alice, bob)
    to_carol = await befriend(alice, carol)
    stranger_chat = await befriend(bob, carol)  # alice is not in it
    said = await alice.send_text(source, "hello")

    results = await alice.forward(
        source, [said["seq"]], [stranger_chat, to_carol], client_msg_id="f1"
    )
    assert results[0]["error"]["code"] == "conversation.not_member"
    assert results[1]["error"] is None
    again = await alice.forward(source, [said["seq"]], [to_carol], client_msg_id="f1")
    assert again[0]["messages"][0]["id"] == results[1]["messages"][0]["id"]
    assert await texts(carol, to_carol) == ["hello"]


async def test_delete_for_me_reaches_my_other_devices_and_nobody_else(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    kept = await bob.send_text(cid, "keep")
    gone = await bob.send_text(cid, "delete me")
    phone = await clients()
    await phone.login("alice", PASSWORD)
    cursor = (await phone.state())["cursor"]

    assert await alice.hide(cid, [gone["seq"], gone["seq"]]) == [gone["seq"]]

    assert await texts(phone, cid) == ["keep"]
    assert await texts(bob, cid) == ["keep", "delete me"]
    await fails(alice.hide(cid, [kept["seq"] + 100]), "message.not_found", 404)
    changes = await phone.changes(cursor)
    hidden = [e for e in changes["events"] if e["kind"] == "hidden"]
    assert [e["data"] for e in hidden] == [{"conversation_id": cid, "seqs": [gone["seq"]]}]
    bob_changes = await bob.changes(0)
    assert not [e for e in bob_changes["events"] if e["kind"] == "hidden"]


async def test_a_chat_list_shows_i_was_mentioned_until_i_read_it(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    group = await alice.create_group("trip", [uid(bob), uid(carol)])
    cid = group["conversation"]["id"]
    await alice.mute(cid, True)  # a mention is news even in a muted group

    said = await bob.send_text(cid, "@alice tickets?", mentions=[uid(alice)])
    assert (await alice.conversation(cid))["mentioned"] is True
    assert (await carol.conversation(cid))["mentioned"] is False
    assert (await bob.conversation(cid))["mentioned"] is False  # not by my own message
    await alice.mark_read(cid, said["seq"])
    assert (await alice.conversation(cid))["mentioned"] is False

    await alice.send_text(cid, "@all leaving at 8", mention_all=True)
    assert [(await c.conversation(cid))["mentioned"] for c in (bob, carol)] == [True, True]
