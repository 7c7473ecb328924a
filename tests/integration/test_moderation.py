"""Moderation over REST: operators (MICROLETTER_OPERATORS) look users up, suspend and
unsuspend them; a suspension closes the user's sockets and refuses their log-ins."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from microletter.app import Server
from microletter.client import ApiError
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.integration.test_realtime import bye, closed_with, connect, hello, until
from tests.support.platform import new_account
from tests.support.rest import error_of, fails, raw, uid

operators = pytest.mark.settings(operators=("root", "chief"))


@operators
async def test_a_suspension_closes_the_users_socket_and_refuses_their_log_in(
    clients: MakeClient, server: Server
) -> None:
    root, bob = await clients("root"), await clients("bob")
    ws = await connect(server)
    await hello(ws, bob)
    await until(ws, "synced")

    standing = await root.suspend(uid(bob), "spam in every group")
    assert standing["user"]["username"] == "bob"
    assert standing["suspension"]["reason"] == "spam in every group"
    assert await closed_with(ws) == 4001
    await bye(ws)

    await fails(bob.me(), "auth.invalid_token", 401)
    stranger = await clients()
    error = await fails(stranger.login("bob", PASSWORD), "account.suspended", 403)
    assert error.details["suspended_at"] == standing["suspension"]["at"]
    assert "spam" not in error.message  # the reason is for the operators
    # A wrong password still says only that: the suspension is no oracle for guessers.
    await fails(stranger.login("bob", "not his password"), "auth.bad_credentials", 401)


@operators
async def test_every_device_of_a_suspended_user_is_logged_out(clients: MakeClient) -> None:
    root, bob, phone = await clients("root"), await clients("bob"), await clients()
    await phone.login("bob", PASSWORD)
    await root.suspend(uid(bob), "abuse")
    for device in (bob, phone):
        await fails(device.me(), "auth.invalid_token", 401)
        await fails(device.conversations(), "auth.invalid_token", 401)


@operators
async def test_unsuspending_lets_the_user_log_in_again_with_history_intact(
    clients: MakeClient,
) -> None:
    root, alice, bob = await clients("root"), await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await bob.send_text(cid, "before")
    await root.suspend(uid(bob), "cooling off")
    await alice.send_text(cid, "while away")
    looked_up = await root.admin_user("bob")
    assert looked_up["suspension"]["reason"] == "cooling off"

    lifted = await root.unsuspend(uid(bob))
    assert lifted["suspension"] is None
    assert (await root.admin_user(user_id=uid(bob)))["suspension"] is None
    again = await clients()
    await again.login("bob", PASSWORD)
    texts = [m["text"] for m in await again.history(cid) if m["kind"] == "text"]
    assert texts == ["before", "while away"]  # messages and membership stayed


@operators
async def test_suspending_again_replaces_the_reason_and_keeps_the_time(
    clients: MakeClient,
) -> None:
    root, bob = await clients("root"), await clients("bob")
    first = await root.suspend(uid(bob), "first")
    second = await root.suspend(uid(bob), "second")
    assert second["suspension"] == {"at": first["suspension"]["at"], "reason": "second"}


@operators
async def test_lookup_shows_operators_and_suspended_state(clients: MakeClient) -> None:
    root, bob = await clients("root"), await clients("bob")
    await clients("chief")
    chief = await root.admin_user("chief")
    assert (chief["operator"], chief["suspension"]) == (True, None)
    by_id = await root.admin_user(user_id=uid(bob))
    assert by_id["user"]["username"] == "bob"
    assert (by_id["operator"], by_id["suspension"]) == (False, None)


@operators
async def test_the_start_up_state_tells_operators_that_they_are_one(clients: MakeClient) -> None:
    root, bob = await clients("root"), await clients("bob")
    assert (await root.state())["operator"] is True
    assert (await bob.state())["operator"] is False


async def test_without_operators_configured_the_state_names_nobody_operator(
    clients: MakeClient,
) -> None:
    root = await clients("root")
    assert (await root.state())["operator"] is False


@operators
async def test_someone_who_is_not_an_operator_gets_403(clients: MakeClient) -> None:
    await clients("root")
    mallory, bob = await clients("mallory"), await clients("bob")
    await fails(mallory.admin_user("bob"), "admin.not_operator", 403)
    await fails(mallory.suspend(uid(bob), "mine"), "admin.not_operator", 403)
    await fails(mallory.unsuspend(uid(bob)), "admin.not_operator", 403)
    assert (await bob.me())["username"] == "bob"


async def test_without_operators_configured_nobody_may_moderate(clients: MakeClient) -> None:
    root, bob = await clients("root"), await clients("bob")
    await fails(root.suspend(uid(bob), "no"), "admin.not_operator", 403)
    assert (await bob.me())["username"] == "bob"


@operators
async def test_operators_cannot_be_suspended_not_even_by_themselves(
    clients: MakeClient,
) -> None:
    root, chief = await clients("root"), await clients("chief")
    error = await fails(root.suspend(uid(chief), "coup"), "admin.operator_protected", 403)
    assert error.details["username"] == "chief"
    await fails(root.suspend(uid(root), "oops"), "admin.operator_protected", 403)
    assert (await chief.me())["username"] == "chief"
    assert (await root.me())["username"] == "root"


@operators
async def test_an_unknown_user_is_404(clients: MakeClient) -> None:
    root = await clients("root")
    await fails(root.admin_user("nobody"), "user.not_found", 404)
    await fails(root.admin_user(user_id=999_999), "user.not_found", 404)
    await fails(root.suspend(999_999, "ghost"), "user.not_found", 404)
    await fails(root.unsuspend(999_999), "user.not_found", 404)


@operators
async def test_a_bad_reason_is_refused_and_suspends_nobody(clients: MakeClient) -> None:
    root, bob = await clients("root"), await clients("bob")
    error = await fails(root.suspend(uid(bob), "x" * 501), "invalid_input.too_large", 413)
    assert (error.details["field"], error.details["max_length"]) == ("reason", 500)
    await fails(root.suspend(uid(bob), "   "), "invalid_input", 400)
    await fails(root.suspend(uid(bob), "bell\x07"), "invalid_input", 400)
    path = f"/api/v1/admin/users/{uid(bob)}/suspension"
    for body in ({"reason": 42}, {}, {"reason": "ok", "extra": 1}, ["reason"]):
        status, reply = await raw(root, "PUT", path, json=body)
        assert status == 400, (body, reply)
        error_of(reply, "invalid_input")
    status, reply = await raw(root, "PUT", "/api/v1/admin/users/bob/suspension", json={})
    assert status == 400
    error_of(reply, "invalid_input")
    assert (await root.admin_user("bob"))["suspension"] is None
    assert (await bob.me())["username"] == "bob"


@operators
async def test_the_admin_routes_are_in_the_openapi_document(clients: MakeClient) -> None:
    root = await clients("root")
    status, spec = await raw(root, "GET", "/openapi.json")
    assert status == 200
    paths = spec["paths"]
    assert set(paths["/api/v1/admin/users/{user_id}/suspension"]) == {"put", "delete"}
    assert "get" in paths["/api/v1/admin/users/{username}"]
    assert "403" in paths["/api/v1/admin/users/{user_id}/suspension"]["put"]["responses"]


@operators
async def test_no_log_in_racing_a_suspension_keeps_a_working_token(clients: MakeClient) -> None:
    root, bob = await clients("root"), await clients("bob")
    devices = [await clients() for _ in range(8)]
    logins = [asyncio.create_task(d.login("bob", PASSWORD)) for d in devices]
    await asyncio.sleep(0)
    await root.suspend(uid(bob), "raced")
    outcomes = await asyncio.gather(*logins, return_exceptions=True)
    for device, outcome in zip(devices, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            assert isinstance(outcome, ApiError) and outcome.code == "account.suspended", outcome
        else:  # it committed before the suspension, which deleted it
            await fails(device.me(), "auth.invalid_token", 401)
    await fails(bob.me(), "auth.invalid_token", 401)


@operators
async def test_a_suspended_developers_official_accounts_lose_their_api_until_it_is_lifted(
    clients: MakeClient, server: Server
) -> None:
    root, dev = await clients("root"), await clients("dev")
    made = await new_account(dev, "Spam Daily")
    appid, secret = made["account"]["appid"], made["appsecret"]
    credentials = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    async with aiohttp.ClientSession() as http:

        async def cgi(path: str, **query: str) -> dict[str, Any]:
            async with http.get(f"{server.url}/cgi-bin/{path}", params=query) as response:
                assert response.status == 200  # the protocol's errors ride in the body
                body: dict[str, Any] = await response.json(content_type=None)
                return body

        token = (await cgi("token", **credentials))["access_token"]
        assert (await cgi("user/get", access_token=token)).get("errcode", 0) == 0

        await root.suspend(uid(dev), "a spam bot")
        # 50002 "user limited", which SDKs do not answer with a token refresh.
        assert (await cgi("user/get", access_token=token))["errcode"] == 50002
        assert (await cgi("token", **credentials))["errcode"] == 50002

        await root.unsuspend(uid(dev))
        assert (await cgi("user/get", access_token=token)).get("errcode", 0) == 0
        assert "access_token" in await cgi("token", **credentials)
