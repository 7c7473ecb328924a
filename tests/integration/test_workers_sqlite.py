"""`serve --workers 2` on SQLite, as real processes: a supervisor, the writer process and
two gateways sharing one port. End to end, and under faults like the cluster's
(test_faults.py): `kill -9` of a gateway, and of the writer, under load; afterwards every
acknowledged message is there exactly once, seqs and update logs have no holes, and
every device holds exactly the server's log."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from microletter.client import Client
from tests.conftest import PASSWORD, befriend
from tests.integration.test_cluster import listen, next_message
from tests.integration.test_faults import Load
from tests.support.process import ServerProcess

pytestmark = pytest.mark.slow


def children(pid: int) -> dict[int, str]:
    """The child processes of `pid`: their pids and command lines."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            found[int(child)] = cmdline.decode()
    return found


def writer_of(server: ServerProcess) -> int:
    (pid,) = [p for p, cmd in children(server.pid).items() if " writer" in cmd]
    return pid


def gateways_of(server: ServerProcess) -> list[int]:
    return sorted(p for p, cmd in children(server.pid).items() if " serve" in cmd)


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(tmp_path / "data", workers=2, bus_resync_seconds=2)
    await asyncio.to_thread(server.start, 60)
    try:
        yield server
    finally:
        server.close()


async def test_serve_with_two_workers_on_sqlite_runs_a_writer_and_two_gateways(
    workers: ServerProcess,
) -> None:
    assert len(gateways_of(workers)) == 2
    writer_of(workers)
    clients = [Client(workers.url) for _ in range(12)]  # a TCP connection each: spread
    try:
        replies = [await c.register(f"user{i}", PASSWORD) for i, c in enumerate(clients)]
        assert len({r["user"]["id"] for r in replies}) == 12
        direct = await befriend(clients[0], clients[1])
        group = await clients[0].create_group("all", [replies[1]["user"]["id"]])
        gid = group["conversation"]["id"]
        listeners = [await listen(c) for c in clients[1:4]]
        sent = [await clients[0].send_text(direct, f"direct {n}") for n in range(20)]
        assert [m["seq"] for m in sent] == list(range(sent[0]["seq"], sent[0]["seq"] + 20))
        again = await clients[0].send_text(direct, "once", client_msg_id="same")
        assert (await clients[0].send_text(direct, "once", client_msg_id="same"))["id"] == again[
            "id"
        ]
        await next_message(listeners[0][1], "direct 19")
        await clients[0].send_text(gid, "to the group")
        await next_message(listeners[0][1], "to the group")
        for rt, _ in listeners:
            await rt.close()
    finally:
        for c in clients:
            await c.close()
    assert await asyncio.to_thread(workers.stop) == 0  # SIGTERM stops every process


async def under_load(server: ServerProcess, kill: str) -> Load:
    load = Load([server.url])
    await load.setup()
    load.start()
    try:
        await load.until(60)
        victim = writer_of(server) if kill == "writer" else gateways_of(server)[0]
        os.kill(victim, signal.SIGKILL)
        before = len(load.acks)
        await load.until(before + 60)
        # The supervisor started a new one in its place.
        if kill == "writer":
            assert writer_of(server) != victim
        await load.stop()
        await load.check()
    finally:
        load.running = False
        await load.close()
    return load


async def test_kill_9_of_the_writer_process_loses_no_acknowledged_message(
    workers: ServerProcess,
) -> None:
    await under_load(workers, "writer")


async def test_kill_9_of_a_gateway_process_moves_its_clients_and_loses_nothing(
    workers: ServerProcess,
) -> None:
    await under_load(workers, "gateway")


async def test_no_process_outlives_a_supervisor_killed_by_kill_9(workers: ServerProcess) -> None:
    """An orphaned writer would keep the file's lock, and the next start would fail."""
    kids = [writer_of(workers), *gateways_of(workers)]
    workers.kill()
    async with asyncio.timeout(20):
        while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in kids):
            await asyncio.sleep(0.05)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
