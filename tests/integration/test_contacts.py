"""Contacts over REST: friend requests with greetings, accept and decline, remove, remarks,
blocks."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.support.rest import fails, uid


async def contact_ids(client: Client) -> list[int]:
    return [c["user"]["id"] for c in await client.contacts()]


async def direct_with(client: Client, peer: Client) -> dict[str, Any] | None:
    """The direct conversation `client` has with `peer` in its chat list, if any."""
    for view in await client.conversations():
        if view["peer"] is not None and view["peer"]["id"] == uid(peer):
            return dict(view)
    return None


async def test_a_request_carries_its_greeting_to_both_sides(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    sent = await alice.request_contact(user_id=uid(bob), greeting="  hi, it's Alice  ")
    assert sent["status"] == "pending"
    assert sent["greeting"] == "hi, it's Alice"
    assert (sent["from_user"]["id"], sent["to_user"]["id"]) == (uid(alice), uid(bob))
    [received] = await bob.requests()
    assert received == sent
    assert await alice.requests() == [sent]
    assert await bob.contacts() == []
    assert await direct_with(bob, alice) is None


async def test_accepting_a_request_makes_contacts_and_opens_a_direct_conversation(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    request = await alice.request_contact(user_id=uid(bob), greeting="hi")
    accepted = await bob.accept(request["id"])
    assert accepted["status"] == "accepted"
    assert await contact_ids(alice) == [uid(bob)]
    assert await contact_ids(bob) == [uid(alice)]
    for me, peer in ((alice, bob), (bob, alice)):
        view = await direct_with(me, peer)
        assert view is not None
        assert view["conversation"]["kind"] == "direct"
        assert view["conversation"]["member_count"] == 2
        note = view["last_message"]
        assert note["kind"] == "system" and note["seq"] == 1
        assert note["data"]["action"] == "contact.accepted"
    alice_view, bob_view = await direct_with(alice, bob), await direct_with(bob, alice)
    assert alice_view and bob_view
    assert alice_view["conversation"]["id"] == bob_view["conversation"]["id"]
    history = await alice.history(alice_view["conversation"]["id"])
    assert [m["kind"] for m in history] == ["system"]


async def test_a_long_greeting_is_refused(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    error = await fails(
        alice.request_contact(user_id=uid(bob), greeting="x" * 257), "invalid_input", 400
    )
    assert "greeting" in error.message
    assert await bob.requests() == []


async def test_declining_a_request_makes_no_contacts(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    request = await alice.request_contact(user_id=uid(bob))
    declined = await bob.decline(request["id"])
    assert declined["status"] == "declined"
    assert await alice.contacts() == [] and await bob.contacts() == []
    assert await alice.conversations() == [] and await bob.conversations() == []
    await fails(bob.accept(request["id"]), "contact.request_answered", 409)
    await fails(alice.open_direct(uid(bob)), "contact.required", 403)


async def test_the_asker_is_not_told_of_a_decline(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    request = await alice.request_contact(user_id=uid(bob), greeting="hi")
    cursor = (await alice.state())["cursor"]
    await bob.decline(request["id"])
    assert [r["status"] for r in await bob.requests()] == ["declined"]
    assert [r["status"] for r in await alice.requests()] == ["pending"]
    assert [r["status"] for r in (await alice.state())["requests"]] == ["pending"]
    assert (await alice.changes(cursor))["events"] == []


async def test_a_declined_request_is_settled_when_they_become_contacts_anyway(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    declined = await alice.request_contact(user_id=uid(bob), greeting="hi")
    await bob.decline(declined["id"])
    await bob.request_contact(user_id=uid(alice), greeting="changed my mind")
    [theirs] = [r for r in await alice.requests() if r["from_user"]["id"] == uid(bob)]
    await alice.accept(theirs["id"])
    assert await contact_ids(alice) == [uid(bob)]
    for client in (alice, bob):
        assert [r["status"] for r in await client.requests()] == ["accepted", "accepted"]


@pytest.mark.settings(request_cooldown_seconds=0)  # tests/security: within the cooldown
async def test_asking_again_after_a_decline_makes_a_new_pending_request(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    first = await alice.request_contact(user_id=uid(bob), greeting="hi")
    await bob.decline(first["id"])
    again = await alice.request_contact(user_id=uid(bob), greeting="please?")
    assert (again["status"], again["greeting"]) == ("pending", "please?")
    await bob.accept(again["id"])
    assert await contact_ids(bob) == [uid(alice)]


async def test_a_request_can_name_the_user_by_username(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    request = await alice.request_contact(username="bob", greeting="found you")
    assert request["to_user"]["id"] == uid(bob)
    await fails(alice.request_contact(username="nobody"), "user.not_found", 404)
    await fails(alice.request_contact(user_id=999_999), "user.not_found", 404)


async def test_a_request_names_exactly_one_user(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await fails(alice.request_contact(), "invalid_input", 400)
    await fails(alice.request_contact(username="bob", user_id=uid(bob)), "invalid_input", 400)
    assert await bob.requests() == []


async def test_nobody_can_ask_themselves(clients: MakeClient) -> None:
    alice = await clients("alice")
    await fails(alice.request_contact(user_id=uid(alice)), "invalid_input", 400)
    await fails(alice.open_direct(uid(alice)), "invalid_input", 400)


async def test_asking_back_accepts_the_request_already_made(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    theirs = await alice.request_contact(user_id=uid(bob), greeting="hi bob")
    answer = await bob.request_contact(user_id=uid(alice), greeting="hi alice")
    assert answer["id"] == theirs["id"]
    assert answer["status"] == "accepted"
    assert await contact_ids(alice) == [uid(bob)]
    assert len(await alice.conversations()) == 1
    assert [r["status"] for r in await bob.requests()] == ["accepted"]


async def test_asking_a_contact_again_is_refused(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    await fails(alice.request_contact(user_id=uid(bob)), "contact.already", 409)
    await fails(bob.request_contact(username="alice"), "contact.already", 409)


async def test_asking_twice_renews_the_pending_request(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    first = await alice.request_contact(user_id=uid(bob), greeting="hi")
    second = await alice.request_contact(user_id=uid(bob), greeting="hello?")
    assert second["id"] == first["id"]
    assert [r["greeting"] for r in await bob.requests()] == ["hello?"]


async def test_only_the_asked_user_can_answer_a_request(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    request = await alice.request_contact(user_id=uid(bob))
    await fails(alice.accept(request["id"]), "contact.request_not_found", 404)
    await fails(carol.accept(request["id"]), "contact.request_not_found", 404)
    await fails(carol.decline(request["id"]), "contact.request_not_found", 404)
    await fails(bob.accept(999_999), "contact.request_not_found", 404)
    assert [r["status"] for r in await bob.requests()] == ["pending"]


async def test_removing_a_contact_ends_the_friendship_for_both(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.send_text(cid, "before")
    await alice.remove_contact(uid(bob))
    assert await alice.contacts() == [] and await bob.contacts() == []
    await fails(bob.send_text(cid, "still there?"), "contact.required", 403)
    await fails(alice.send_text(cid, "bye"), "contact.required", 403)
    assert [m["text"] for m in await bob.history(cid)][-1] == "before"
    request = await bob.request_contact(user_id=uid(alice), greeting="again?")
    await alice.accept(request["id"])
    assert (await alice.open_direct(uid(bob)))["conversation"]["id"] == cid
    assert (await bob.send_text(cid, "welcome back"))["text"] == "welcome back"


async def test_removing_someone_who_is_not_a_contact_changes_nothing(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await alice.remove_contact(uid(bob))
    await fails(alice.remove_contact(999_999), "user.not_found", 404)
    assert await alice.contacts() == []


async def test_a_remark_is_seen_only_by_the_one_who_set_it(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    contact = await alice.set_remark(uid(bob), " Bobby ")
    assert (contact["user"]["id"], contact["remark"]) == (uid(bob), "Bobby")
    [alice_side] = await alice.contacts()
    assert alice_side["remark"] == "Bobby"
    [bob_side] = await bob.contacts()
    assert bob_side["remark"] == ""
    assert (await bob.me())["display_name"] == "bob"


async def test_a_remark_needs_a_contact(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await fails(alice.set_remark(uid(bob), "Bobby"), "contact.required", 403)
    await befriend(alice, bob)
    await fails(alice.set_remark(uid(bob), "x" * 65), "invalid_input.too_large", 413)


async def test_blocked_user_cannot_message(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.block(uid(bob))
    await fails(bob.send_text(cid, "hello?"), "contact.blocked", 403)
    assert await alice.contacts() == [] and await bob.contacts() == []
    assert [u["id"] for u in await alice.blocks()] == [uid(bob)]
    assert await bob.blocks() == []
    assert [m["kind"] for m in await alice.history(cid)] == ["system"]


async def test_blocked_user_cannot_send_a_request(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await alice.block(uid(bob))
    await fails(bob.request_contact(user_id=uid(alice)), "contact.blocked", 403)
    await fails(bob.request_contact(username="alice"), "contact.blocked", 403)
    assert await alice.requests() == []


async def test_blocking_drops_pending_requests_either_way(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await bob.request_contact(user_id=uid(alice), greeting="hi")
    await alice.block(uid(bob))
    assert await alice.requests() == [] and await bob.requests() == []


async def test_the_blocker_cannot_message_or_ask_until_unblocking(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.block(uid(bob))
    await fails(alice.send_text(cid, "hi"), "contact.you_blocked", 403)
    await fails(alice.request_contact(user_id=uid(bob)), "contact.you_blocked", 403)
    await fails(alice.create_group("g", [uid(bob)]), "contact.you_blocked", 403)


async def test_unblocking_lets_them_ask_again(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.block(uid(bob))
    await alice.unblock(uid(bob))
    assert await alice.blocks() == []
    assert await alice.contacts() == []
    await fails(bob.send_text(cid, "friends?"), "contact.required", 403)
    request = await bob.request_contact(user_id=uid(alice), greeting="sorry")
    await alice.accept(request["id"])
    assert (await bob.send_text(cid, "thanks"))["text"] == "thanks"


async def test_blocking_and_unblocking_twice_is_harmless(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await alice.block(uid(bob))
    await alice.block(uid(bob))
    assert len(await alice.blocks()) == 1
    await alice.unblock(uid(bob))
    await alice.unblock(uid(bob))
    assert await alice.blocks() == []
    await fails(alice.block(999_999), "user.not_found", 404)


async def test_contacts_and_blocks_reach_the_sync_state(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await alice.block(uid(carol))
    state = await alice.state()
    assert [c["user"]["id"] for c in state["contacts"]] == [uid(bob)]
    assert [u["id"] for u in state["blocks"]] == [uid(carol)]
    assert [r["status"] for r in state["requests"]] == ["accepted"]


async def test_a_contact_keeps_my_remark_and_description(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    await alice.set_remark(uid(bob), "Bobby")
    updated = await alice.set_remark(uid(bob), description="Met at the climbing gym")
    assert (updated["remark"], updated["description"]) == ("Bobby", "Met at the climbing gym")
    [mine] = await alice.contacts()
    assert (mine["remark"], mine["description"]) == ("Bobby", "Met at the climbing gym")
    [theirs] = await bob.contacts()
    assert (theirs["remark"], theirs["description"]) == ("", "")
    await fails(alice.set_remark(uid(bob), description="x" * 501), "invalid_input.too_large", 413)


async def test_the_remark_given_with_a_request_is_the_askers_alone_once_accepted(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    sent = await alice.request_contact(user_id=uid(bob), greeting="hi", remark=" Bob (gym) ")
    assert "remark" not in sent  # the request both sides see does not carry it
    assert [r.get("remark") for r in await bob.requests()] == [None]
    await bob.accept(sent["id"])
    assert [c["remark"] for c in await alice.contacts()] == ["Bob (gym)"]
    assert [c["remark"] for c in await bob.contacts()] == [""]
    # Asking back someone who asked first accepts, with the remark given on the way.
    await carol.request_contact(user_id=uid(alice), greeting="hello", remark="Ali")
    await alice.request_contact(user_id=uid(carol), remark="Carol C.")
    remarks = {c["user"]["id"]: c["remark"] for c in await alice.contacts()}
    assert remarks[uid(carol)] == "Carol C."
    assert [c["remark"] for c in await carol.contacts()] == ["Ali"]
    dave = await clients("dave")
    too_long = alice.request_contact(user_id=uid(dave), remark="x" * 65)
    await fails(too_long, "invalid_input.too_large", 413)
