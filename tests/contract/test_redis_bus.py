"""What only the Redis bus has to prove: its own process gets a message once, at once;
a publish while Redis is away is dropped without an error (the write is committed); and
after Redis comes back the bus subscribes again and says hints may have been lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from microletter.bus import open_bus
from microletter.bus.redis import RedisBus
from tests.contract.test_bus import Inbox, fence, live
from tests.support import services
from tests.support.private import PrivateRedis, PrivateRedisCluster


@pytest.mark.parametrize("kind", ["redis", "redis-cluster"])
async def test_the_publishing_process_gets_each_message_once_and_at_once(
    kind: str, request: pytest.FixtureRequest
) -> None:
    drop: Callable[[str], Awaitable[None]]
    if kind == "redis":
        single = services.redis_server()
        url, drop = await single.new_namespace(), single.drop
    else:
        cluster: PrivateRedisCluster = request.getfixturevalue("redis_cluster")
        url, drop = cluster.new_namespace(), cluster.drop
    bus = await open_bus(url)
    try:
        inbox = Inbox()
        await live(bus.subscribe("u:1", inbox))
        await bus.publish([("u:1", "a"), ("u:1", "b")])
        assert inbox.got == ["a", "b"]  # delivered during publish, before any round trip
        await fence(bus)
        await asyncio.sleep(0.05)
        assert inbox.got == ["a", "b"]  # its own copies coming back from Redis are skipped
    finally:
        await bus.close()
        await drop(url)


async def test_after_a_redis_restart_the_bus_resubscribes_and_reports_a_gap(
    tmp_path: Path,
) -> None:
    redis = PrivateRedis(tmp_path / "redis")
    await asyncio.to_thread(redis.start)
    sender, receiver = await open_bus(redis.url), await open_bus(redis.url)
    gaps: list[int] = []
    receiver.on_gap(lambda: gaps.append(1))
    try:
        inbox = Inbox()
        await live(receiver.subscribe("u:1", inbox))
        await sender.publish([("u:1", 1)])
        await inbox.wait_for(1)

        redis.stop()
        await sender.publish([("u:1", "lost")])  # logged, not raised
        assert isinstance(sender, RedisBus) and sender.lost_publishes == 1
        await asyncio.to_thread(redis.start)
        async with asyncio.timeout(10):
            while not gaps:
                await asyncio.sleep(0.02)
        await live(receiver.subscribe("u:2", Inbox()))  # the connection is back
        await sender.publish([("u:1", 2)])
        assert await inbox.wait_for(2) == [1, 2]
    finally:
        await sender.close()
        await receiver.close()
        redis.close()


async def test_a_burst_of_publishes_loses_nothing_and_keeps_each_topics_order() -> None:
    """Before the outbox each publish took a pooled connection of its own, and redis-py
    refused the 101st at once (`MaxConnectionsError`): 300 concurrent sends lost hints."""
    single = services.redis_server()
    url = await single.new_namespace()
    sender, receiver = await open_bus(url), await open_bus(url)
    try:
        inboxes = [Inbox() for _ in range(3)]
        for n, inbox in enumerate(inboxes):
            await live(receiver.subscribe(f"g:{n}", inbox))
        await asyncio.gather(
            *(
                sender.publish([(f"g:{i % 3}", f"a{i}"), (f"g:{(i + 1) % 3}", f"b{i}")])
                for i in range(300)
            )
        )
        assert isinstance(sender, RedisBus) and sender.lost_publishes == 0
        for n, inbox in enumerate(inboxes):
            published = [
                item
                for i in range(300)
                for item, topic in ((f"a{i}", i % 3), (f"b{i}", (i + 1) % 3))
                if topic == n
            ]
            assert await inbox.wait_for(200) == published
    finally:
        await sender.close()
        await receiver.close()
        await single.drop(url)
