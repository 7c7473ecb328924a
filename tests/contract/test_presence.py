"""The Presence contract, for every backend: a device is online until it goes offline or
its time runs out; a user is online while any of their devices is; nobody else is.

Redis backends are read through a second client, as another process reads them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from microletter.bus import open_presence
from microletter.core.ids import DeviceId, UserId
from microletter.ports import Presence
from tests.support import services
from tests.support.private import PrivateRedisCluster
from tests.support.workers import SocketRunner

Opened = tuple[Presence, Presence, Callable[[], Awaitable[None]]]


async def _memory(request: pytest.FixtureRequest) -> Opened:
    presence = await open_presence("memory://")

    async def close() -> None:
        await presence.close()

    return presence, presence, close


async def _on(url: str, drop: Callable[[], Awaitable[None]]) -> Opened:
    writer, reader = await open_presence(url), await open_presence(url)

    async def close() -> None:
        await writer.close()
        await reader.close()
        await drop()

    return writer, reader, close


async def _local(request: pytest.FixtureRequest) -> Opened:
    runner = await SocketRunner(request.getfixturevalue("tmp_path") / "x.db").start()
    return await _on(runner.bus_url, runner.close)


async def _redis(request: pytest.FixtureRequest) -> Opened:
    server = services.redis_server()
    url = await server.new_namespace()
    return await _on(url, lambda: server.drop(url))


async def _redis_cluster(request: pytest.FixtureRequest) -> Opened:
    cluster: PrivateRedisCluster = request.getfixturevalue("redis_cluster")
    url = cluster.new_namespace()
    return await _on(url, lambda: cluster.drop(url))


PRESENCE_BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Awaitable[Opened]]] = {
    "memory": _memory,
    "local": _local,
    "redis": _redis,
    "redis-cluster": _redis_cluster,
}


@pytest.fixture(params=sorted(PRESENCE_BACKENDS))
async def presence(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Presence, Presence]]:
    writer, reader, close = await PRESENCE_BACKENDS[request.param](request)
    yield writer, reader
    await close()


def users(*ids: int) -> list[UserId]:
    return [UserId(i) for i in ids]


async def test_a_user_is_online_while_any_of_their_devices_is(
    presence: tuple[Presence, Presence],
) -> None:
    writer, reader = presence
    many = [(UserId(u), DeviceId(10 * u)) for u in range(1, 200)]  # users on every shard
    await writer.mark_online([*many, (UserId(1), DeviceId(11))], ttl=30)
    assert await reader.online(users(*range(1, 300))) == set(users(*range(1, 200)))

    await writer.mark_offline(UserId(1), DeviceId(10))
    assert UserId(1) in await reader.online(users(1))  # device 11 is still there
    await writer.mark_offline(UserId(1), DeviceId(11))
    await writer.mark_offline(UserId(2), DeviceId(20))
    assert await reader.online(users(1, 2, 3)) == {UserId(3)}


async def test_a_device_not_renewed_within_its_ttl_is_gone(
    presence: tuple[Presence, Presence],
) -> None:
    writer, reader = presence
    await writer.mark_online([(UserId(5), DeviceId(50))], ttl=0.2)
    await writer.mark_online([(UserId(6), DeviceId(60))], ttl=30)
    assert await reader.online(users(5, 6)) == set(users(5, 6))
    await asyncio.sleep(0.3)
    assert await reader.online(users(5, 6)) == {UserId(6)}
    await writer.mark_online([(UserId(5), DeviceId(50))], ttl=30)  # back again
    assert await reader.online(users(5, 6)) == set(users(5, 6))


async def test_asking_about_nobody_is_an_empty_answer(presence: tuple[Presence, Presence]) -> None:
    writer, reader = presence
    await writer.mark_online([], ttl=30)
    assert await reader.online([]) == set()
    assert await reader.online(users(404)) == set()
