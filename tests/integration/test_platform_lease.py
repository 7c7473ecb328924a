"""Two servers on one PostgreSQL and one Redis, both with the push dispatcher on: only
the holder of the push lease pushes, so a bot hears each message once; when that server
stops, the other takes the lease over and pushes what comes next, from the saved cursor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD, make_settings
from tests.support import services
from tests.support.platform import (
    FAST_PUSH,
    connect,
    follow,
    from_account,
    new_account,
    wait_history,
)


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    postgres, redis = services.postgres_server(), services.redis_server()
    database_url, bus_url = await postgres.new_database(), await redis.new_namespace()
    shared = {"database_url": database_url, "bus_url": bus_url, "database_pool_size": 4}
    servers = [Server(make_settings(tmp_path / n, **shared, **FAST_PUSH)) for n in "ab"]
    try:
        for server in servers:
            await server.start()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            await server.stop()
        await postgres.drop(database_url)
        await redis.drop(bus_url)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def test_one_server_pushes_and_the_other_takes_over_when_it_stops(
    pair: tuple[Server, Server],
) -> None:
    first, second = pair
    assert first.dispatcher is not None and second.dispatcher is not None
    assert first.platform is not None
    platform = first.platform
    assert first.ctx is not None
    store = first.ctx.store
    assert first.dispatcher.leading and not second.dispatcher.leading
    dev, alice = Client(second.url), Client(second.url)
    await dev.register("dev", PASSWORD)
    await alice.register("alice", PASSWORD)
    made = await new_account(dev)
    aid = made["account"]["id"]
    bot = await connect(dev, made)
    try:
        cid = await follow(alice, aid)
        await alice.send_text(cid, "one")
        await wait_history(alice, cid, lambda p: len(from_account(p, aid)) == 2)
        assert [m.type for m in bot.received] == ["event", "text"]  # once each, not twice
        assert second.dispatcher.workers == {}

        async def cursor_saved() -> bool:  # so the next holder starts after "one"
            account = await platform.store.account(aid)
            return account.push_cursor == await store.log_head(aid)

        await until(cursor_saved)
        await first.stop()
        dispatcher = second.dispatcher

        async def took_over() -> bool:
            return dispatcher.leading and aid in dispatcher.workers

        await until(took_over)
        await alice.send_text(cid, "two")
        page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) == 3)
        assert [m["text"] for m in from_account(page, aid)] == [
            "welcome!",
            "echo: one",
            "echo: two",
        ]
        texts = [m.content for m in bot.received if m.type == "text"]
        assert texts == ["one", "two"]  # nothing pushed again by the new holder
    finally:
        await bot.stop()
        await dev.close()
        await alice.close()
