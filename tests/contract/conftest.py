"""Every Store and Bus backend gets the same suite. A backend is a name in STORE_BACKENDS
or BUS_BACKENDS plus a small opener; add PostgreSQL or Redis there, skipping when their
URL variable is unset, and every contract test runs against it too.

PostgreSQL and Redis are the machine's shared servers (tests/support/services.py): each
test gets a database and a Redis namespace of its own."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

import pytest

from microletter.bus import open_bus
from microletter.core.ids import ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.messages import Draft
from microletter.core.models import Instant, MessageKind, User
from microletter.ports import Bus, Handler, Store, Subscription
from microletter.storage import Store as StoreFacade
from microletter.storage import open_store
from microletter.storage.sqlite.database import SqliteDatabase
from tests.support import services
from tests.support.private import PrivateRedisCluster
from tests.support.workers import SocketRunner


class StoreBackend(Protocol):
    async def open(self) -> Store:
        """Open the test's database; every call opens the same one (for reopen tests)."""
        ...

    async def close(self) -> None:
        """Close every store this backend opened and drop the database."""
        ...


class SqliteBackend:
    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "x.db"
        self.opened: list[Store] = []

    async def open(self) -> Store:
        store = StoreFacade(await SqliteDatabase.open(str(self.path), IdGenerator(0), Limits()))
        self.opened.append(store)
        return store

    async def close(self) -> None:
        for store in self.opened:
            await store.close()


class SqliteRemoteBackend:
    """SQLite through the writer's socket (`serve --workers N`): every unit of work is
    pickled, batched, run by the writer in this loop, and its outcome sent back."""

    def __init__(self, tmp_path: Path) -> None:
        self.runner = SocketRunner(tmp_path / "x.db")
        self.started = False
        self.opened: list[Store] = []

    async def open(self) -> Store:
        if not self.started:
            await self.runner.start()
            self.started = True
        store = await open_store(
            f"sqlite:///{self.runner.db_path}",
            IdGenerator(0),
            Limits(),
            writer_socket=self.runner.writer_socket,
        )
        self.opened.append(store)
        return store

    async def close(self) -> None:
        for store in self.opened:
            await store.close()
        await self.runner.close()


class PostgresBackend:
    """A database of its own on the machine's PostgreSQL, dropped afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.url: str | None = None
        self.opened: list[Store] = []

    async def open(self) -> Store:
        server = services.postgres_server()
        if self.url is None:
            self.url = await server.new_database()
        store = await open_store(self.url, IdGenerator(0), Limits(), pool_size=4)
        self.opened.append(store)
        return store

    async def close(self) -> None:
        for store in self.opened:
            await store.close()
        if self.url is not None:
            await services.postgres_server().drop(self.url)


STORE_BACKENDS: dict[str, Callable[[Path], StoreBackend]] = {
    "sqlite": SqliteBackend,
    "sqlite-remote": SqliteRemoteBackend,
    "postgres": PostgresBackend,
}


async def open_memory_bus(request: pytest.FixtureRequest) -> Bus:
    return await open_bus("memory://")


class ProcessPair:
    """Two Redis buses on one namespace, as two processes have: messages are published
    through one and received through the other, so every bus test crosses Redis (a bus
    delivers to its own process's handlers directly). On a cluster, `fences` are topics
    whose channels lie on each master in turn (tests/contract/test_bus.py, `fence`)."""

    def __init__(
        self,
        url: str,
        sender: Bus,
        receiver: Bus,
        drop: Callable[[], Awaitable[None]],
        fences: Sequence[str] = (),
    ) -> None:
        self.url, self.sender, self.receiver, self._drop = url, sender, receiver, drop
        self.fences = fences

    async def publish(self, items: Sequence[tuple[str, object]]) -> None:
        await self.sender.publish(items)

    def subscribe(self, topic: str, handler: Handler) -> Subscription:
        return self.receiver.subscribe(topic, handler)

    def on_gap(self, callback: Callable[[], None]) -> None:
        self.receiver.on_gap(callback)

    async def close(self) -> None:
        await self.sender.close()
        await self.receiver.close()
        await self._drop()


async def open_local_pair(request: pytest.FixtureRequest) -> Bus:
    """Two buses on one relay, as two gateway processes of `serve --workers N` have."""
    runner = await SocketRunner(Path(request.getfixturevalue("tmp_path")) / "x.db").start()
    url = runner.bus_url
    return ProcessPair(url, await open_bus(url), await open_bus(url), runner.close)


async def open_redis_pair(request: pytest.FixtureRequest) -> Bus:
    server = services.redis_server()
    url = await server.new_namespace()
    return ProcessPair(url, await open_bus(url), await open_bus(url), lambda: server.drop(url))


async def open_redis_cluster_pair(request: pytest.FixtureRequest) -> Bus:
    cluster: PrivateRedisCluster = request.getfixturevalue("redis_cluster")
    url = cluster.new_namespace()
    fences = fence_topics(url.split("prefix=", 1)[1], cluster.slot_ranges())
    return ProcessPair(
        url, await open_bus(url), await open_bus(url), lambda: cluster.drop(url), fences
    )


def fence_topics(prefix: str, ranges: Sequence[tuple[int, int]]) -> list[str]:
    """A topic whose channel falls in each of these slot ranges (one per master)."""
    from redis.crc import key_slot

    found: dict[int, str] = {}
    for i in itertools.count():
        topic = f"fence:{i}"
        slot = key_slot((prefix + topic).encode())
        for n, (first, last) in enumerate(ranges):
            if first <= slot <= last:
                found.setdefault(n, topic)
        if len(found) == len(ranges):
            return list(found.values())
    raise AssertionError("unreachable")


BUS_BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Awaitable[Bus]]] = {
    "memory": open_memory_bus,
    "local": open_local_pair,
    "redis": open_redis_pair,
    "redis-cluster": open_redis_cluster_pair,
}


@pytest.fixture(params=sorted(STORE_BACKENDS))
async def store_backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[StoreBackend]:
    backend = STORE_BACKENDS[request.param](tmp_path)
    yield backend
    await backend.close()


@pytest.fixture
async def store(store_backend: StoreBackend) -> Store:
    return await store_backend.open()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    """The SQLite store alone, for the tests of its writer's own machinery."""
    backend = STORE_BACKENDS["sqlite"](tmp_path)
    yield await backend.open()
    await backend.close()


@pytest.fixture(params=sorted(BUS_BACKENDS))
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    opened = await BUS_BACKENDS[request.param](request)
    yield opened
    await opened.close()


# --- helpers for building state through the Store ---


def now() -> Instant:
    return Instant(int(time.time() * 1000))


async def new_user(store: Store, username: str) -> User:
    return await store.create_user(username, "not-a-real-hash", username.title(), "en", now())


async def befriend(store: Store, a: UserId, b: UserId) -> ConversationId:
    """Make a and b contacts (a asks, b accepts); return their direct conversation."""
    request = await store.request_contact(a, b, "hi", now())
    await store.answer_request(b, request.value.id, True, now())
    direct = await store.open_direct(a, b, now())
    return direct.value.id


def text(cid: ConversationId, sender: UserId, client_msg_id: str, body: str) -> Draft:
    return Draft(cid, sender, client_msg_id, MessageKind.TEXT, body)
