"""Sync over REST: the start-up state with its cursor, the log after a cursor, and resets.

Zulip's verify_action idea: an old state plus the events since must equal a fresh state.
"""

from __future__ import annotations

from typing import Any

from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.support.rest import error_of, fails, raw, uid

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True


async def all_changes(client: Client, after: int, limit: int | None = None) -> list[Any]:
    events: list[Any] = []
    while True:
        page = await client.changes(after, limit=limit)
        events += page["events"]
        after = page["cursor"]
        if not page["has_more"]:
            return events


async def test_a_new_account_starts_at_cursor_zero(clients: MakeClient) -> None:
    alice = await clients("alice")
    state = await alice.state()
    assert isinstance(state["epoch"], str) and state["epoch"]
    assert state["cursor"] == 0
    assert state["user"]["username"] == "alice"
    assert (state["conversations"], state["contacts"], state["requests"], state["blocks"]) == (
        [],
        [],
        [],
        [],
    )
    page = await alice.changes(0)
    assert page == {"epoch": state["epoch"], "events": [], "cursor": 0, "has_more": False}


async def test_changes_come_in_order_with_dense_seqs(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await bob.send_text(cid, "one")
    group = (await alice.create_group("g", [uid(bob)]))["conversation"]["id"]
    await bob.send_text(group, "two")
    state = await alice.state()
    events = await all_changes(alice, 0)
    assert [e["seq"] for e in events] == list(range(1, state["cursor"] + 1))
    kinds = [e["kind"] for e in events]
    assert kinds.index("contact_request") < kinds.index("contact") < kinds.index("conversation")
    texts = [e["data"]["message"]["text"] for e in events if e["kind"] == "message"]
    assert texts == [None, "one", None, "two"]  # notes have no text


async def test_changes_page_with_has_more(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    for i in range(5):
        await bob.send_text(cid, f"m{i}")
    head = (await alice.state())["cursor"]
    first = await alice.changes(0, limit=3)
    assert [e["seq"] for e in first["events"]] == [1, 2, 3]
    assert (first["cursor"], first["has_more"]) == (3, True)
    rest = await all_changes(alice, first["cursor"], limit=3)
    assert [e["seq"] for e in rest] == list(range(4, head + 1))
    last = await alice.changes(head)
    assert (last["events"], last["cursor"], last["has_more"]) == ([], head, False)


async def test_old_state_plus_changes_equals_a_fresh_state(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    old = await alice.state()
    await befriend(alice, carol)
    await alice.set_remark(uid(bob), "Bobby")
    group = (await alice.create_group("g", [uid(bob), uid(carol)]))["conversation"]["id"]
    await carol.send_text(group, "hi")
    events = await all_changes(alice, old["cursor"])
    contacts = {c["user"]["id"]: c for c in old["contacts"]}
    conversations = {v["conversation"]["id"]: v["conversation"] for v in old["conversations"]}
    for event in events:
        data = event["data"]
        if event["kind"] == "contact":
            contacts[data["contact"]["user"]["id"]] = data["contact"]
        elif event["kind"] == "conversation":
            conversations[data["conversation"]["id"]] = data["conversation"]
    fresh = await alice.state()
    assert fresh["cursor"] == old["cursor"] + len(events)
    assert contacts == {c["user"]["id"]: c for c in fresh["contacts"]}
    assert set(conversations) == {v["conversation"]["id"] for v in fresh["conversations"]}
    assert conversations[group]["member_count"] == 3


async def test_a_cursor_beyond_the_head_resets(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    state = await alice.state()
    error = await fails(alice.changes(state["cursor"] + 1), "sync.reset", 409)
    assert error.details == {"head": state["cursor"], "epoch": state["epoch"]}
    status, body = await raw(alice, "GET", f"/api/v1/sync/changes?after={state['cursor'] + 1}")
    assert status == 409
    error_of(body, "sync.reset")


async def test_a_cursor_from_another_epoch_resets(clients: MakeClient) -> None:
    alice = await clients("alice")
    state = await alice.state()
    await fails(alice.changes(0, epoch="not-" + state["epoch"]), "sync.reset", 409)
    assert (await alice.changes(0, epoch=state["epoch"]))["epoch"] == state["epoch"]


async def test_a_cursor_is_per_user(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    assert (await alice.state())["cursor"] > (await bob.state())["cursor"]
    bob_events = await all_changes(bob, 0)
    assert all(
        e["data"]["contact"]["user"]["id"] == uid(alice)
        for e in bob_events
        if e["kind"] == "contact"
    )
    await fails(bob.changes((await alice.state())["cursor"]), "sync.reset", 409)
