"""Accounts over REST: register, log in and out, devices, profile, lookup, and the
service routes (health, OpenAPI, docs, metrics)."""

from __future__ import annotations

import asyncio
import re

import pytest

from microletter.app import Server
from microletter.client import Client
from microletter.gateway.routes import ROUTERS
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.rest import error_of, fails, raw


@pytest.mark.parametrize("username", ["abc", "a" * 32, "user_42", "___"])
async def test_a_valid_username_registers(clients: MakeClient, username: str) -> None:
    client = await clients()
    reply = await client.register(username, PASSWORD)
    assert reply["user"]["username"] == username
    assert reply["token"].startswith("mlt_")
    assert (await client.me())["id"] == reply["user"]["id"]


@pytest.mark.parametrize(
    "username", ["ab", "a" * 33, "Alice", "al ice", "al-ice", "al.ice", "ålice", ""]
)
async def test_an_invalid_username_is_refused(clients: MakeClient, username: str) -> None:
    client = await clients()
    error = await fails(client.register(username, PASSWORD), "user.username_invalid", 400)
    assert error.details["username"] == username


async def test_a_password_needs_eight_characters(clients: MakeClient) -> None:
    client = await clients()
    error = await fails(client.register("alice", "1234567"), "user.password_too_weak", 400)
    assert error.details["min_length"] == 8
    await client.register("alice", "12345678")


async def test_a_taken_username_cannot_register_again(clients: MakeClient) -> None:
    await clients("alice")
    other = await clients()
    error = await fails(other.register("alice", "another password"), "user.username_taken", 409)
    assert error.details["username"] == "alice"


async def test_registration_sets_display_name_and_defaults_it_to_the_username(
    clients: MakeClient,
) -> None:
    named = await clients()
    await named.register("alice", PASSWORD, display_name="  Alice Liddell ")
    assert (await named.me())["display_name"] == "Alice Liddell"
    plain = await clients("bob")
    assert (await plain.me())["display_name"] == "bob"


async def test_each_login_is_a_new_device_with_its_own_token(clients: MakeClient) -> None:
    alice = await clients("alice")
    phone, laptop = await clients(), await clients()
    first = await phone.login("alice", PASSWORD, device_name="phone")
    second = await laptop.login("alice", PASSWORD, device_name="laptop")
    assert len({alice.token, first["token"], second["token"]}) == 3
    assert first["device"]["id"] != second["device"]["id"]
    assert first["device"]["name"] == "phone"
    listed = await alice.devices()
    assert len(listed["devices"]) == 3
    assert {d["name"] for d in listed["devices"]} >= {"phone", "laptop"}
    for client in (alice, phone, laptop):
        assert (await client.me())["username"] == "alice"
    assert (await phone.devices())["current"] == first["device"]["id"]


async def test_wrong_password_and_unknown_user_give_the_same_answer(clients: MakeClient) -> None:
    await clients("alice")
    anon = await clients()
    wrong = await raw(
        anon, "POST", "/api/v1/sessions", json={"username": "alice", "password": "wrong pass"}
    )
    unknown = await raw(
        anon, "POST", "/api/v1/sessions", json={"username": "nobody", "password": "wrong pass"}
    )
    assert wrong[0] == unknown[0] == 401
    error_of(wrong[1], "auth.bad_credentials")
    assert wrong[1] == unknown[1]


async def test_logging_out_makes_the_token_fail(clients: MakeClient) -> None:
    alice = await clients("alice")
    other = await clients()
    await other.login("alice", PASSWORD)
    token = alice.token
    await alice.logout()
    status, body = await raw(alice, "GET", "/api/v1/me", token=token)
    assert status == 401
    error_of(body, "auth.invalid_token")
    assert (await other.me())["username"] == "alice"
    assert len((await other.devices())["devices"]) == 1


async def test_revoking_another_device_makes_its_token_fail(clients: MakeClient) -> None:
    alice = await clients("alice")
    phone = await clients()
    session = await phone.login("alice", PASSWORD)
    await alice.revoke_device(session["device"]["id"])
    await fails(phone.me(), "auth.invalid_token", 401)
    remaining = (await alice.devices())["devices"]
    assert session["device"]["id"] not in [d["id"] for d in remaining]
    assert (await alice.me())["username"] == "alice"


