"""Privacy settings (issue 14): the ways others may add me, and read receipts; on both
backends."""

from __future__ import annotations

from tests.conftest import MakeClient, befriend
from tests.support.rest import fails, uid


async def test_a_way_of_adding_me_turned_off_is_refused(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(carol, bob)
    await befriend(carol, alice)
    assert (await bob.privacy())["add_by_username"] is True
    await bob.set_privacy(add_by_username=False)

    await fails(alice.request_contact(username="bob"), "contact.not_addable", 403)
    await fails(alice.request_contact(user_id=uid(bob)), "contact.not_addable", 403)
    # Someone who shares a group with bob may still ask him, unless that is off too.
    await carol.create_group("g", [uid(bob), uid(alice)])
    request = await alice.request_contact(user_id=uid(bob), via="group")
    assert request["status"] == "pending"
    await bob.set_privacy(add_by_group=False)
    await bob.decline(request["id"])
    dave = await clients("dave")
    await fails(dave.request_contact(user_id=uid(bob), via="group"), "contact.not_addable", 403)
    assert (await bob.privacy()) == {
        "add_by_username": False,
        "add_by_qr": True,
        "add_by_group": False,
        "add_by_card": True,
        "read_receipts": True,
    }


async def test_with_read_receipts_off_the_other_side_no_longer_learns_how_far_i_read(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    first = await alice.send_text(cid, "one")
    await bob.mark_read(cid, first["seq"])
    assert (await alice.conversation(cid))["peer_read_seq"] == first["seq"]

    await bob.set_privacy(read_receipts=False)
    cursor = (await alice.state())["cursor"]
    second = await alice.send_text(cid, "two")
    await bob.mark_read(cid, second["seq"])

    assert (await alice.conversation(cid))["peer_read_seq"] is None
    events = (await alice.changes(cursor))["events"]
    assert [e for e in events if e["kind"] == "read" and e["data"]["user_id"] == uid(bob)] == []
    assert (await bob.conversation(cid))["last_read_seq"] == second["seq"]  # his own devices
