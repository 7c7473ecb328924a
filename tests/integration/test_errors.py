"""The one error shape on every failure path: bad bodies, bad paths, bad queries, missing
auth, unknown routes and rate limits all answer {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.rest import error_of, raw

REGISTER = "/api/v1/accounts"


@pytest.mark.parametrize(
    "data",
    ['{"username": "alice", ', "not json", f'{{"username": "alice", "password": "{PASSWORD}"}} x'],
)
async def test_malformed_json_is_refused(clients: MakeClient, data: str) -> None:
    anon = await clients()
    status, body = await raw(anon, "POST", REGISTER, data=data)
    assert status == 400
    error_of(body, "invalid_input.malformed")


async def test_malformed_json_is_refused_on_an_authenticated_route(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    status, body = await raw(alice, "POST", f"/api/v1/conversations/{cid}/messages", data="{")
    assert status == 400
    error_of(body, "invalid_input.malformed")
    assert len(await alice.history(cid)) == 1  # only the note of the accepted request


async def test_a_missing_body_is_refused(clients: MakeClient) -> None:
    alice = await clients("alice")
    status, body = await raw(alice, "PATCH", "/api/v1/me")
    assert status == 400
    error_of(body, "invalid_input.malformed")


@pytest.mark.parametrize(
    "payload",
    [
        {"username": 5, "password": PASSWORD},
        {"username": "alice", "password": None},
        {"username": ["alice"], "password": PASSWORD},
        ["alice", PASSWORD],
        "alice",
        1,
    ],
)
async def test_wrong_types_are_refused(clients: MakeClient, payload: object) -> None:
    anon = await clients()
    status, body = await raw(anon, "POST", REGISTER, json=payload)
    assert status == 400
    error_of(body, "invalid_input")


async def test_wrong_types_are_refused_on_authenticated_routes(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    cases = [
        ("POST", f"/api/v1/conversations/{cid}/messages", {"client_msg_id": "a", "text": 5}),
        ("PUT", f"/api/v1/conversations/{cid}/mute", {"muted": "yes"}),
        ("POST", f"/api/v1/conversations/{cid}/read", {"seq": -1}),
        ("POST", "/api/v1/conversations", {"name": "g", "member_ids": [0]}),
        ("POST", "/api/v1/contact-requests", {"user_id": "bob"}),
    ]
    for method, path, payload in cases:
        status, body = await raw(alice, method, path, json=payload)
        assert status == 400, path
        error_of(body, "invalid_input")
    assert not (await alice.conversation(cid))["muted"]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", REGISTER, {"username": "eve", "password": PASSWORD, "is_admin": True}),
        ("PATCH", "/api/v1/me", {"display_name": "Eve", "is_admin": True}),
    ],
)
async def test_unknown_fields_are_refused(
    clients: MakeClient, method: str, path: str, payload: dict[str, object]
) -> None:
    alice = await clients("alice")
    status, body = await raw(alice, method, path, json=payload)
    assert status == 400
    error = error_of(body, "invalid_input")
    assert "is_admin" in error["message"]


async def test_unknown_query_parameters_are_refused(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    for query in ("?sort=desc", "?limit=abc", "?limit=0", "?limit=101", "?before=-1"):
        status, body = await raw(alice, "GET", f"/api/v1/conversations/{cid}/messages{query}")
        assert status == 400, query
        error_of(body, "invalid_input")
    status, body = await raw(alice, "GET", "/api/v1/sync/changes")
    assert status == 400
    assert "after" in error_of(body, "invalid_input")["message"]


async def test_an_oversize_body_is_refused(clients: MakeClient) -> None:
    anon = await clients()
    padding = "a" * (256 * 1024)
    data = f'{{"username": "alice", "password": "{PASSWORD}", "display_name": "{padding}"}}'
    status, body = await raw(anon, "POST", REGISTER, data=data)
    assert status == 413
    error_of(body, "invalid_input.too_large")
    assert (await raw(anon, "GET", "/api/v1/users/alice"))[0] == 401


async def test_an_oversize_body_is_refused_on_an_authenticated_route(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    payload = {"client_msg_id": "big", "text": "a" * (300 * 1024)}
    status, body = await raw(alice, "POST", f"/api/v1/conversations/{cid}/messages", json=payload)
    assert status == 413
    error_of(body, "invalid_input.too_large")
    assert [m["client_msg_id"] for m in await alice.history(cid)][-1] != "big"


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v2/me", "/api/v1/me/nope"])
async def test_an_unknown_route_is_not_found_in_the_error_shape(
    clients: MakeClient, path: str
) -> None:
    alice = await clients("alice")
    status, body = await raw(alice, "GET", path)
    assert status == 404
    error_of(body, "not_found")


async def test_a_wrong_method_is_refused_in_the_error_shape(clients: MakeClient) -> None:
    alice = await clients("alice")
    for method, path in [("PUT", "/api/v1/me"), ("DELETE", "/api/v1/conversations")]:
        status, body = await raw(alice, method, path, json={})
        assert status == 405, path
        assert error_of(body, "invalid_input")["details"] == {}


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "1e3", "9" * 17, "%20"])
async def test_a_bad_path_id_is_refused(clients: MakeClient, bad: str) -> None:
    alice = await clients("alice")
    status, body = await raw(alice, "GET", f"/api/v1/conversations/{bad}")
    assert status == 400
    assert error_of(body, "invalid_input")["details"]["field"] == "cid"


async def test_every_path_id_is_checked(clients: MakeClient) -> None:
    alice = await clients("alice")
    cases = [
        ("GET", "/api/v1/conversations/1/messages/abc", "seq"),
        ("DELETE", "/api/v1/conversations/1/members/abc", "user_id"),
        ("DELETE", "/api/v1/me/devices/abc", "device_id"),
        ("POST", "/api/v1/contact-requests/abc/accept", "request_id"),
        ("GET", "/api/v1/users/by-id/abc", "user_id"),
    ]
    for method, path, field in cases:
        status, body = await raw(alice, method, path)
        assert status == 400, path
        assert error_of(body, "invalid_input")["details"]["field"] == field


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic YWxpY2U6cGFzcw==", "mlt_token"]
)
async def test_a_missing_authorization_needs_a_login(
    clients: MakeClient, header: str | None
) -> None:
    anon = await clients()
    headers = {} if header is None else {"Authorization": header}
    status, body = await raw(anon, "GET", "/api/v1/me", headers=headers)
    assert status == 401
    error_of(body, "auth.required")


@pytest.mark.parametrize("token", ["garbage", "mlt_unknown", "mlt_" + "x" * 200])
async def test_an_unknown_token_is_invalid(clients: MakeClient, token: str) -> None:
    anon = await clients()
    status, body = await raw(anon, "GET", "/api/v1/me", token=token)
    assert status == 401
    error_of(body, "auth.invalid_token")


async def test_errors_are_json_and_carry_the_request_id(clients: MakeClient) -> None:
    anon = await clients()
    url = anon.base_url + "/api/v1/me"
    async with anon.session.get(url, headers={"X-Request-Id": "req-123"}) as response:
        assert response.status == 401
        assert response.content_type == "application/json"
        assert response.headers["X-Request-Id"] == "req-123"
    async with anon.session.get(url) as response:
        assert len(response.headers["X-Request-Id"]) == 16


@pytest.mark.settings(rate_user="2/minute")
async def test_too_many_requests_are_rate_limited_per_user(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    for _ in range(2):
        assert (await raw(alice, "GET", "/api/v1/sync/state"))[0] == 200
    status, body = await raw(alice, "GET", "/api/v1/sync/state")
    assert status == 429
    details = error_of(body, "rate_limited")["details"]
    assert details["scope"] == "user"
    assert 0 < details["retry_after_seconds"] <= 60
    assert (await raw(bob, "GET", "/api/v1/sync/state"))[0] == 200


@pytest.mark.settings(rate_ip="4/minute")
async def test_too_many_requests_from_one_address_are_rate_limited(server: Server) -> None:
    async with Client(server.url) as anon:
        for _ in range(4):
            assert (await raw(anon, "GET", "/api/v1/me"))[0] == 401
        status, body = await raw(anon, "GET", "/api/v1/me")
        assert status == 429
        details = error_of(body, "rate_limited")["details"]
        assert details["scope"] == "ip"
        assert details["retry_after_seconds"] > 0
        assert (await raw(anon, "GET", "/healthz"))[0] == 200


@pytest.mark.settings(rate_auth_ip="2/minute")
async def test_registrations_and_logins_are_rate_limited_per_address(
    clients: MakeClient,
) -> None:
    await clients("alice")
    other = await clients()
    await other.login("alice", PASSWORD)
    status, body = await raw(
        other, "POST", "/api/v1/sessions", json={"username": "alice", "password": PASSWORD}
    )
    assert status == 429
    assert error_of(body, "rate_limited")["details"]["scope"] == "auth"


@pytest.mark.settings(rate_auth_ip="2/minute", trust_proxy=True)
async def test_behind_a_proxy_the_address_it_appended_counts_not_what_the_client_claims(
    clients: MakeClient,
) -> None:
    await clients("alice")
    other = await clients()
    login = {"username": "alice", "password": PASSWORD}

    async def log_in(forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        return (await raw(other, "POST", "/api/v1/sessions", json=login, headers=headers))[0]

    # The client makes up a new first address each time; the proxy appends 203.0.113.7.
    assert await log_in("10.0.0.1, 203.0.113.7") == 201
    assert await log_in("10.0.0.2, 203.0.113.7") == 201
    assert await log_in("10.0.0.3, 203.0.113.7") == 429
    assert (
        await log_in("203.0.113.8") == 201
    )  # another client behind the same proxy  # another client behind the same proxy
