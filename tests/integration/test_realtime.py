"""The WebSocket protocol against a real server: hello, live events, resume, errors, limits."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import msgspec
import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import MakeClient, befriend

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True

Frame = dict[str, Any]


async def connect(
    server: Server, protocol: str = "microletter.v1.json"
) -> aiohttp.ClientWebSocketResponse:
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(server.url + "/ws", protocols=(protocol,))
    ws._test_session = session  # type: ignore[attr-defined]  # closed by `bye`
    return ws


async def bye(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.close()
    await ws._test_session.close()  # type: ignore[attr-defined]


async def hello(ws: aiohttp.ClientWebSocketResponse, client: Client, **extra: Any) -> Frame:
    await ws.send_json({"t": "hello", "token": client.token, **extra})
    ready: Frame = await ws.receive_json(timeout=5)
    assert ready["t"] == "ready", ready
    return ready


async def until(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 5) -> Frame:
    """Read frames until one of type `kind` arrives."""
    async with asyncio.timeout(timeout):
        while True:
            frame: Frame = await ws.receive_json()
            if frame.get("t") == kind:
                return frame


async def closed_with(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5) -> int | None:
    """The close code the server sent (read from its close frame: aiohttp's `close_code`
    can turn into 1006 when the server drops the socket right after the handshake)."""
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            if msg.type is aiohttp.WSMsgType.CLOSE:
                return int(msg.data)
            if msg.type is aiohttp.WSMsgType.CLOSED:
                return ws.close_code


async def test_a_bad_token_gets_an_error_frame_and_close_4001(server: Server) -> None:
    ws = await connect(server)
    await ws.send_json({"t": "hello", "token": "mlt_nope"})
    error = await ws.receive_json(timeout=5)
    assert error["error"]["code"] == "auth.invalid_token"
    assert await closed_with(ws) == 4001
    await bye(ws)


@pytest.mark.settings(ws_hello_timeout=0.2)
async def test_a_silent_connection_is_closed_for_want_of_a_hello(server: Server) -> None:
    ws = await connect(server)
    error = await ws.receive_json(timeout=5)
    assert error["error"]["code"] == "auth.required"
    assert await closed_with(ws) == 4001
    await bye(ws)


async def test_the_first_frame_must_be_hello(clients: MakeClient, server: Server) -> None:
    ws = await connect(server)
    await ws.send_json({"t": "ping"})
    error = await ws.receive_json(timeout=5)
    assert error["error"]["code"] == "auth.required"
    assert await closed_with(ws) == 4001
    await bye(ws)


async def test_send_is_acked_and_reaches_the_peer_and_the_senders_other_device(
    clients: MakeClient, server: Server
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    alice2 = Client(server.url)
    await alice2.login("alice", "correct horse")
    a1, a2, b = await connect(server), await connect(server), await connect(server)
    for ws, who in ((a1, alice), (a2, alice2), (b, bob)):
        await hello(ws, who)
        await until(ws, "synced")
    await a1.send_json(
        {"t": "send", "ref": 7, "conversation_id": cid, "client_msg_id": "c1", "text": "hey"}
    )
    # The sender's connection gets its own new message as an event carrying its ref:
    # that echo is the ack (sent after the commit), so no separate ack frame follows.
    echo = await until(a1, "ev")
    assert echo["ref"] == 7 and echo["data"]["message"]["text"] == "hey"
    ack = {"message": echo["data"]["message"]}
    # A retry of the same client_msg_id is answered from the commit, with an explicit ack.
    await a1.send_json(
        {"t": "send", "ref": 8, "conversation_id": cid, "client_msg_id": "c1", "text": "hey"}
    )
    retry = await until(a1, "ack")
    assert retry["ref"] == 8 and retry["message"]["id"] == echo["data"]["message"]["id"]
    for ws in (b, a2):
        ev = await until(ws, "ev")
        assert ev["kind"] == "message"
        assert ev["data"]["message"]["seq"] == ack["message"]["seq"]
    for ws in (a1, a2, b):
        await bye(ws)
    await alice2.close()


async def test_a_malformed_frame_gets_an_error_and_the_connection_stays_usable(
    clients: MakeClient, server: Server
) -> None:
    alice = await clients("alice")
    ws = await connect(server)
    await hello(ws, alice)
    await ws.send_str("{not json")
    error = await until(ws, "error")
    assert error["error"]["code"] == "invalid_input.malformed"
    await ws.send_json({"t": "launch_rockets", "ref": "r9"})
    error = await until(ws, "error")
    assert error["error"]["code"] == "invalid_input" and error["ref"] == "r9"
    await ws.send_json({"t": "send", "ref": "r10", "conversation_id": "x"})
    error = await until(ws, "error")
    assert error["ref"] == "r10" and "conversation_id" in error["error"]["message"]
    await ws.send_json({"t": "ping", "ref": 1})
    assert (await until(ws, "pong"))["ref"] == 1
    await bye(ws)


async def test_sending_to_a_conversation_you_are_not_in_is_refused(
    clients: MakeClient, server: Server
) -> None:
    alice, bob, eve = await clients("alice"), await clients("bob"), await clients("eve")
    cid = await befriend(alice, bob)
    ws = await connect(server)
    await hello(ws, eve)
    await ws.send_json(
        {"t": "send", "ref": 1, "conversation_id": cid, "client_msg_id": "x", "text": "hi"}
    )
    error = await until(ws, "error")
    assert error["error"]["code"] == "conversation.not_member"
    await bye(ws)


@pytest.mark.settings(ws_max_frame=1024, ws_hard_max_frame=8192)
async def test_oversize_frames_get_an_error_and_huge_ones_close_1009(
    clients: MakeClient, server: Server
) -> None:
    alice = await clients("alice")
    ws = await connect(server)
    await hello(ws, alice)
    await ws.send_str('{"t":"ping","pad":"' + "x" * 2000 + '"}')
    error = await until(ws, "error")
    assert error["error"]["code"] == "invalid_input.too_large"
    await ws.send_json({"t": "ping", "ref": 2})
    assert (await until(ws, "pong"))["ref"] == 2
    await ws.send_str("x" * 10000)
    assert await closed_with(ws) == 1009
    await bye(ws)


@pytest.mark.settings(ws_abuse_limit=3)
async def test_repeated_bad_frames_close_the_connection_with_policy_violation(
    clients: MakeClient, server: Server
) -> None:
    alice = await clients("alice")
    ws = await connect(server)
    await hello(ws, alice)
    for _ in range(5):
        await ws.send_str("garbage")
    assert await closed_with(ws) == 1008
    await bye(ws)


async def test_a_device_resumes_from_its_cursor_and_gets_what_it_missed_once_in_order(
    clients: MakeClient, server: Server
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    ws = await connect(server)
    ready = await hello(ws, bob)
    await until(ws, "synced")
    cursor = ready["cursor"]
    await bye(ws)
    sent = [await alice.send_text(cid, f"m{i}") for i in range(5)]
    ws = await connect(server)
    await hello(ws, bob, after=cursor, epoch=ready["epoch"])
    got = []
    async with asyncio.timeout(5):
        while True:
            frame = await ws.receive_json()
            if frame["t"] == "ev":
                got.append(frame)
            if frame["t"] == "synced":
                break
    assert [f["seq"] for f in got] == list(range(cursor + 1, cursor + 6))
    assert [f["data"]["message"]["text"] for f in got] == [m["text"] for m in sent]
    await bye(ws)


async def test_a_cursor_from_another_epoch_or_the_future_is_reset(
    clients: MakeClient, server: Server
) -> None:
    alice = await clients("alice")
    ws = await connect(server)
    ready = await hello(ws, alice, after=10_000)
    reset = await until(ws, "reset")
    assert reset["cursor"] == ready["head"]
    await bye(ws)
    ws = await connect(server)
    await hello(ws, alice, after=0, epoch="not-this-one")
    assert (await until(ws, "reset"))["epoch"] == ready["epoch"]
    await bye(ws)


async def test_typing_reaches_the_other_member_and_is_never_stored(
    clients: MakeClient, server: Server
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    wa, wb = await connect(server), await connect(server)
    await hello(wa, alice)
    await hello(wb, bob)
    await until(wb, "synced")
    head = (await bob.state())["cursor"]
    await wa.send_json({"t": "typing", "conversation_id": cid})
    typing = await until(wb, "typing")
    assert typing["user_id"] == alice.user["id"] and typing["conversation_id"] == cid  # type: ignore[index]
    assert (await bob.state())["cursor"] == head
    await bye(wa)
    await bye(wb)


async def test_a_revoked_device_is_disconnected(clients: MakeClient, server: Server) -> None:
    alice = await clients("alice")
    phone = Client(server.url)
    await phone.login("alice", "correct horse", device_name="phone")
    ws = await connect(server)
    ready = await hello(ws, phone)
    await alice.revoke_device(ready["device_id"])
    assert await closed_with(ws) == 4001
    await bye(ws)
    await phone.close()


async def test_the_msgpack_subprotocol_speaks_the_same_protocol(
    clients: MakeClient, server: Server
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    ws = await connect(server, "microletter.v1.msgpack")
    assert ws.protocol == "microletter.v1.msgpack"
    await ws.send_bytes(msgspec.msgpack.encode({"t": "hello", "token": bob.token, "after": 0}))
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(5):
        while not frames or frames[-1]["t"] != "synced":
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.BINARY
            frames.append(msgspec.msgpack.decode(msg.data))
    assert frames[0]["t"] == "ready"
    assert any(f["t"] == "ev" and f["kind"] == "message" for f in frames)
    await alice.send_text(cid, "packed")
    async with asyncio.timeout(5):
        while True:
            frame = msgspec.msgpack.decode((await ws.receive()).data)
            if frame["t"] == "ev" and frame["kind"] == "message":
                assert frame["data"]["message"]["text"] == "packed"
                break
    await bye(ws)


@pytest.mark.settings(ws_send_buffer=64 * 1024)
async def test_a_client_that_stops_reading_is_dropped_and_can_resume(
    clients: MakeClient, server: Server
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    ws = await connect(server)
    ready = await hello(ws, bob)
    await until(ws, "synced")
    # Bob's client reads nothing from here on; Alice keeps talking.
    text = "x" * 15000
    sends = [alice.send_text(cid, text) for _ in range(400)]
    await asyncio.gather(*sends)
    # The close frame (4002) queues behind what the client never read, so it may only see
    # the connection drop; either way the server counted a slow consumer.
    assert await closed_with(ws, timeout=20) in (4002, 1006)
    await bye(ws)
    async with aiohttp.ClientSession() as http:
        metrics = await (await http.get(server.url + "/metrics")).text()
    assert "microletter_slow_consumer_drops_total 1.0" in metrics
    ws = await connect(server)
    await hello(ws, bob, after=ready["cursor"], epoch=ready["epoch"])
    count = 0
    async with asyncio.timeout(20):
        while (frame := await ws.receive_json())["t"] != "synced":
            count += frame["t"] == "ev"
    assert count == 400
    await bye(ws)


async def test_shutdown_closes_sockets_with_going_away(clients: MakeClient, server: Server) -> None:
    alice = await clients("alice")
    ws = await connect(server)
    await hello(ws, alice)
    await until(ws, "synced")
    stopping = asyncio.create_task(server.stop())
    assert await closed_with(ws) == 1001
    await stopping
    await bye(ws)


async def test_the_compact_subprotocol_delivers_a_short_message_in_under_100_bytes(
    clients: MakeClient, server: Server
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    ws = await connect(server, "microletter.v1.compact")
    assert ws.protocol == "microletter.v1.compact"
    await ws.send_bytes(msgspec.msgpack.encode({"t": "hello", "token": bob.token}))
    async with asyncio.timeout(5):
        while not isinstance(frame := msgspec.msgpack.decode((await ws.receive()).data), dict) or (
            frame["t"] != "synced"
        ):
            pass
    sent = await alice.send_text(cid, "twenty characters!!!", client_msg_id="k7f3a9")
    async with asyncio.timeout(5):
        raw = (await ws.receive()).data
    frame = msgspec.msgpack.decode(raw)
    assert frame[0] == 0 and frame[2] == 0  # an event; of kind "message"
    (message,) = msgspec.msgpack.decode(msgspec.msgpack.encode(frame[3]))
    assert message[:7] == [
        sent["id"],
        cid,
        sent["seq"],
        sent["sender_id"],
        "k7f3a9",
        0,
        "twenty characters!!!",
    ]
    assert len(raw) + 2 <= 100  # payload plus the 2-byte WebSocket header
    await bye(ws)


@pytest.mark.settings(ws_heartbeat=0.2)
async def test_a_peer_that_answers_pings_stays_and_one_that_does_not_is_closed(
    clients: MakeClient, server: Server
) -> None:
    """The server's own heartbeat: a quiet connection is pinged, and closed only if it
    answers nothing by the next sweep; a client's ping is answered with a pong."""
    alice = await clients("alice")
    answering = await connect(server)  # aiohttp answers pings while it reads (autoping)
    await hello(answering, alice)
    frames: list[Frame] = []

    async def read() -> None:
        async for msg in answering:
            frames.append(msg.json())

    reader = asyncio.create_task(read())
    session = aiohttp.ClientSession()
    silent = await session.ws_connect(server.url + "/ws", autoping=False)
    await silent.send_json({"t": "hello", "token": alice.token})
    assert (await silent.receive_json(timeout=5))["t"] == "ready"
    async with asyncio.timeout(5):
        while (await silent.receive()).type is not aiohttp.WSMsgType.PING:
            pass  # synced, ...: then a sweep finds it quiet and pings
    assert await closed_with(silent) == 1001  # and the next one closes it
    await asyncio.sleep(1.0)  # five more sweeps
    assert not answering.closed and not reader.done()
    await answering.ping(b"beat")  # answered by the server (aiohttp takes the pong)
    await answering.send_json({"t": "ping", "ref": 7})
    async with asyncio.timeout(5):
        while not any(f.get("t") == "pong" and f.get("ref") == 7 for f in frames):
            await asyncio.sleep(0.01)
    await bye(answering)
    await reader
    await silent.close()
    await session.close()
