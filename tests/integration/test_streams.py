"""Streams (protocol revision 3) against a real server: a large group's messages reach a
device that opted in as stream messages, once each and in order, live and after a
reconnect; an older device of the same group keeps getting them in its update log; and a
new, older device of a stream reader brings the log back at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from microletter import PROTOCOL_REVISION
from microletter.app import Server
from microletter.client import Client
from microletter.client.realtime import Realtime
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.integration.test_realtime import bye, connect, hello, until

pytestmark = pytest.mark.settings(stream_members=3)

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True


async def big_group(clients: MakeClient) -> tuple[list[Client], int]:
    users = [await clients(name) for name in ("alice", "bob", "carol")]
    for other in users[1:]:
        await befriend(users[0], other)
    group = await users[0].create_group("big", [u.user["id"] for u in users[1:] if u.user])
    return users, int(group["conversation"]["id"])


async def messages_of(rt: Realtime, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(found) < count:
            event = await rt.next_event(timeout=None)
            if event["kind"] == "message" and event["data"]["message"]["kind"] == "text":
                found.append(event)
    return found


async def test_a_stream_reader_gets_each_message_once_live_and_after_a_reconnect(
    clients: MakeClient,
) -> None:
    (alice, bob, carol), cid = await big_group(clients)
    assert PROTOCOL_REVISION >= 3
    reading = bob.realtime(streams=True)
    logging = carol.realtime()  # an older client: the log only
    await reading.start()
    await logging.start()
    await until_streaming(reading)
    head = await bob.state()

    for i in range(3):
        await alice.send_text(cid, f"live {i}")
    live = await messages_of(reading, 3)
    assert [e["data"]["message"]["text"] for e in live] == ["live 0", "live 1", "live 2"]
    assert all(e["stream"] and e["seq"] is None for e in live)
    assert reading.cursor == head["cursor"]  # nothing of it went to bob's log
    logged = await messages_of(logging, 3)
    assert [e["data"]["message"]["text"] for e in logged] == ["live 0", "live 1", "live 2"]
    assert all(isinstance(e["seq"], int) for e in logged)

    await reading.drop()
    for i in range(4):
        await alice.send_text(cid, f"missed {i}")
    await reading.wait_synced()
    missed = await messages_of(reading, 4)
    assert [e["data"]["message"]["text"] for e in missed] == [f"missed {i}" for i in range(4)]
    await asyncio.sleep(0.2)
    assert [e for e in reading.pending_events() if e["kind"] == "message"] == []
    seqs = [e["data"]["message"]["seq"] for e in live + missed]
    assert seqs == list(range(seqs[0], seqs[0] + 7))
    assert reading.positions[cid] == seqs[-1]
    await reading.close()
    await logging.close()


async def until_streaming(rt: Realtime, timeout: float = 5) -> None:
    """Until the server told where each stream starts (its answer to `streams`)."""
    async with asyncio.timeout(timeout):
        while True:
            event = await rt.next_event(timeout=None)
            if event["kind"] == "stream":
                return


async def test_a_new_older_device_brings_the_log_back(clients: MakeClient) -> None:
    (alice, bob, _), cid = await big_group(clients)
    reading = bob.realtime(streams=True)
    await reading.start()
    await until_streaming(reading)
    await alice.send_text(cid, "streamed")
    await messages_of(reading, 1)
    cursor = reading.cursor

    other = await clients()
    await other.login("bob", PASSWORD)  # a second device that never opts in
    older = other.realtime()
    await older.start()
    await alice.send_text(cid, "logged")

    got = await messages_of(older, 1)
    assert got[0]["data"]["message"]["text"] == "logged"
    # Bob's reading device has it once, from whichever path came first; its log moved.
    once = await messages_of(reading, 1)
    assert once[0]["data"]["message"]["text"] == "logged"
    assert reading.cursor is not None and cursor is not None and reading.cursor > cursor
    await asyncio.sleep(0.2)
    assert [e for e in reading.pending_events() if e["kind"] == "message"] == []
    await reading.close()
    await older.close()


async def test_streams_on_the_wire(server: Server, clients: MakeClient) -> None:
    (alice, bob, _), cid = await big_group(clients)
    first = await alice.send_text(cid, "before")
    ws = await connect(server)
    await hello(ws, bob)
    await until(ws, "synced")
    await ws.send_json({"t": "streams", "after": {str(cid): first["seq"] - 1}, "ref": "s1"})
    started = await until(ws, "stream")
    assert started == {"t": "stream", "conversation_id": cid, "after": first["seq"] - 1}
    seen: dict[str, Any] = {}
    while len(seen) < 2:  # the answer, and the message it lacked (in either order)
        frame = await ws.receive_json(timeout=5)
        seen[frame["t"]] = frame
    assert seen["ok"] == {"t": "ok", "ref": "s1", "streams": 1}
    assert seen["msg"]["data"]["message"]["text"] == "before"
    await ws.send_json(
        {"t": "send", "conversation_id": cid, "client_msg_id": "c1", "text": "mine", "ref": "r1"}
    )
    echo = await until(ws, "msg")
    assert echo["ref"] == "r1" and echo["data"]["message"]["text"] == "mine"
    await ws.send_json({"t": "streams", "ref": "s2"})
    error = await until(ws, "error")
    assert error["ref"] == "s2" and error["error"]["code"] == "invalid_input"
    await bye(ws)
