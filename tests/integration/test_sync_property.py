"""Property: random interleavings of sends, drops and restarts on several devices give
every device every event exactly once, in order, and every acked message exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microletter.app import Server
from microletter.client import Client, Realtime
from tests.conftest import PASSWORD, befriend, make_settings

DEVICES = ("a1", "a2", "b1", "c1")


class RecordingRealtime(Realtime):
    """Records every event frame as the server sent it, before any client-side filtering,
    with the cursor it connected from, so server mistakes cannot hide behind the client."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: list[tuple[int | None, list[int]]] = []

    async def _session(self, ws: Any) -> bool:
        self.connections.append((self.cursor, []))
        return await super()._session(ws)

    def _on_event(self, frame: dict[str, Any]) -> None:
        self.connections[-1][1].append(frame["seq"])
        super()._on_event(frame)


@dataclass
class Device:
    name: str
    client: Client
    rt: RecordingRealtime
    start: int
    events: list[dict[str, Any]] = field(default_factory=list)
    history: list[RecordingRealtime] = field(default_factory=list)


ops = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(DEVICES), st.integers(0, 2), st.integers(1, 4)),
        st.tuples(st.just("drop"), st.sampled_from(DEVICES)),
        st.tuples(st.just("restart"), st.sampled_from(DEVICES)),
        st.tuples(st.just("pause"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=20,
)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=ops)
def test_every_device_gets_every_event_exactly_once_in_order(
    tmp_path_factory: pytest.TempPathFactory, script: list[tuple[Any, ...]]
) -> None:
    uvloop.run(run_script(tmp_path_factory.mktemp("prop"), script))


async def run_script(data_dir: Path, script: list[tuple[Any, ...]]) -> None:
    server = Server(make_settings(data_dir))
    await server.start()
    clients: list[Client] = []
    devices: dict[str, Device] = {}
    try:
        a, b, c, a2 = (Client(server.url) for _ in range(4))
        clients += [a, b, c, a2]
        for client, name in ((a, "alice"), (b, "bob"), (c, "carol")):
            await client.register(name, PASSWORD)
        await a2.login("alice", PASSWORD)
        ab, bc = await befriend(a, b), await befriend(b, c)
        await befriend(a, c)
        group = (await a.create_group("g", [b.user["id"], c.user["id"]]))["conversation"]["id"]  # type: ignore[index]
        conversations = {"a": [ab, group], "b": [ab, bc, group], "c": [bc, group]}
        for name, client in zip(DEVICES, (a, a2, b, c), strict=True):
            head = (await client.state())["cursor"]
            device = Device(name, client, RecordingRealtime(client, cursor=head), head)
            device.rt.on_event = device.events.append
            devices[name] = device
            await device.rt.start()
        sends: list[tuple[Device, int, str, asyncio.Task[Any]]] = []
        ids = itertools.count()
        for op in script:
            await apply(op, devices, conversations, sends, ids)
        await settle(devices, sends)
        await check(devices, sends, [ab, bc, group])
    finally:
        for device in devices.values():
            await device.rt.close()
        for client in clients:
            await client.close()
        await server.stop()


async def apply(
    op: tuple[Any, ...],
    devices: dict[str, Device],
    conversations: dict[str, list[int]],
    sends: list[tuple[Device, int, str, asyncio.Task[Any]]],
    ids: itertools.count[int],
) -> None:
    kind = op[0]
    if kind == "send":
        device = devices[op[1]]
        options = conversations[device.name[0]]
        cid = options[op[2] % len(options)]
        for _ in range(op[3]):
            cmid = f"{device.name}-{next(ids)}"
            task = asyncio.create_task(device.rt.send_text(cid, cmid, client_msg_id=cmid))
            sends.append((device, cid, cmid, task))
            await asyncio.sleep(0)
    elif kind == "drop":
        await devices[op[1]].rt.drop()
    elif kind == "restart":
        device = devices[op[1]]
        old = device.rt
        device.history.append(old)
        await old.close()
        device.rt = RecordingRealtime(device.client, cursor=old.cursor, epoch=old.epoch)
        device.rt.on_event = device.events.append
        await device.rt.start(wait=False)
    else:
        await asyncio.sleep(op[1] / 1000)


async def settle(devices: dict[str, Device], sends: list[tuple[Device, int, str, Any]]) -> None:
    """Finish every send (re-sending, with the same client_msg_id, those cut off by a
    restart), then wait until every device has caught up with its user's log."""
    for i, (device, cid, cmid, task) in enumerate(sends):
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), 10)
            continue
        retry = asyncio.create_task(device.rt.send_text(cid, cmid, client_msg_id=cmid))
        await asyncio.wait_for(retry, 10)
        sends[i] = (device, cid, cmid, retry)
    async with asyncio.timeout(10):
        for device in devices.values():
            await device.rt.wait_synced()
            head = (await device.client.state())["cursor"]
            while device.rt.cursor != head:
                await asyncio.sleep(0.01)


async def check(
    devices: dict[str, Device], sends: list[tuple[Device, int, str, Any]], cids: list[int]
) -> None:
    for device in devices.values():
        for rt in [*device.history, device.rt]:
            for cursor, seqs in rt.connections:
                # Within one connection the server sends a dense run after the cursor.
                if seqs:
                    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (device.name, seqs)
                    assert cursor is None or seqs[0] == cursor + 1, (device.name, cursor, seqs)
        got = [e["seq"] for e in device.events]
        changes = await device.client.changes(after=device.start, limit=500)
        assert got == [e["seq"] for e in changes["events"]], device.name
        delivered = [
            (e["data"]["message"]["conversation_id"], e["data"]["message"]["seq"])
            for e in device.events
            if e["kind"] == "message"
        ]
        logged = [
            (e["data"]["message"]["conversation_id"], e["data"]["message"]["seq"])
            for e in changes["events"]
            if e["kind"] == "message"
        ]
        assert delivered == logged, device.name
    reader = devices["b1"].client
    acked = Counter((cid, cmid) for _, cid, cmid, _ in sends)
    for cid in cids:
        history = await reader.history(cid, after=0, limit=100)
        while len(history) % 100 == 0 and history:
            more = await reader.history(cid, after=history[-1]["seq"], limit=100)
            if not more:
                break
            history += more
        assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
        stored = Counter((cid, m["client_msg_id"]) for m in history if m["kind"] == "text")
        for key, _ in acked.items():
            if key[0] == cid:
                assert stored[key] == 1, key