async def test_nobody_can_revoke_a_device_of_someone_else(clients: MakeClient) -> None:
    alice = await clients("alice")
    mallory = await clients("mallory")
    alice_device = (await alice.devices())["current"]
    await fails(mallory.revoke_device(alice_device), "device.not_found", 404)
    await fails(mallory.revoke_device(999_999), "device.not_found", 404)
    assert (await alice.me())["username"] == "alice"


async def test_updating_the_profile_changes_name_and_locale(clients: MakeClient) -> None:
    alice = await clients("alice")
    user = await alice.update_profile(display_name="Alice L.", locale="zh-CN")
    assert (user["display_name"], user["locale"]) == ("Alice L.", "zh-CN")
    assert (await alice.me())["locale"] == "zh-CN"
    only_name = await alice.update_profile(display_name="Ally")
    assert (only_name["display_name"], only_name["locale"]) == ("Ally", "zh-CN")
    cleared = await alice.update_profile(display_name="   ")
    assert cleared["display_name"] == "alice"


@pytest.mark.parametrize("locale", ["english", "EN", "e", "", "en_US", "zh-"])
async def test_an_invalid_locale_is_refused(clients: MakeClient, locale: str) -> None:
    alice = await clients("alice")
    error = await fails(alice.update_profile(locale=locale), "invalid_input", 400)
    assert error.details["field"] == "locale"
    assert (await alice.me())["locale"] == "en"


async def test_a_bad_display_name_is_refused(clients: MakeClient) -> None:
    alice = await clients("alice")
    await fails(alice.update_profile(display_name="x" * 65), "invalid_input.too_large", 413)
    await fails(alice.update_profile(display_name="bell\x07"), "invalid_input", 400)
    assert (await alice.me())["display_name"] == "alice"


async def test_contacts_learn_of_a_profile_change(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    cursor = (await bob.state())["cursor"]
    await alice.update_profile(display_name="Alice")
    events = (await bob.changes(cursor))["events"]
    assert [e["kind"] for e in events] == ["profile"]
    assert events[0]["data"]["user"]["display_name"] == "Alice"


async def test_users_are_found_by_exact_username_only(clients: MakeClient) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    assert bob.user is not None
    found = await alice.find_user("bob")
    assert found == bob.user
    for name in ("bo", "bobb", "BOB", "bob_"):
        error = await fails(alice.find_user(name), "user.not_found", 404)
        assert error.details["username"] == name
    by_id = await alice.call("GET", f"/api/v1/users/by-id/{bob.user['id']}")
    assert by_id["user"] == bob.user
    await fails(alice.call("GET", "/api/v1/users/by-id/999999"), "user.not_found", 404)


async def test_healthz_reports_ok_with_versions(clients: MakeClient) -> None:
    anon = await clients()
    status, body = await raw(anon, "GET", "/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert isinstance(body["version"], str) and body["version"]
    assert body["api_version"] >= 1 and body["protocol_version"] >= 1


async def test_openapi_is_3_1_and_lists_every_api_route(
    clients: MakeClient, server: Server
) -> None:
    anon = await clients()
    status, spec = await raw(anon, "GET", "/openapi.json")
    assert status == 200
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] and spec["info"]["version"]
    # What the running app serves, core and every feature room alike, so a room mounted
    # without its routers reaching the spec is caught.
    served = {
        (resource.canonical, route.method.lower())
        for resource in server.app.router.resources()
        if resource.canonical.startswith(("/api/v1/", "/m/", "/avatars/"))
        for route in resource
        if route.method not in ("HEAD", "*")
    }
    declared = {(r.path, r.method.lower()) for router in ROUTERS for r in router.routes}
    assert declared <= served  # the core's routers, at least
    listed = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert listed == served
    # Everything is under /api/v1, but what browsers fetch by URL: signed media links and
    # profile pictures.
    assert all(path.startswith(("/api/v1/", "/m/", "/avatars/")) for path, _ in listed)
    for path in (
        "/api/v1/accounts",
        "/api/v1/conversations/{cid}/messages",
        "/api/v1/sync/changes",
        "/api/v1/developer/accounts",
        "/api/v1/official-accounts/{account_id}/follow",
    ):
        assert path in spec["paths"]
    operation_ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids)), sorted(
        i for i in operation_ids if operation_ids.count(i) > 1
    )
    for ops in spec["paths"].values():
        for op in ops.values():
            assert any(code.startswith("2") for code in op["responses"])
            assert "400" in op["responses"]
    refs = set(_refs(spec["paths"]))
    assert refs and refs <= {f"#/components/schemas/{n}" for n in spec["components"]["schemas"]}


