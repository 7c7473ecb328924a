"""Several nodes on one PostgreSQL and one Redis (or a Redis Cluster): people on different
nodes chat as if on one server; a lost hint only delays an event until the log is read; a
revoked device is refused on every node at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from microletter.app import Server
from microletter.cli import main
from microletter.client import ApiError, Client
from microletter.ports import Bus
from tests.conftest import PASSWORD, befriend, make_settings
from tests.support.private import PrivateRedisCluster
from tests.support.process import ServerProcess
from tests.support.rest import uid

Json = dict[str, Any]


@pytest.fixture(params=["redis", "redis-cluster"])
async def nodes(
    tmp_path: Path, shared: dict[str, Any], request: pytest.FixtureRequest
) -> AsyncIterator[list[Server]]:
    """Two nodes on one PostgreSQL and one Redis, or a Redis Cluster."""
    settings = dict(shared)
    if request.param == "redis-cluster":
        cluster: PrivateRedisCluster = request.getfixturevalue("redis_cluster")
        settings["bus_url"] = cluster.new_namespace()
    started: list[Server] = []
    for name in ("a", "b"):
        node = Server(make_settings(tmp_path / name, **settings, bus_resync_seconds=0.5))
        await node.start()
        started.append(node)
    yield started
    for node in started:
        await node.stop()
    if request.param == "redis-cluster":
        await cluster.drop(settings["bus_url"])


async def next_message(events: asyncio.Queue[Json], text: str, timeout: float = 5.0) -> Json:
    async with asyncio.timeout(timeout):
        while True:
            event = await events.get()
            if event["kind"] == "message" and event["data"]["message"]["text"] == text:
                return event


async def listen(client: Client) -> tuple[Any, asyncio.Queue[Json]]:
    events: asyncio.Queue[Json] = asyncio.Queue()
    rt = client.realtime(cursor=(await client.state())["cursor"], on_event=events.put_nowait)
    await rt.start()
    return rt, events


async def test_people_on_two_nodes_chat_directly_and_in_a_group(nodes: list[Server]) -> None:
    a, b = nodes
    assert a.ctx is not None and b.ctx is not None
    alice, bob, carol = Client(a.url), Client(b.url), Client(b.url)
    rts = []
    try:
        for client, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
            await client.register(name, PASSWORD)
        direct = await befriend(alice, bob)
        await befriend(alice, carol)
        group = (await alice.create_group("g", [uid(bob), uid(carol)]))["conversation"]["id"]
        (alice_rt, alice_events), (bob_rt, bob_events) = await listen(alice), await listen(bob)
        carol_rt, carol_events = await listen(carol)
        rts = [alice_rt, bob_rt, carol_rt]

        started = time.perf_counter()
        await alice_rt.send_text(direct, "hi bob, from node a")
        await next_message(bob_events, "hi bob, from node a")
        await bob_rt.send_text(direct, "hi alice, from node b")
        await next_message(alice_events, "hi alice, from node b")
        await carol_rt.send_text(group, "hello group")
        for events in (alice_events, bob_events):
            await next_message(events, "hello group")
        # Pushed through Redis, not found by a periodic read of the log (0.5 s here).
        assert time.perf_counter() - started < 1.0

        history = await bob.history(group)
        assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
        # Presence is shared too: alice, on node a, sees bob and carol of node b online.
        reply = await alice.call("GET", "/api/v1/presence")
        assert reply["online"] == sorted([uid(bob), uid(carol)])
    finally:
        for rt in rts:
            await rt.close()
        for client in (alice, bob, carol):
            await client.close()


class DroppingBus:
    """Wraps a node's bus and loses every publish while `dropping` is set."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.dropping = False
        self.dropped = 0

    async def publish(self, items: Any) -> None:
        if self.dropping:
            self.dropped += len(items)
            return
        await self.bus.publish(items)


async def test_a_lost_hint_only_delays_the_message_until_the_log_is_read(
    nodes: list[Server],
) -> None:
    a, b = nodes
    assert a.ctx is not None
    alice, bob = Client(a.url), Client(b.url)
    try:
        await alice.register("alice", PASSWORD)
        await bob.register("bob", PASSWORD)
        direct = await befriend(alice, bob)
        bob_rt, bob_events = await listen(bob)
        lossy = DroppingBus(a.ctx.bus)
        a.ctx.bus = lossy  # type: ignore[assignment]

        lossy.dropping = True
        await alice.send_text(direct, "lost on the way")  # committed and acked; hint lost
        assert lossy.dropped > 0
        # No later event comes; the node's periodic read of the log (0.5 s) delivers it.
        event = await next_message(bob_events, "lost on the way", timeout=5)
        lossy.dropping = False

        # And a lost hint followed by another event is repaired at once by the gap.
        lossy.dropping = True
        await alice.send_text(direct, "lost again")
        lossy.dropping = False
        await alice.send_text(direct, "arrives")
        second = await next_message(bob_events, "lost again")
        third = await next_message(bob_events, "arrives")
        assert event["seq"] < second["seq"] < third["seq"]
        await bob_rt.close()
    finally:
        await alice.close()
        await bob.close()


async def test_a_device_revoked_on_one_node_is_refused_on_the_other_at_once(
    nodes: list[Server],
) -> None:
    a, b = nodes
    on_a, on_b = Client(a.url), Client(b.url)
    try:
        await on_a.register("alice", PASSWORD)
        login = await on_b.login("alice", PASSWORD)
        await on_b.me()  # node b now has the token in its cache
        await on_a.revoke_device(login["device"]["id"])
        async with asyncio.timeout(5):
            while True:
                try:
                    await on_b.me()
                except ApiError as exc:
                    assert exc.code == "auth.invalid_token"
                    break
                await asyncio.sleep(0.02)
    finally:
        await on_a.close()
        await on_b.close()


async def test_the_nodes_hold_different_node_numbers(nodes: list[Server]) -> None:
    a, b = nodes
    alice = Client(a.url)
    bob = Client(b.url)
    try:
        one = await alice.register("alice", PASSWORD)
        two = await bob.register("bob", PASSWORD)
        node_of = [(u["user"]["id"] >> 8) & 0xF for u in (one, two)]
        assert node_of[0] != node_of[1]
    finally:
        await alice.close()
        await bob.close()


@pytest.mark.slow
async def test_serve_with_two_workers_shares_one_port_between_two_processes(
    tmp_path: Path, shared: dict[str, Any]
) -> None:
    server = ServerProcess(tmp_path / "data", workers=2, **shared)
    url = await asyncio.to_thread(server.start)
    clients = [Client(url) for _ in range(20)]  # a TCP connection each: spread by the kernel
    try:
        replies = [await c.register(f"user{i}", PASSWORD) for i, c in enumerate(clients)]
        nodes = {(r["user"]["id"] >> 8) & 0xF for r in replies}
        assert len(nodes) == 2, "both workers served (each leases its own node number)"
        direct = await befriend(clients[0], clients[1])
        rt, events = await listen(clients[1])
        await clients[0].send_text(direct, "through whichever worker")
        await next_message(events, "through whichever worker")
        await rt.close()
    finally:
        for c in clients:
            await c.close()
        assert await asyncio.to_thread(server.stop) == 0  # SIGTERM stops every worker
        server.close()


async def test_workers_on_postgresql_with_the_in_memory_bus_are_refused_clearly() -> None:
    env = {"MICROLETTER_PORT": "0", "MICROLETTER_DATABASE_URL": "postgresql://nobody@127.0.0.1/x"}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["serve", "--workers", "2"], env=env)
    assert result.exit_code == 2
    assert "--workers needs a shared database and bus" in result.output
