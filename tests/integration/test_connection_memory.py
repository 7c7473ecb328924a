"""An idle connection keeps only what it needs (issue 21: ten thousand connections at
most 15 KB each), and the parts it made lazily still work when first used."""

from __future__ import annotations

import asyncio
import gc

from microletter.app import Server
from microletter.gateway.ws import Session
from tests.conftest import MakeClient, befriend
from tests.integration.test_realtime import bye, closed_with, connect, hello, until


def _sessions_of(user_id: int) -> list[Session]:
    return [o for o in gc.get_objects() if type(o) is Session and o.principal.user_id == user_id]


async def _settled(user_id: int) -> Session:
    """The user's one session, once its start-up tasks (catch-up, channels, last seen)
    are over."""
    async with asyncio.timeout(5):
        while True:
            sessions = _sessions_of(user_id)
            if len(sessions) == 1 and sessions[0].tasks is None:
                return sessions[0]
            await asyncio.sleep(0.01)


async def test_an_idle_connection_holds_no_empty_containers_and_no_http_parser(
    clients: MakeClient, server: Server
) -> None:
    alice = await clients("alice")
    ws = await connect(server)
    uid = (await hello(ws, alice))["user_id"]
    await until(ws, "synced")
    session = await _settled(uid)
    assert not hasattr(session, "__dict__")  # slots
    assert session.abuse._times is None  # no bad frame yet, so no deque
    maps = (session.awaiting, session.echoed, session.channels, session.channel_heads)
    assert maps == (None, None, None, None)  # no send in flight, no channel followed
    protocol = session.transport.get_protocol()
    assert protocol._parser is None  # type: ignore[attr-defined]  # released after the upgrade
    assert protocol._payload_parser is not None  # type: ignore[attr-defined]  # frames still read

    # Everything made lazily works on first use: a bad frame is counted, a request runs
    # a task (and the set goes again when it is done), and frames still arrive.
    await ws.send_str("{not json")
    assert (await until(ws, "error"))["error"]["code"] == "invalid_input.malformed"
    assert session.abuse._times is not None and len(session.abuse._times) == 1
    await ws.send_json({"t": "ping", "ref": 3})
    assert (await until(ws, "pong"))["ref"] == 3
    # A send with a ref: its echo is the ack (the maps made for it), then they go again.
    bob = await clients("bob")
    cid = await befriend(alice, bob)
    send = {"t": "send", "ref": 9, "conversation_id": cid, "client_msg_id": "m1", "text": "hi"}
    await ws.send_json(send)
    echo = await until(ws, "ev")
    while "ref" not in echo:  # the friendship's events come first
        echo = await until(ws, "ev")
    assert echo["ref"] == 9 and echo["data"]["message"]["text"] == "hi"
    await ws.send_json({**send, "ref": 10})  # a retry: acked from the commit
    assert (await until(ws, "ack"))["ref"] == 10
    await ws.ping(b"still here")  # the server answers pings on the upgraded socket
    assert await _settled(uid) is session
    assert (session.awaiting, session.echoed) == (None, None)
    await bye(ws)
    del session, protocol  # and the server lets go of its session once the socket closes
    async with asyncio.timeout(5):
        while _sessions_of(uid):
            await asyncio.sleep(0.01)
            gc.collect()


async def test_a_session_closed_by_the_server_ends_cleanly_without_its_http_parser(
    clients: MakeClient, server: Server
) -> None:
    """The server closing (here: too many bad frames) goes through aiohttp's paths that
    check the parser; the client sees the close code, nothing else breaks."""
    alice = await clients("alice")
    ws = await connect(server)
    await hello(ws, alice)
    await until(ws, "synced")
    for _ in range(server.settings.ws_abuse_limit + 1):
        await ws.send_str("garbage")
    assert await closed_with(ws) == 1008
    await bye(ws)
    again = await connect(server)  # and the server takes new connections as before
    await hello(again, alice)
    await until(again, "synced")
    await bye(again)
