"""What only the Redis Cluster backend has to prove: when a master is killed (kill -9) and
its replica takes over, a publish meanwhile is dropped without an error, the subscriber
reads the cluster's slots again, subscribes on the new master and reports a gap, and
hints and presence then work on every shard as before (on a cluster of its own); and a
slot moved to another master (resharding) is followed the same way."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from microletter.bus import open_bus, open_presence
from microletter.bus.cluster import ClusterURLError, parse_cluster_url
from microletter.bus.redis import RedisBus
from microletter.core.ids import DeviceId, UserId
from tests.contract.conftest import fence_topics
from tests.contract.test_bus import Inbox, live
from tests.support.private import PrivateRedisCluster


def test_a_cluster_url_names_its_seed_nodes_and_its_credentials() -> None:
    seeds, options, query = parse_cluster_url(
        "rediss+cluster://me:s%40cret@10.0.0.1:7000,10.0.0.2,[::1]:7002?prefix=ml:"
    )
    assert seeds == [("10.0.0.1", 7000), ("10.0.0.2", 6379), ("::1", 7002)]
    assert options == {"ssl": True, "username": "me", "password": "s@cret"}
    assert query == {"prefix": "ml:"}
    for bad in ("redis+cluster://", "redis+cluster://h:1/3", "redis+cluster://h:x"):
        with pytest.raises(ClusterURLError):
            parse_cluster_url(bad)
    with pytest.raises(ClusterURLError, match="hash tag"):
        parse_cluster_url("redis+cluster://h:1?prefix={ml}:")


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[PrivateRedisCluster]:
    made = PrivateRedisCluster(tmp_path / "cluster")
    try:
        await asyncio.to_thread(made.start)
        yield made
    finally:
        await asyncio.to_thread(made.close)


@pytest.mark.slow
async def test_a_killed_master_fails_over_and_the_bus_and_presence_carry_on(
    cluster: PrivateRedisCluster,
) -> None:
    url = cluster.url + "?prefix=t:"
    sender, receiver = await open_bus(url), await open_bus(url)
    presence = await open_presence(url)
    assert isinstance(sender, RedisBus) and isinstance(receiver, RedisBus)
    gaps: list[float] = []
    receiver.on_gap(lambda: gaps.append(time.monotonic()))
    topics = fence_topics("t:", cluster.slot_ranges())  # one on each master
    inboxes = [Inbox() for _ in topics]
    try:
        for topic, inbox in zip(topics, inboxes, strict=True):
            await live(receiver.subscribe(topic, inbox))
        await sender.publish([(topic, "before") for topic in topics])
        for inbox in inboxes:
            assert await inbox.wait_for(1) == ["before"]
        await presence.mark_online([(UserId(1), DeviceId(1))], ttl=60)

        cluster.kill(cluster.masters_now()[0])
        killed = time.monotonic()
        await sender.publish([(topic, "maybe lost") for topic in topics])  # never raises
        await asyncio.to_thread(cluster.wait_ok)
        failed_over = time.monotonic() - killed

        # Every shard carries hints again within a few seconds (bounded retries), and the
        # subscriber said that some may have been lost.
        async with asyncio.timeout(15):
            while not all("after" in inbox.got for inbox in inboxes):
                await sender.publish([(topic, "after") for topic in topics])
                await asyncio.sleep(0.1)
        assert gaps and gaps[0] > killed
        assert receiver.reconnects >= 1
        for inbox in inboxes:  # in order: nothing from before came after "after"
            assert inbox.got[0] == "before"
            assert set(inbox.got[1:]) <= {"maybe lost", "after"}

        # Presence reads and writes every shard again.
        await presence.mark_online([(UserId(u), DeviceId(u)) for u in range(2, 100)], ttl=60)
        online = await presence.online([UserId(u) for u in range(2, 100)])
        assert online == {UserId(u) for u in range(2, 100)}
        print(f"failover took {failed_over:.1f} s; gap reported {gaps[0] - killed:.1f} s after")
    finally:
        await sender.close()
        await receiver.close()
        await presence.close()


async def test_a_slot_moved_to_another_master_is_followed_with_a_gap(
    redis_cluster: PrivateRedisCluster,
) -> None:
    """Resharding: Redis unsubscribes the channels of a slot that leaves a master; the bus
    subscribes again on the new owner and reports a gap."""
    from redis.crc import key_slot

    url = redis_cluster.new_namespace()
    prefix = url.split("prefix=", 1)[1]
    sender, receiver = await open_bus(url), await open_bus(url)
    assert isinstance(receiver, RedisBus)
    gaps: list[int] = []
    receiver.on_gap(lambda: gaps.append(1))
    slot = key_slot(f"{prefix}u:1".encode())
    # Who serves the slot now, asked of the cluster (an earlier test may have moved
    # things: a failover, or this test's own move and move back).
    source = redis_cluster.owner(slot)
    assert source is not None
    target = next(port for port in redis_cluster.masters_now() if port != source)
    inbox = Inbox()
    try:
        await live(receiver.subscribe("u:1", inbox))
        await sender.publish([("u:1", "before")])
        await inbox.wait_for(1)
        await asyncio.to_thread(redis_cluster.move_slot, slot, target)
        await asyncio.to_thread(redis_cluster.wait_owner, slot, target)
        async with asyncio.timeout(15):
            while "after" not in inbox.got:
                await sender.publish([("u:1", "after")])
                await asyncio.sleep(0.1)
        assert gaps
    finally:
        await asyncio.to_thread(redis_cluster.move_slot, slot, source)  # as it was
        await asyncio.to_thread(redis_cluster.wait_owner, slot, source)
        await sender.close()
        await receiver.close()
        await redis_cluster.drop(url)
