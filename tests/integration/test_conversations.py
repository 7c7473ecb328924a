"""Conversations over REST: groups with an owner, admins and members (rename, announce,
invite, remove, leave, transfer, roles, limits, mute) and direct conversations."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.support.rest import fails, uid

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True


async def group_of(owner: Client, *members: Client, name: str = "team") -> int:
    """Befriend the owner with each member, then create a group of them all."""
    for member in members:
        await befriend(owner, member)
    view = await owner.create_group(name, [uid(m) for m in members])
    return int(view["conversation"]["id"])


async def roles(client: Client, cid: int) -> dict[int, str]:
    return {m["user"]["id"]: m["role"] for m in await client.members(cid)}


async def last_note(client: Client, cid: int) -> dict[str, Any]:
    message = (await client.history(cid))[-1]
    assert message["kind"] == "system", message
    return dict(message["data"])


async def test_the_creator_of_a_group_is_its_owner(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol, name="  Weekend  ")
    view = await alice.conversation(cid)
    assert view["role"] == "owner"
    conversation = view["conversation"]
    assert conversation["kind"] == "group"
    assert conversation["name"] == "Weekend"
    assert conversation["owner_id"] == uid(alice)
    assert conversation["member_count"] == 3
    assert await roles(alice, cid) == {
        uid(alice): "owner",
        uid(bob): "member",
        uid(carol): "member",
    }
    assert (await bob.conversation(cid))["role"] == "member"
    assert cid in [v["conversation"]["id"] for v in await carol.conversations()]
    note = await last_note(bob, cid)
    assert note["action"] == "group.created"
    assert sorted(note["users"]) == sorted([uid(bob), uid(carol)])


async def test_a_group_can_only_include_contacts(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await fails(alice.create_group("g", [uid(bob), uid(carol)]), "contact.required", 403)
    await fails(alice.create_group("g", [uid(bob), 999_999]), "user.not_found", 404)
    assert [v["conversation"]["kind"] for v in await alice.conversations()] == ["direct"]
    assert await carol.conversations() == []


async def test_a_group_name_is_checked(clients: MakeClient) -> None:
    alice = await clients("alice")
    await fails(alice.create_group("x" * 65, []), "invalid_input.too_large", 413)
    await fails(alice.create_group("tab\there", []), "invalid_input", 400)
    assert await alice.conversations() == []


async def test_the_owner_renames_and_announces(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    renamed = await alice.update_group(cid, name="Renamed")
    assert renamed["conversation"]["name"] == "Renamed"
    assert (await last_note(bob, cid))["action"] == "group.renamed"
    announced = await alice.update_group(cid, announcement="Meet at 9")
    assert announced["conversation"]["announcement"] == "Meet at 9"
    assert (await bob.conversation(cid))["conversation"]["announcement"] == "Meet at 9"
    assert (await last_note(bob, cid))["action"] == "announcement.set"


async def test_an_admin_renames_and_announces(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    await alice.set_role(cid, uid(bob), "admin")
    view = await bob.update_group(cid, name="By bob", announcement="Hello")
    assert (view["conversation"]["name"], view["conversation"]["announcement"]) == (
        "By bob",
        "Hello",
    )


async def test_a_plain_member_cannot_rename_or_announce(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob, name="Original")
    await fails(bob.update_group(cid, name="Mine"), "conversation.permission_denied", 403)
    await fails(bob.update_group(cid, announcement="Hi"), "conversation.permission_denied", 403)
    conversation = (await alice.conversation(cid))["conversation"]
    assert (conversation["name"], conversation["announcement"]) == ("Original", "")


async def test_a_group_update_needs_something_to_change(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    await fails(alice.update_group(cid), "invalid_input", 400)
    await fails(alice.update_group(cid, announcement="x" * 2049), "invalid_input.too_large", 413)


async def test_group_operations_refuse_a_direct_conversation(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await befriend(alice, bob)
    await befriend(alice, carol)
    await fails(alice.update_group(cid, name="x"), "invalid_input", 400)
    await fails(alice.add_members(cid, [uid(carol)]), "invalid_input", 400)
    await fails(alice.remove_member(cid, uid(bob)), "invalid_input", 400)
    await fails(alice.leave(cid), "invalid_input", 400)
    await fails(alice.set_role(cid, uid(bob), "admin"), "invalid_input", 400)
    assert (await bob.conversation(cid))["conversation"]["member_count"] == 2


async def test_members_invite_their_own_contacts(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    carol, dave = await clients("carol"), await clients("dave")
    cid = await group_of(alice, bob)
    await befriend(alice, carol)
    view = await alice.add_members(cid, [uid(carol)])
    assert view["conversation"]["member_count"] == 3
    note = await last_note(carol, cid)
    assert (note["action"], note["users"]) == ("members.added", [uid(carol)])
    await befriend(bob, dave)
    await bob.add_members(cid, [uid(dave)])
    assert set(await roles(alice, cid)) == {uid(alice), uid(bob), uid(carol), uid(dave)}


async def test_inviting_needs_contacts_who_are_not_members_yet(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    await fails(alice.add_members(cid, [uid(bob)]), "conversation.already_member", 409)
    await fails(alice.add_members(cid, [uid(carol)]), "contact.required", 403)
    await fails(alice.add_members(cid, []), "invalid_input", 400)
    assert (await alice.conversation(cid))["conversation"]["member_count"] == 2


async def test_the_owner_removes_anyone(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    await alice.set_role(cid, uid(bob), "admin")
    await alice.remove_member(cid, uid(bob))
    await alice.remove_member(cid, uid(carol))
    assert await roles(alice, cid) == {uid(alice): "owner"}
    await fails(bob.history(cid), "conversation.not_member", 403)
    assert cid not in [v["conversation"]["id"] for v in await carol.conversations()]
    note = await last_note(alice, cid)
    assert (note["action"], note["users"]) == ("member.removed", [uid(carol)])


async def test_a_removed_member_learns_who_removed_them(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    cursor = (await bob.state())["cursor"]
    await alice.remove_member(cid, uid(bob))
    events = (await bob.changes(cursor))["events"]
    assert [e["kind"] for e in events] == ["message", "left"]
    assert events[1]["data"] == {"conversation_id": cid, "removed_by": uid(alice)}


async def test_an_admin_removes_only_plain_members(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    carol, dave = await clients("carol"), await clients("dave")
    cid = await group_of(alice, bob, carol, dave)
    await alice.set_role(cid, uid(bob), "admin")
    await alice.set_role(cid, uid(dave), "admin")
    await bob.remove_member(cid, uid(carol))
    await fails(bob.remove_member(cid, uid(dave)), "conversation.permission_denied", 403)
    await fails(bob.remove_member(cid, uid(alice)), "conversation.permission_denied", 403)
    assert await roles(alice, cid) == {uid(alice): "owner", uid(bob): "admin", uid(dave): "admin"}


async def test_a_plain_member_removes_nobody(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    await fails(bob.remove_member(cid, uid(carol)), "conversation.permission_denied", 403)
    await fails(bob.remove_member(cid, uid(alice)), "conversation.permission_denied", 403)
    assert len(await roles(alice, cid)) == 3


async def test_removing_a_non_member_is_refused(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    error = await fails(alice.remove_member(cid, uid(carol)), "conversation.member_not_found", 404)
    assert error.details["user_id"] == uid(carol)


async def test_leaving_takes_you_out_of_the_group(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    await carol.leave(cid)
    assert cid not in [v["conversation"]["id"] for v in await carol.conversations()]
    await fails(carol.history(cid), "conversation.not_member", 403)
    await fails(carol.send_text(cid, "hi"), "conversation.not_member", 403)
    note = await last_note(alice, cid)
    assert (note["action"], note["actor"]) == ("member.left", uid(carol))
    assert (await alice.conversation(cid))["conversation"]["member_count"] == 2


async def test_an_owner_who_leaves_hands_the_group_to_the_longest_standing_admin(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    carol, dave = await clients("carol"), await clients("dave")
    cid = await group_of(alice, bob)
    await befriend(alice, carol)
    await alice.add_members(cid, [uid(carol)])
    await befriend(alice, dave)
    await alice.add_members(cid, [uid(dave)])
    await alice.set_role(cid, uid(dave), "admin")
    await alice.set_role(cid, uid(carol), "admin")
    await alice.leave(cid)
    assert await roles(bob, cid) == {uid(bob): "member", uid(carol): "owner", uid(dave): "admin"}
    assert (await bob.conversation(cid))["conversation"]["owner_id"] == uid(carol)
    assert (await last_note(bob, cid))["owner"] == uid(carol)
    await carol.set_role(cid, uid(bob), "admin")


async def test_an_owner_who_leaves_without_admins_hands_the_group_to_the_oldest_member(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    await befriend(alice, carol)
    await alice.add_members(cid, [uid(carol)])
    await alice.leave(cid)
    assert await roles(carol, cid) == {uid(bob): "owner", uid(carol): "member"}
    assert (await bob.update_group(cid, name="Bob's"))["conversation"]["name"] == "Bob's"


async def test_the_owner_transfers_ownership(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    view = await alice.transfer_owner(cid, uid(bob))
    assert view["role"] == "member"
    assert view["conversation"]["owner_id"] == uid(bob)
    assert await roles(alice, cid) == {uid(alice): "member", uid(bob): "owner"}
    await fails(alice.update_group(cid, name="mine"), "conversation.permission_denied", 403)
    await bob.set_role(cid, uid(alice), "admin")
    assert (await last_note(alice, cid))["action"] == "admin.added"


async def test_only_the_owner_transfers_and_only_to_another_member(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    await alice.set_role(cid, uid(bob), "admin")
    await fails(bob.transfer_owner(cid, uid(bob)), "conversation.permission_denied", 403)
    await fails(alice.transfer_owner(cid, uid(carol)), "conversation.member_not_found", 404)
    await fails(alice.transfer_owner(cid, uid(alice)), "invalid_input", 400)
    assert (await alice.conversation(cid))["conversation"]["owner_id"] == uid(alice)


async def test_the_owner_appoints_and_dismisses_admins(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    await alice.set_role(cid, uid(bob), "admin")
    assert (await bob.conversation(cid))["role"] == "admin"
    note = await last_note(carol, cid)
    assert (note["action"], note["users"]) == ("admin.added", [uid(bob)])
    await bob.update_group(cid, name="admin was here")
    await alice.set_role(cid, uid(bob), "member")
    assert (await last_note(carol, cid))["action"] == "admin.removed"
    await fails(bob.update_group(cid, name="again"), "conversation.permission_denied", 403)
    assert await roles(alice, cid) == {
        uid(alice): "owner",
        uid(bob): "member",
        uid(carol): "member",
    }


async def test_only_the_owner_appoints_admins(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    await alice.set_role(cid, uid(bob), "admin")
    await fails(bob.set_role(cid, uid(carol), "admin"), "conversation.permission_denied", 403)
    await fails(carol.set_role(cid, uid(carol), "admin"), "conversation.permission_denied", 403)
    await fails(alice.set_role(cid, uid(bob), "owner"), "invalid_input", 400)
    await fails(alice.set_role(cid, uid(alice), "member"), "invalid_input", 400)
    assert await roles(alice, cid) == {uid(alice): "owner", uid(bob): "admin", uid(carol): "member"}


@pytest.mark.settings(max_group_members=3)
async def test_a_group_cannot_grow_past_the_member_limit(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    carol, dave = await clients("carol"), await clients("dave")
    for friend in (bob, carol, dave):
        await befriend(alice, friend)
    error = await fails(
        alice.create_group("big", [uid(bob), uid(carol), uid(dave)]), "conversation.full", 409
    )
    assert error.details["max_members"] == 3
    cid = (await alice.create_group("full", [uid(bob), uid(carol)]))["conversation"]["id"]
    await fails(alice.add_members(cid, [uid(dave)]), "conversation.full", 409)
    await carol.leave(cid)
    assert (await alice.add_members(cid, [uid(dave)]))["conversation"]["member_count"] == 3


async def test_muting_is_personal(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    assert (await alice.mute(cid))["muted"] is True
    assert [v["muted"] for v in await alice.conversations() if v["conversation"]["id"] == cid] == [
        True
    ]
    assert (await bob.conversation(cid))["muted"] is False
    assert (await alice.mute(cid, muted=False))["muted"] is False
    assert (await alice.conversation(cid))["muted"] is False


async def test_members_are_listed_with_roles_and_read_positions(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    sent = await alice.send_text(cid, "hello")
    members = {m["user"]["username"]: m for m in await bob.members(cid)}
    assert set(members) == {"alice", "bob"}
    assert members["alice"]["role"] == "owner"
    assert members["alice"]["user"]["id"] == uid(alice)
    assert members["alice"]["last_read_seq"] == sent["seq"]
    assert members["bob"]["last_read_seq"] < sent["seq"]
    assert members["bob"]["joined_seq"] == 1


async def test_new_members_do_not_see_history_from_before_they_joined(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    secret = await alice.send_text(cid, "before carol")
    await befriend(alice, carol)
    await alice.add_members(cid, [uid(carol)])
    after = await bob.send_text(cid, "after carol")
    seen = await carol.history(cid)
    assert "before carol" not in [m["text"] for m in seen]
    assert [m["text"] for m in seen] == [None, "after carol"]
    assert seen[0]["data"]["action"] == "members.added"
    assert (await carol.history(cid, after=0))[0]["seq"] == seen[0]["seq"]
    assert await carol.history(cid, before=seen[0]["seq"]) == []
    await fails(
        carol.call("GET", f"/api/v1/conversations/{cid}/messages/{secret['seq']}"),
        "message.not_found",
        404,
    )
    await fails(carol.send_text(cid, "re", reply_to=secret["seq"]), "message.not_found", 404)
    assert (await carol.send_text(cid, "re", reply_to=after["seq"]))["reply_to"] == after["seq"]
    assert "before carol" in [m["text"] for m in await bob.history(cid)]


async def test_the_direct_conversation_is_one_per_pair(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await befriend(alice, bob)
    assert (await bob.open_direct(uid(alice)))["conversation"]["id"] == cid
    view = await alice.open_direct(uid(bob))
    assert view["peer"]["id"] == uid(bob)
    assert view["role"] == "member"
    await fails(alice.open_direct(uid(carol)), "contact.required", 403)
    assert len(await alice.conversations()) == 1


async def test_the_chat_list_shows_the_newest_activity_first(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    first = await group_of(alice, bob, name="first")
    second = (await alice.create_group("second", [uid(bob)]))["conversation"]["id"]
    direct = await alice.open_direct(uid(bob))
    order = [v["conversation"]["id"] for v in await bob.conversations()]
    assert order[:2] == [second, first]
    await alice.send_text(first, "bump")
    order = [v["conversation"]["id"] for v in await bob.conversations()]
    assert order[0] == first
    assert direct["conversation"]["id"] in order


async def test_your_own_group_actions_leave_you_nothing_unread(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    await befriend(alice, carol)
    assert (await alice.conversation(cid))["unread"] == 0
    assert (await alice.update_group(cid, name="renamed"))["unread"] == 0
    assert (await alice.add_members(cid, [uid(carol)]))["unread"] == 0
    assert (await alice.set_role(cid, uid(bob), "admin"))["unread"] == 0
    assert (await bob.conversation(cid))["unread"] == 4  # created, renamed, added, appointed
    assert (await carol.conversation(cid))["unread"] == 2  # added, appointed
    await bob.update_group(cid, announcement="hello")
    assert (await bob.conversation(cid))["unread"] == 0  # acting reads what came before
    await carol.leave(cid)
    assert (await alice.conversation(cid))["unread"] == 2  # bob's announcement, carol left


async def test_a_new_direct_conversation_tells_each_side_its_peer_and_position(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    before = (await bob.state())["cursor"]
    cid = await befriend(alice, bob)
    events = (await bob.changes(before))["events"]
    (update,) = [e["data"] for e in events if e["kind"] == "conversation"]
    assert update["conversation"]["id"] == cid
    assert update["peer"]["id"] == uid(alice) and update["last_read_seq"] == 1
    view = await bob.conversation(cid)
    assert view["unread"] == 0 and view["peer_read_seq"] == 1
    await bob.send_text(cid, "hi")
    await alice.mark_read(cid, 2)
    assert (await bob.conversation(cid))["peer_read_seq"] == 2
