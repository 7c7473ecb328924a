"""Access over REST: every conversation route refuses non-members and unknown ids, and
every authenticated route refuses a missing or revoked token.

The routes are read from the routers, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from microletter.client import Client
from microletter.gateway.api import Route
from microletter.gateway.routes import ROUTERS
from tests.conftest import MakeClient, befriend
from tests.support.rest import error_of, raw, uid

ROUTES = [route for router in ROUTERS for route in router.routes]
CONVERSATION_ROUTES = [r for r in ROUTES if "{cid}" in r.path]
AUTHENTICATED_ROUTES = [r for r in ROUTES if r.auth]
UNKNOWN_CID = 1  # ids are 53-bit snowflakes; 1 is never handed out


def test_every_conversation_route_is_checked() -> None:
    """The iteration below is not vacuous: it includes every route we know of."""
    expected = {
        ("GET", "/api/v1/conversations/{cid}"),
        ("PATCH", "/api/v1/conversations/{cid}"),
        ("GET", "/api/v1/conversations/{cid}/members"),
        ("POST", "/api/v1/conversations/{cid}/members"),
        ("DELETE", "/api/v1/conversations/{cid}/members/{user_id}"),
        ("PUT", "/api/v1/conversations/{cid}/members/{user_id}/role"),
        ("POST", "/api/v1/conversations/{cid}/owner"),
        ("PUT", "/api/v1/conversations/{cid}/mute"),
        ("GET", "/api/v1/conversations/{cid}/messages"),
        ("POST", "/api/v1/conversations/{cid}/messages"),
        ("GET", "/api/v1/conversations/{cid}/messages/{seq}"),
        ("POST", "/api/v1/conversations/{cid}/messages/{seq}/recall"),
        ("POST", "/api/v1/conversations/{cid}/read"),
    }
    assert expected <= {(r.method, r.path) for r in CONVERSATION_ROUTES}


def sample_body(route: Route, target: int) -> dict[str, Any] | None:
    """A body that passes validation, so that only the access check can refuse it."""
    if route.body is None:
        return None
    samples: dict[str, dict[str, Any]] = {
        "GroupPatch": {"name": "taken over", "announcement": "pwned"},
        "MembersBody": {"user_ids": [target]},
        "RoleBody": {"role": "admin"},
        "OwnerBody": {"user_id": target},
        "MuteBody": {"muted": True},
        "SendBody": {"client_msg_id": "intruder", "text": "hello from outside"},
        "ReadBody": {"seq": 1},
        "HideBody": {"seqs": [1]},
        "ChatBody": {"pinned": True},
        "InviteBody": {"approval": False},
        "DeleteChatBody": {"clear_history": True},
        "ForwardBody": {"client_msg_id": "intruder", "seqs": [1], "to": [target]},
    }
    return samples[route.body.__name__]


def concrete(route: Route, cid: int, user_id: int) -> str:
    path = route.path.replace("{cid}", str(cid)).replace("{user_id}", str(user_id))
    path = path.replace("{seq}", "1").replace("{invite_id}", "1").replace("{request_id}", "1")
    assert not re.search(r"\{\w+\}", path), path
    return path


async def attempt(client: Client, route: Route, cid: int, target: int) -> tuple[int, Any]:
    body = sample_body(route, target)
    return await raw(client, route.method, concrete(route, cid, target), json=body)


async def snapshot(client: Client, cid: int) -> Any:
    return (
        await client.conversation(cid),
        await client.members(cid),
        await client.history(cid),
    )


async def build_group(clients: MakeClient) -> tuple[Client, Client, int]:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    view = await alice.create_group("private", [uid(bob)])
    cid = int(view["conversation"]["id"])
    await alice.send_text(cid, "members only")
    return alice, bob, cid


@pytest.mark.parametrize("kind", ["group", "direct"])
async def test_a_stranger_is_refused_on_every_conversation_route(
    clients: MakeClient, kind: str
) -> None:
    alice, bob, group = await build_group(clients)
    cid = (
        group if kind == "group" else int((await alice.open_direct(uid(bob)))["conversation"]["id"])
    )
    mallory = await clients("mallory")
    await befriend(mallory, alice)  # a contact of the owner, still not a member
    before = await snapshot(alice, cid)
    for route in CONVERSATION_ROUTES:
        for target in (uid(bob), uid(mallory)):
            status, body = await attempt(mallory, route, cid, target)
            assert status == 403, (route.method, route.path, body)
            error = error_of(body, "conversation.not_member")
            assert error["details"]["conversation_id"] == cid
    assert await snapshot(alice, cid) == before
    assert cid not in [v["conversation"]["id"] for v in await mallory.conversations()]


async def test_a_former_member_is_refused_on_every_conversation_route(
    clients: MakeClient,
) -> None:
    alice, bob, cid = await build_group(clients)
    await alice.remove_member(cid, uid(bob))
    before = await snapshot(alice, cid)
    for route in CONVERSATION_ROUTES:
        for target in (uid(alice), uid(bob)):
            status, body = await attempt(bob, route, cid, target)
            assert status == 403, (route.method, route.path, body)
            error_of(body, "conversation.not_member")
    assert await snapshot(alice, cid) == before


async def test_an_unknown_conversation_is_not_found_on_every_route(clients: MakeClient) -> None:
    alice, bob, _ = await build_group(clients)
    for route in CONVERSATION_ROUTES:
        status, body = await attempt(alice, route, UNKNOWN_CID, uid(bob))
        assert status == 404, (route.method, route.path, body)
        error = error_of(body, "conversation.not_found")
        assert error["details"]["conversation_id"] == UNKNOWN_CID


async def test_every_authenticated_route_needs_a_token(clients: MakeClient) -> None:
    anon = await clients()
    for route in AUTHENTICATED_ROUTES:
        path = re.sub(r"\{\w+\}", "1", route.path)
        status, body = await raw(anon, route.method, path)
        assert status == 401, (route.method, route.path, body)
        error_of(body, "auth.required")


async def test_a_revoked_token_fails_on_every_authenticated_route(clients: MakeClient) -> None:
    alice, _, cid = await build_group(clients)
    token = alice.token
    await alice.logout()
    for route in AUTHENTICATED_ROUTES:
        path = route.path.replace("{cid}", str(cid))
        path = re.sub(r"\{username\}", "bob", path)
        path = re.sub(r"\{\w+\}", "1", path)
        status, body = await raw(alice, route.method, path, token=token)
        assert status == 401, (route.method, route.path, body)
        error_of(body, "auth.invalid_token")


async def test_nobody_sees_the_chats_or_contacts_of_others(clients: MakeClient) -> None:
    await build_group(clients)
    mallory = await clients("mallory")
    assert await mallory.conversations() == []
    assert await mallory.contacts() == []
    state = await mallory.state()
    assert (state["conversations"], state["contacts"], state["requests"]) == ([], [], [])
    assert (await mallory.changes(0))["events"] == []
    profile = await mallory.find_user("alice")
    assert set(profile) == {"id", "username", "display_name", "locale", "avatar", "created_at"}