def _refs(node: object) -> list[str]:
    """Every "$ref" in a JSON document."""
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


async def test_every_route_in_the_openapi_document_is_served(clients: MakeClient) -> None:
    anon = await clients()
    spec = (await raw(anon, "GET", "/openapi.json"))[1]
    for path, ops in spec["paths"].items():
        concrete = re.sub(r"\{\w+\}", "1", path.replace("{username}", "someone"))
        for method, op in ops.items():
            status, body = await raw(anon, method.upper(), concrete)
            # Reaching auth (or body or query parsing, for the open routes) proves the route
            # is served; the media links have no body, only a query that must be signed.
            if "security" in op:
                expected = (401, "auth.required")
            elif path.startswith("/m/"):
                expected = (400, "invalid_input")
            elif path.startswith("/avatars/"):
                expected = (404, "user.not_found")
            else:
                expected = (400, "invalid_input.malformed")
            assert (status, body["error"]["code"]) == expected, (method, path)


async def test_docs_serve_the_swagger_ui(clients: MakeClient) -> None:
    anon = await clients()
    async with anon.session.get(anon.base_url + "/docs") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert "swagger" in page.lower()
    assert "/openapi.json" in page


async def test_metrics_count_messages_and_requests(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.send_text(cid, "one", client_msg_id="c1")
    await alice.send_text(cid, "one", client_msg_id="c1")
    await fails(alice.find_user("nobody"), "user.not_found", 404)
    async with alice.session.get(alice.base_url + "/metrics") as response:
        assert response.status == 200
        text = await response.text()
    assert "microletter_messages_sent_total 1.0" in text
    assert "microletter_duplicate_sends_total 1.0" in text
    assert 'microletter_errors_total{code="user.not_found"} 1.0' in text
    assert "microletter_http_seconds_bucket" in text


async def test_the_index_page_is_the_web_client(server: Server) -> None:
    async with Client(server.url) as anon:
        async with anon.session.get(server.url + "/") as response:
            assert response.status == 200
            page = await response.text()
    assert '<script type="module"' in page and 'href="/manifest.webmanifest"' in page


async def test_a_registration_locale_is_checked(clients: MakeClient) -> None:
    client = await clients()
    body = {"username": "alice", "password": PASSWORD, "locale": "not a locale"}
    status, reply = await raw(client, "POST", "/api/v1/accounts", json=body)
    assert status == 400
    assert error_of(reply, "invalid_input")["details"]["field"] == "locale"
    body["locale"] = "pt-BR"
    status, reply = await raw(client, "POST", "/api/v1/accounts", json=body)
    assert (status, reply["user"]["locale"]) == (201, "pt-BR")


async def test_concurrent_registrations_of_one_name_let_exactly_one_win(
    clients: MakeClient,
) -> None:
    anon = await clients()
    bodies = [{"username": "alice", "password": PASSWORD}] * 4 + [
        {"username": "bob", "password": PASSWORD}
    ]
    results = await asyncio.gather(
        *(raw(anon, "POST", "/api/v1/accounts", json=body) for body in bodies)
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 201, 409, 409, 409]
    assert (await raw(anon, "POST", "/api/v1/sessions", json=bodies[-1]))[0] == 201
