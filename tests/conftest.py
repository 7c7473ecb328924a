"""Shared fixtures: a real server on an ephemeral port, and SDK clients talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvloop

from microletter.app import Server
from microletter.client import Client
from microletter.settings import Settings
from tests.support import services
from tests.support.private import PrivateRedisCluster
from tests.support.workers import SocketRunner

# Cheap argon2 parameters keep registration fast in tests; the hashing itself is real.
FAST_HASH: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
}
NO_RATE_LIMITS: dict[str, Any] = {
    "rate_user": "100000/second",
    "rate_ip": "100000/second",
    "rate_auth_ip": "100000/second",
    "rate_account": "100000/second",
    "rate_search": "100000/second",
}
PASSWORD = "correct horse"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**kw): override server settings for a test")
    config.addinivalue_line("markers", "redis_cluster: the fault test runs on a Redis Cluster")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    services.finish()


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    """Run async tests on uvloop, as the server runs in production."""
    return {"uvloop": uvloop.new_event_loop}


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "data_dir": data_dir,
        "log_format": "text",
        **FAST_HASH,
        **NO_RATE_LIMITS,
    }
    values.update(overrides)
    return Settings(**values)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test of a server runs on both backend pairs (the open platform's too), except
    the browser tests (what differs between backends is below the API; the integration
    suite covers it)."""
    if "backends" in metafunc.fixturenames:
        only = metafunc.module.__name__.startswith("tests.browser")
        chosen = ["sqlite"] if only else BACKENDS
        if getattr(metafunc.module, "ALSO_ON_WORKERS", False):
            chosen = [*chosen, "sqlite-workers"]
        metafunc.parametrize("backends", chosen, indirect=True)


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture
async def backends(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """The settings that pick a backend pair: SQLite + the in-process bus, or a database
    of its own on the machine's PostgreSQL + a namespace of its own on its Redis; and
    for modules that ask for it (`ALSO_ON_WORKERS = True`), SQLite with the writer behind
    its socket and the local bus, as a gateway of `serve --workers N` has them."""
    if request.param == "sqlite":
        yield {}
        return
    if request.param == "sqlite-workers":  # a module with ALSO_ON_WORKERS = True
        tmp_path: Path = request.getfixturevalue("tmp_path")
        marker = request.node.get_closest_marker("settings")  # the writer's limits too
        limits = make_settings(tmp_path / "data", **(marker.kwargs if marker else {})).limits
        runner = await SocketRunner(tmp_path / "data" / "microletter.db", limits).start()
        try:
            yield runner.settings
        finally:
            await runner.close()
        return
    async with postgres_and_redis() as settings:
        yield settings


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedisCluster]:
    """One Redis Cluster of private processes for the run (3 masters, 3 replicas), for
    tests that only use it: each takes a namespace (`new_namespace`, `drop`). Tests that
    kill its nodes start one of their own."""
    cluster = PrivateRedisCluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
async def shared(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """A database and a Redis namespace for the server processes of one cluster test (a
    module may set DATABASE_POOL_SIZE for each process's pool)."""
    async with postgres_and_redis(getattr(request.module, "DATABASE_POOL_SIZE", 4)) as settings:
        yield settings


@asynccontextmanager
async def postgres_and_redis(pool_size: int = 4) -> AsyncIterator[dict[str, Any]]:
    """Settings for a database of its own on the machine's PostgreSQL and a namespace of
    its own on its Redis; both dropped afterwards."""
    postgres, redis = services.postgres_server(), services.redis_server()
    database_url = await postgres.new_database()
    bus_url = await redis.new_namespace()
    try:
        yield {"database_url": database_url, "bus_url": bus_url, "database_pool_size": pool_size}
    finally:
        await postgres.drop(database_url)
        await redis.drop(bus_url)


@pytest.fixture
async def server(
    tmp_path: Path, request: pytest.FixtureRequest, backends: dict[str, Any]
) -> AsyncIterator[Server]:
    marker = request.node.get_closest_marker("settings")
    overrides = {**backends, **(marker.kwargs if marker else {})}
    srv = Server(make_settings(tmp_path / "data", **overrides))
    await srv.start()
    yield srv
    await srv.stop()


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
async def clients(server: Server) -> AsyncIterator[MakeClient]:
    """`await clients("alice")` registers alice and returns her logged-in client. An
    operator's username (reserved from sign-up) is made with the setup link's token."""
    made: list[Client] = []

    async def make(username: str | None = None, password: str = PASSWORD) -> Client:
        client = Client(server.url)
        made.append(client)
        if username is not None and username in server.settings.operators:
            await client.setup_operator(await setup_token(server), username, password)
        elif username is not None:
            await client.register(username, password)
        return client

    yield make
    for client in made:
        await client.close()


async def setup_token(server: Server) -> str:
    """The token of the operator setup link the server prints (a new one if the last was
    used and an operator still has no account, as a restart would make)."""
    link = await server.prepare_operator_setup()
    assert link is not None, "every operator has an account already"
    return link.rsplit("/", 1)[1]


async def befriend(a: Client, b: Client) -> int:
    """Make a and b contacts; return their direct conversation's id."""
    assert b.user is not None
    request = await a.request_contact(user_id=b.user["id"], greeting="hi")
    await b.accept(request["id"])
    view = await a.open_direct(b.user["id"])
    return int(view["conversation"]["id"])
