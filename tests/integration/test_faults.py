"""Faults under load on a two-node cluster with a PostgreSQL and a Redis of its own:
`kill -9` a node, restart Redis, stop PostgreSQL for a moment; and on a Redis Cluster of
its own, `kill -9` a master. After each, every
acknowledged message is there exactly once, conversation seqs and update logs have no
holes, and every device holds exactly the server's log.

Many clients send all along through their devices (the SDK re-sends what was not acked,
with the same client_msg_id); clients of a dead node move to the other node, as behind a
load balancer, and resume from their cursors."""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from microletter.client import Client
from tests.conftest import PASSWORD, befriend
from tests.integration.test_crash import full_history, full_log
from tests.integration.test_sync_property import RecordingRealtime
from tests.support.private import PrivatePostgres, PrivateRedis, PrivateRedisCluster
from tests.support.process import ServerProcess
from tests.support.rest import uid

USERS = 8
pytestmark = pytest.mark.slow


class Cluster:
    """Two nodes, a PostgreSQL, and a Redis or (`redis_cluster`) a Redis Cluster of three
    masters and three replicas."""

    def __init__(self, root: Path, redis_cluster: bool = False) -> None:
        self.postgres = PrivatePostgres()
        self.redis = PrivateRedis(root / "redis")
        self.redis_cluster = PrivateRedisCluster(root / "cluster") if redis_cluster else None
        self.postgres.start()
        if self.redis_cluster is not None:
            self.redis_cluster.start()
        else:
            self.redis.start()
        shared: dict[str, Any] = {  # settings of every kind, as ServerProcess takes them
            "database_url": self.postgres.url,
            "bus_url": self.redis_cluster.url if self.redis_cluster else self.redis.url,
            "database_pool_size": 4,
            "database_timeout": 3,
            # On the cluster, long enough that the hints after a failover must come
            # through the bus (or its gap), not from this periodic read of the log.
            "bus_resync_seconds": 60 if redis_cluster else 2,
        }
        self.nodes = [ServerProcess(root / f"node{i}", **shared) for i in range(2)]

    def close(self) -> None:
        for node in self.nodes:
            node.close()
        self.redis.close()
        if self.redis_cluster is not None:
            self.redis_cluster.close()
        self.postgres.close()


class Load:
    """Users spread over the nodes, in direct conversations and one group, each sending
    through its own device until stopped."""

    def __init__(self, urls: list[str]) -> None:
        self.clients = [Client(urls[i % len(urls)], timeout=20) for i in range(USERS)]
        self.devices: list[RecordingRealtime] = []
        self.events: list[list[dict[str, Any]]] = []
        self.starts: list[int] = []
        self.conversations: dict[int, list[int]] = {i: [] for i in range(USERS)}
        self.acks: dict[tuple[int, str], dict[str, Any]] = {}
        self.running = False
        self.senders: list[asyncio.Task[None]] = []

    async def setup(self) -> None:
        for i, client in enumerate(self.clients):
            await client.register(f"user{i}", PASSWORD)
        for i in range(USERS):  # a ring of friends, half of them across nodes
            j = (i + 1) % USERS
            cid = await befriend(self.clients[i], self.clients[j])
            self.conversations[i].append(cid)
            self.conversations[j].append(cid)
        for other in self.clients[2 : USERS - 1]:  # the group's owner knows everyone
            await befriend(self.clients[0], other)
        others = [uid(c) for c in self.clients[1:]]
        group = (await self.clients[0].create_group("all", others))["conversation"]["id"]
        for i in range(USERS):
            self.conversations[i].append(group)
        for client in self.clients:
            start = (await client.state())["cursor"]
            events: list[dict[str, Any]] = []
            rt = RecordingRealtime(client, cursor=start, max_backoff=0.5, on_event=events.append)
            await rt.start()
            self.starts.append(start)
            self.events.append(events)
            self.devices.append(rt)

    def start(self) -> None:
        self.running = True
        self.senders = [asyncio.create_task(self._send(i)) for i in range(USERS)]

    async def _send(self, i: int) -> None:
        rng = random.Random(i)
        n = 0
        while self.running:
            cid = rng.choice(self.conversations[i])
            cmid = f"u{i}-{n}"
            self.acks[(cid, cmid)] = await self.devices[i].send_text(
                cid, f"hello {n}", client_msg_id=cmid
            )
            n += 1
            await asyncio.sleep(rng.random() / 50)

    async def until(self, acks: int, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while len(self.acks) < acks:
                await asyncio.sleep(0.01)

    def move(self, old: str, new: str) -> None:
        """A load balancer sends the clients of a dead node to a live one."""
        for client in self.clients:
            if client.base_url == old:
                client.base_url = new

    async def stop(self) -> None:
        self.running = False
        async with asyncio.timeout(90):
            await asyncio.gather(*self.senders)

    async def check(self) -> None:
        """The invariants, read back from the server after the load stopped."""
        seen: set[int] = set()
        for cids in self.conversations.values():
            for cid in cids:
                if cid in seen:
                    continue
                seen.add(cid)
                member = next(self.clients[i] for i, c in self.conversations.items() if cid in c)
                history = await full_history(member, cid)
                assert [m["seq"] for m in history] == list(range(1, len(history) + 1)), cid
                stored = Counter(m["client_msg_id"] for m in history if m["kind"] == "text")
                by_seq = {m["seq"]: m for m in history}
                for (acid, cmid), message in self.acks.items():
                    if acid == cid:
                        assert stored[cmid] == 1, cmid
                        assert by_seq[message["seq"]]["id"] == message["id"]
        for client, rt, start, events in zip(
            self.clients, self.devices, self.starts, self.events, strict=True
        ):
            head = (await client.state())["cursor"]
            async with asyncio.timeout(30):
                while rt.cursor != head:
                    await asyncio.sleep(0.02)
            log = await full_log(client, start)
            assert [e["seq"] for e in log] == list(range(start + 1, head + 1))
            assert [e["seq"] for e in events] == [e["seq"] for e in log]
            for cursor, seqs in rt.connections:
                if seqs:
                    assert cursor is None or seqs[0] == cursor + 1
                    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))

    async def close(self) -> None:
        for rt in self.devices:
            await rt.close()
        for client in self.clients:
            await client.close()


