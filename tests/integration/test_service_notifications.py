"""Service notifications on the server, on both backend pairs: a notice from an app or an
account reaches a follower in their conversation with the account and anyone else in one
`service` conversation of theirs, whose cards name their sender; nobody writes there; a
sender muted there sends nothing more (docs/miniapps.md, "Service notifications")."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.app import Server
from microletter.client import ApiError, Client
from tests.conftest import MakeClient, befriend
from tests.integration.test_games import put, score
from tests.integration.test_miniapps import register_app


async def service_views(client: Client) -> list[dict[str, Any]]:
    state = await client.state()
    return [v for v in state["conversations"] if v["conversation"]["kind"] == "service"]


async def cards(client: Client, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for view in (await client.state())["conversations"]:
        if view["conversation"]["kind"] == kind:
            found += await client.history(view["conversation"]["id"])
    return found


async def test_a_follower_hears_the_account_and_anyone_else_their_service_notifications(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    made, app = await register_app(dev)
    account_id = made["account"]["id"]
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    await bob.call("PUT", f"/api/v1/official-accounts/{account_id}/follow", {})
    start = (await carol.state())["cursor"]
    await put(bob, app, best=score(30))
    await put(carol, app, best=score(31))
    assert (await put(alice, app, best=score(40)))["notices"] == 2
    # Bob follows the game's account: his card is in his conversation with it.
    [to_bob] = [m for m in await cards(bob, "official") if m["kind"] == "template"]
    assert to_bob["sender_id"] == account_id and await service_views(bob) == []
    # Carol does not: hers is in her one service conversation, naming the game.
    [view] = await service_views(carol)
    assert view["conversation"]["member_count"] == 1
    [to_carol] = await carol.history(view["conversation"]["id"])
    assert to_carol["kind"] == "template" and to_carol["sender_id"] == account_id
    source = to_carol["data"]["source"]
    assert source == {
        "key": f"app:{app['id']}",
        "kind": "app",
        "id": app["id"],
        "account_id": account_id,
        "name": "Quiz",
        "icon": app["icon"] or None,
    }
    assert [
        v for v in (await carol.state())["conversations"] if v["conversation"]["kind"] == "official"
    ] == []
    # Her devices learnt it as events: the conversation, then the card.
    events = (await carol.changes(start))["events"]
    kinds = [(e["kind"], e["data"].get("conversation", {}).get("kind")) for e in events]
    assert ("conversation", "service") in kinds and kinds[-1][0] == "message"
    # Nobody writes there, not even its one member.
    with pytest.raises(ApiError) as refused:
        await carol.send_text(view["conversation"]["id"], "hello?")
    assert refused.value.status == 403 and refused.value.code == "conversation.read_only"
    # A second notice (another friend passes her) arrives in the same conversation.
    dave = await clients("dave")
    await befriend(carol, dave)
    assert (await put(dave, app, best=score(50)))["notices"] == 1
    [again] = await service_views(carol)
    assert again["conversation"]["id"] == view["conversation"]["id"]
    assert len(await carol.history(view["conversation"]["id"])) == 2


async def test_a_sender_muted_in_service_notifications_sends_nothing_more_there(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    _, app = await register_app(dev)
    carol = await clients("carol")
    alice, dave, erin = [await clients(n) for n in ("alice", "dave", "erin")]
    for friend in (alice, dave, erin):
        await befriend(friend, carol)
    await put(carol, app, best=score(10))
    assert (await put(alice, app, best=score(20)))["notices"] == 1
    key = f"app:{app['id']}"
    muted = await carol.call(
        "PUT", "/api/v1/service-notifications/mutes", {"source": key, "name": "Quiz"}
    )
    assert [(m["source"], m["name"]) for m in muted["mutes"]] == [(key, "Quiz")]
    await put(carol, app, best=score(30))
    assert (await put(dave, app, best=score(40)))["notices"] == 0  # dropped, not sent
    assert len(await cards(carol, "service")) == 1
    assert (await alice.call("GET", "/api/v1/service-notifications/mutes"))["mutes"] == []
    # Unmuted, the next one arrives.
    unmuted = await carol.call(
        "PUT", "/api/v1/service-notifications/mutes", {"source": key, "muted": False}
    )
    assert unmuted["mutes"] == []
    await put(carol, app, best=score(60))
    assert (await put(erin, app, best=score(70)))["notices"] == 1
    assert len(await cards(carol, "service")) == 2
    for bad in ("app:", "app:0", "shop:1", "app:1 ", "account:x", "a" * 41):
        with pytest.raises(ApiError) as refused:
            await carol.call("PUT", "/api/v1/service-notifications/mutes", {"source": bad})
        assert refused.value.status == 400
        assert refused.value.code in ("platform.notice_source_invalid", "invalid_input")
    assert (await carol.call("GET", "/api/v1/service-notifications/mutes"))["mutes"] == []
