"""Group invites (issue 14): a link valid 7 days that owners and admins make and revoke;
joining through it at once, or by a request they approve; on both backends."""

from __future__ import annotations

from microletter.app import Server
from microletter.client import Client
from microletter.core.invites import INVITE_MS
from tests.conftest import MakeClient, befriend
from tests.support.clock import Clock
from tests.support.rest import Json, fails, uid


async def test_a_stranger_joins_by_link_until_it_is_revoked(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    group = (await alice.create_group("hiking", [uid(bob)]))["conversation"]
    invite = await alice.create_invite(group["id"])
    assert invite["url"].endswith(f"/i/{invite['token']}")

    carol = await clients("carol")  # nobody's contact
    shown = await carol.invite(invite["token"])
    assert (shown["conversation"]["name"], shown["invite"]["token"]) == ("hiking", None)
    joined = await carol.join_invite(invite["token"])
    assert (joined["conversation_id"], joined["request"]) == (group["id"], None)
    assert uid(carol) in [m["user"]["id"] for m in await bob.members(group["id"])]
    notes = [m for m in await bob.history(group["id"]) if m["kind"] == "system"]
    assert notes[-1]["data"]["action"] == "member.joined"
    await fails(carol.join_invite(invite["token"]), "conversation.already_member", 409)

    await alice.revoke_invite(group["id"], invite["id"])
    dave = await clients("dave")
    await fails(dave.join_invite(invite["token"]), "conversation.invite_invalid", 404)
    await fails(dave.invite(invite["token"]), "conversation.invite_invalid", 404)
    # The link itself is a page of the web client (its router opens the invite).
    async with dave.session.get(invite["url"], allow_redirects=False) as opened:
        assert opened.status == 200 and opened.content_type == "text/html"
        assert b'<div id="app"' in await opened.read()


async def test_an_invite_expires_after_seven_days(server: Server, clients: MakeClient) -> None:
    clock = Clock(server)
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    group = (await alice.create_group("book club", [uid(bob)]))["conversation"]
    invite = await alice.create_invite(group["id"])
    clock.advance(INVITE_MS)
    await fails(
        (await clients("eve")).join_invite(invite["token"]), "conversation.invite_invalid", 404
    )


async def test_with_approval_a_manager_lets_them_in(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    cid = (await alice.create_group("team", [uid(bob)]))["conversation"]["id"]
    invite = await alice.create_invite(cid, approval=True)
    carol, dave = await clients("carol"), await clients("dave")

    waiting = await carol.join_invite(invite["token"])
    assert waiting["request"]["status"] == "pending"
    assert uid(carol) not in [m["user"]["id"] for m in await alice.members(cid)]
    await dave.join_invite(invite["token"])
    await fails(bob.join_requests(cid), "conversation.permission_denied", 403)  # a member
    requests = {r["user_id"]: r for r in await alice.join_requests(cid)}
    assert set(requests) == {uid(carol), uid(dave)}

    await alice.answer_join(cid, requests[uid(carol)]["id"], True)
    await alice.answer_join(cid, requests[uid(dave)]["id"], False)
    members = [m["user"]["id"] for m in await alice.members(cid)]
    assert uid(carol) in members and uid(dave) not in members
    assert await alice.join_requests(cid) == []
    await fails(
        alice.answer_join(cid, requests[uid(dave)]["id"], True),
        "conversation.join_request_not_found",
        404,
    )


async def test_a_join_request_is_a_note_for_the_managers_only(clients: MakeClient) -> None:
    alice, bob, cat = await clients("alice"), await clients("bob"), await clients("cat")
    await befriend(alice, bob)
    await befriend(alice, cat)
    cid = (await alice.create_group("team", [uid(bob), uid(cat)]))["conversation"]["id"]
    await alice.set_role(cid, uid(bob), "admin")
    invite = await alice.create_invite(cid, approval=True)
    dave = await clients("dave")
    before = [(await c.changes(0))["cursor"] for c in (alice, bob, cat)]
    request = (await dave.join_invite(invite["token"]))["request"]
    await dave.join_invite(invite["token"])  # asking again while it waits: no second note

    async def notes_of(person: Client) -> list[Json]:
        page = await person.call("GET", f"/api/v1/conversations/{cid}/messages")
        return [n["data"] for n in page["notes"]]

    for manager, cursor in ((alice, before[0]), (bob, before[1])):
        # In their history, and in their update log (what their devices are sent live).
        assert await notes_of(manager) == [
            {"action": "group.join_requested", "actor": uid(dave), "request_id": request["id"]}
        ]
        logged = (await manager.changes(cursor))["events"]
        assert [e["kind"] for e in logged] == ["note"]
    assert await notes_of(cat) == []  # a plain member hears nothing
    assert (await cat.changes(before[2]))["events"] == []


async def test_approval_turned_on_for_a_shared_link_applies_to_the_next_joiner(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    cid = (await alice.create_group("choir", [uid(bob)]))["conversation"]["id"]
    invite = await alice.create_invite(cid)
    changed = await alice.set_invite_approval(cid, invite["id"], True)
    assert (changed["id"], changed["approval"], changed["token"]) == (invite["id"], True, None)
    assert (await alice.invite(invite["token"]))["invite"]["approval"] is True

    carol = await clients("carol")
    assert (await carol.join_invite(invite["token"]))["request"]["status"] == "pending"
    await fails(
        bob.set_invite_approval(cid, invite["id"], False), "conversation.permission_denied", 403
    )
    await alice.set_invite_approval(cid, invite["id"], False)
    dave = await clients("dave")
    assert (await dave.join_invite(invite["token"]))["request"] is None

    await alice.revoke_invite(cid, invite["id"])
    await fails(
        alice.set_invite_approval(cid, invite["id"], True), "conversation.invite_invalid", 404
    )
    other = (await alice.create_group("other", [uid(bob)]))["conversation"]["id"]
    fresh = await alice.create_invite(other)
    await fails(
        alice.set_invite_approval(cid, fresh["id"], True), "conversation.invite_invalid", 404
    )


async def test_only_a_groups_managers_make_invites(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    direct = await befriend(alice, bob)
    cid = (await alice.create_group("g", [uid(bob)]))["conversation"]["id"]
    await fails(bob.create_invite(cid), "conversation.permission_denied", 403)
    await fails(alice.create_invite(direct), "invalid_input", 400)
    await fails((await clients("eve")).create_invite(cid), "conversation.not_member", 403)
