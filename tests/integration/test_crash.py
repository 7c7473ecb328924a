"""kill -9 the server during a burst of sends from many clients, restart it, and prove that
nothing acknowledged was lost or doubled and that every device resumes exactly."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from microletter.client import Client
from tests.conftest import PASSWORD, befriend
from tests.integration.test_sync_property import RecordingRealtime
from tests.support.process import ServerProcess

USERS = 6
PER_USER = 40


@pytest.mark.slow
async def test_kill_9_during_a_burst_loses_no_acknowledged_message(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    url = await asyncio.to_thread(server.start)
    clients = [Client(url) for _ in range(USERS)]
    devices: list[RecordingRealtime] = []
    try:
        for i, client in enumerate(clients):
            await client.register(f"user{i}", PASSWORD)
        convs: dict[int, list[int]] = {i: [] for i in range(USERS)}
        for i in range(1, USERS):
            cid = await befriend(clients[0], clients[i])
            convs[0].append(cid)
            convs[i].append(cid)
        others = [c.user["id"] for c in clients[1:]]  # type: ignore[index]
        group = (await clients[0].create_group("all", others))["conversation"]["id"]
        for i in range(USERS):
            convs[i].append(group)
        starts = [(await c.state())["cursor"] for c in clients]
        for client, start in zip(clients, starts, strict=True):
            rt = RecordingRealtime(client, cursor=start, max_backoff=0.3)
            events: list[dict[str, Any]] = []
            rt.on_event = events.append
            rt.events_seen = events  # type: ignore[attr-defined]
            await rt.start()
            devices.append(rt)

        acks: dict[tuple[int, str], dict[str, Any]] = {}

        async def burst(i: int) -> None:
            rng = random.Random(i)
            for n in range(PER_USER):
                cid = rng.choice(convs[i])
                cmid = f"u{i}-{n}"
                message = await devices[i].send_text(cid, f"hello {n}", client_msg_id=cmid)
                acks[(cid, cmid)] = message
                await asyncio.sleep(rng.random() / 200)

        senders = [asyncio.create_task(burst(i)) for i in range(USERS)]
        for threshold in (40, 120):
            async with asyncio.timeout(60):
                while len(acks) < threshold:
                    await asyncio.sleep(0.002)
            server.kill()
            await asyncio.to_thread(server.start)  # same port: clients reconnect by themselves
        async with asyncio.timeout(90):
            await asyncio.gather(*senders)
        assert len(acks) == USERS * PER_USER
        # Every device lived through a crash; the ones that kept sending, through both.
        assert all(rt.connects >= 2 for rt in devices)
        assert max(rt.connects for rt in devices) >= 3

        reader = clients[0]
        for cid in [*convs[0]]:
            history = await full_history(reader, cid)
            assert [m["seq"] for m in history] == list(range(1, len(history) + 1)), cid
            stored = Counter(m["client_msg_id"] for m in history if m["kind"] == "text")
            by_seq = {m["seq"]: m for m in history}
            for (acid, cmid), message in acks.items():
                if acid == cid:
                    assert stored[cmid] == 1, cmid
                    # The ack's promise holds: that id at that seq.
                    assert by_seq[message["seq"]]["id"] == message["id"]
        for client, rt, start in zip(clients, devices, starts, strict=True):
            head = (await client.state())["cursor"]
            async with asyncio.timeout(20):
                while rt.cursor != head:
                    await asyncio.sleep(0.01)
            log = await full_log(client, start)
            assert [e["seq"] for e in log] == list(range(start + 1, head + 1))
            seen = [e["seq"] for e in rt.events_seen]  # type: ignore[attr-defined]
            assert seen == [e["seq"] for e in log]
            for cursor, seqs in rt.connections:
                if seqs:
                    assert cursor is None or seqs[0] == cursor + 1
                    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    finally:
        for rt in devices:
            await rt.close()
        for client in clients:
            await client.close()
        await asyncio.to_thread(server.stop)
        server.close()


async def full_history(client: Client, cid: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = await client.history(cid, after=out[-1]["seq"] if out else 0, limit=100)
        out += page
        if len(page) < 100:
            return out


async def full_log(client: Client, after: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = await client.changes(after=out[-1]["seq"] if out else after)
        out += page["events"]
        if not page["has_more"]:
            return out


@pytest.mark.slow
async def test_a_crash_between_commit_and_ack_is_healed_by_resending(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data)
    url = await asyncio.to_thread(server.start)
    alice, bob = Client(url), Client(url)
    try:
        await alice.register("alice", PASSWORD)
        await bob.register("bob", PASSWORD)
        cid = await befriend(alice, bob)
        assert await asyncio.to_thread(server.stop) == 0  # SIGTERM: a clean, graceful exit

        crashing = ServerProcess(data, port=server.port, fault_exit_after_commits=1)
        await asyncio.to_thread(crashing.start)
        with pytest.raises(aiohttp.ClientError):
            await alice.send_text(cid, "exactly once", client_msg_id="k1")
        assert crashing.proc is not None and crashing.proc.wait(10) == 9
        crashing.close()

        await asyncio.to_thread(server.start)
        message = await alice.send_text(cid, "exactly once", client_msg_id="k1")
        history = await full_history(bob, cid)
        assert [m["id"] for m in history if m["client_msg_id"] == "k1"] == [message["id"]]
        async with aiohttp.ClientSession() as http:
            metrics = await (await http.get(url + "/metrics")).text()
        # The retry was answered from the commit that the crash never acknowledged.
        assert "microletter_duplicate_sends_total 1.0" in metrics
    finally:
        await alice.close()
        await bob.close()
        await asyncio.to_thread(server.stop)
        server.close()