@pytest.fixture
async def cluster(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Cluster, Load]]:
    on_redis_cluster = request.node.get_closest_marker("redis_cluster") is not None
    made = await asyncio.to_thread(Cluster, tmp_path, on_redis_cluster)
    load: Load | None = None
    try:
        urls = [await asyncio.to_thread(node.start) for node in made.nodes]
        load = Load(urls)
        await load.setup()
        yield made, load
    finally:
        if load is not None:
            await load.close()
        await asyncio.to_thread(made.close)


async def under_load(
    cluster: tuple[Cluster, Load], fault: Callable[[Cluster, Load], Awaitable[None]]
) -> None:
    made, load = cluster
    load.start()
    await load.until(60)
    await fault(made, load)
    before = len(load.acks)
    await load.until(before + 60)
    await load.stop()
    await load.check()


async def test_kill_9_of_a_node_moves_its_clients_to_the_other_and_loses_nothing(
    cluster: tuple[Cluster, Load],
) -> None:
    async def kill_node_a(made: Cluster, load: Load) -> None:
        a, b = made.nodes
        dead = a.url
        a.kill()
        load.move(dead, b.url)

    await under_load(cluster, kill_node_a)
    _, load = cluster
    assert all(rt.connects >= 1 for rt in load.devices)


async def test_a_redis_restart_delays_hints_but_loses_nothing(
    cluster: tuple[Cluster, Load],
) -> None:
    async def restart_redis(made: Cluster, load: Load) -> None:
        made.redis.stop()
        await asyncio.sleep(1.0)
        await asyncio.to_thread(made.redis.start)

    await under_load(cluster, restart_redis)


async def test_a_postgres_outage_answers_unavailable_then_recovers_by_itself(
    cluster: tuple[Cluster, Load],
) -> None:
    statuses: list[tuple[int, str]] = []

    async def stop_postgres(made: Cluster, load: Load) -> None:
        made.postgres.stop(signal.SIGINT)
        client = load.clients[1]
        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                async with http.get(
                    client.base_url + "/api/v1/sync/state",
                    headers={"Authorization": f"Bearer {client.token}"},
                ) as response:
                    body = await response.json()
                    statuses.append((response.status, body.get("error", {}).get("code", "")))
                await asyncio.sleep(0.1)
        await asyncio.to_thread(made.postgres.start)

    await under_load(cluster, stop_postgres)
    assert (503, "unavailable") in statuses, statuses


@pytest.mark.redis_cluster
async def test_kill_9_of_a_redis_cluster_master_fails_over_and_loses_nothing(
    cluster: tuple[Cluster, Load],
) -> None:
    """A master dies under load; its replica takes over. Hints published meanwhile are
    lost, the nodes' buses subscribe on the new master and report a gap (the devices read
    their logs), and hints then flow again through the bus: a message from node a reaches
    a device on node b at once, long before the nodes' periodic read of the log (60 s)."""
    delays: list[float] = []

    async def kill_a_master(made: Cluster, load: Load) -> None:
        assert made.redis_cluster is not None
        made.redis_cluster.kill(made.redis_cluster.masters_now()[0])
        await asyncio.to_thread(made.redis_cluster.wait_ok)

    await under_load(cluster, kill_a_master)
    made, load = cluster
    # user0 is on node a, user1 on node b (Load spreads them), in a direct conversation.
    sender = load.devices[0]
    cid = load.conversations[0][0]
    for n in range(5):
        before = len(load.events[1])
        started = asyncio.get_running_loop().time()
        await sender.send_text(cid, f"after failover {n}", client_msg_id=f"probe-{n}")
        async with asyncio.timeout(10):
            while not any(
                e["kind"] == "message" and e["data"]["message"]["text"] == f"after failover {n}"
                for e in load.events[1][before:]
            ):
                await asyncio.sleep(0.01)
        delays.append(asyncio.get_running_loop().time() - started)
    assert max(delays) < 5, delays
