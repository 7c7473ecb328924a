"""The machine's PostgreSQL and Redis, shared with others: each test gets a database of
its own (copied from a template migrated once per run) and a Redis namespace of its own.

Two things keep the copies cheap. A test's database commits without waiting for the
disk (synchronous_commit off: the shared server is never crashed by a test, and a
committed row is visible at once all the same; fault tests that kill PostgreSQL start
one of their own, tests/support/private.py). And a test hands its database over to be
dropped in the background: PostgreSQL 15 makes every DROP DATABASE wait for a checkpoint
(a second or more on a busy machine), and drops that run together share one.

Where they are: MICROLETTER_TEST_POSTGRES (an admin URL, default
postgresql://postgres@127.0.0.1:5432/postgres) and MICROLETTER_TEST_REDIS (default
redis://127.0.0.1:6379); set either to "off" to skip its tests. A service that cannot
be reached skips its tests with the reason, or fails them when
MICROLETTER_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import asyncio
import os
import queue
import secrets
import sys
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import pytest

RUN = secrets.token_hex(3)  # this test run, so parallel runs never share names
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DEFAULT = "redis://127.0.0.1:6379"


def required() -> bool:
    return os.environ.get("MICROLETTER_REQUIRE_SERVICES", "") == "1"


def unavailable(service: str, reason: str) -> None:
    """Skip (or, when services are required, fail) a test that needs `service`."""
    message = f"{service} is not available: {reason}"
    if required():
        pytest.fail(f"{message} (MICROLETTER_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(admin_url: str, *statements: str) -> None:
    """Run statements one by one on a connection of their own (CREATE and DROP DATABASE
    cannot share a transaction)."""
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


class Dropper:
    """Drops databases in a thread of its own, up to BATCH at once, while the tests go on."""

    BATCH = 8

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.pending: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.failed: list[str] = []

    def drop(self, name: str) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="drop-databases", daemon=True)
            self.thread.start()
        self.pending.put(name)

    def finish(self) -> list[str]:
        """Wait for every handed-over database to be dropped; the names that failed."""
        if self.thread is not None:
            self.pending.put(None)
            self.thread.join()
            self.thread = None
        return self.failed

    def _run(self) -> None:
        while True:
            batch = [self.pending.get()]
            while len(batch) < self.BATCH and not self.pending.empty():
                batch.append(self.pending.get())
            names = [name for name in batch if name is not None]
            if names:
                asyncio.run(self._drop_all(names))
            if None in batch:
                return

    async def _drop_all(self, names: list[str]) -> None:
        async def drop_one(name: str) -> None:
            sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            try:
                await _admin(self.admin_url, sql)
            except Exception as exc:  # reported at the end of the run; no test waits on it
                self.failed.append(f"{name}: {exc!r}")

        await asyncio.gather(*(drop_one(name) for name in names))


@dataclass
class PostgresServer:
    admin_url: str
    template: str | None = None
    error: str | None = None
    count: int = 0
    dropper: Dropper = field(init=False)

    def __post_init__(self) -> None:
        self.dropper = Dropper(self.admin_url)

    async def _admin(self, *statements: str) -> None:
        await _admin(self.admin_url, *statements)

    async def new_database(self) -> str:
        """A fresh, migrated database of its own; returns its URL."""
        if self.error is not None:
            unavailable("PostgreSQL", self.error)
        if self.template is None:
            await self._make_template()
        self.count += 1
        name = f"microletter_t_{RUN}_{self.count}"
        await self._admin(
            f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"',
            f'ALTER DATABASE "{name}" SET synchronous_commit TO off',  # not copied
        )
        return with_database(self.admin_url, name)

    async def _make_template(self) -> None:
        from microletter.storage.migrate import migrate_postgres

        name = f"microletter_t_{RUN}_template"
        try:
            await self._admin(
                f'CREATE DATABASE "{name}"',
                f'ALTER DATABASE "{name}" SET synchronous_commit TO off',
            )
        except (OSError, TimeoutError) as exc:
            self.error = f"{self.admin_url}: {exc!r}"
            unavailable("PostgreSQL", self.error)
        except Exception as exc:
            self.error = f"{self.admin_url}: {exc!r}"
            unavailable("PostgreSQL", self.error)
        await migrate_postgres(with_database(self.admin_url, name))
        self.template = name

    async def drop(self, url: str) -> None:
        """Hand the database over to be dropped (soon, in the background; a connection
        still open to it then is ended)."""
        self.dropper.drop(urlsplit(url).path.lstrip("/"))

    async def drop_template(self) -> None:
        if self.template is not None:
            await self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self.template = None


_postgres: PostgresServer | None = None


def postgres_server() -> PostgresServer:
    """The one PostgresServer of this run (its template is dropped at the end)."""
    global _postgres
    url = os.environ.get("MICROLETTER_TEST_POSTGRES", PG_DEFAULT)
    if url == "off":
        unavailable("PostgreSQL", "MICROLETTER_TEST_POSTGRES=off")
    if _postgres is None:
        _postgres = PostgresServer(url)
    return _postgres


def finish() -> None:
    """At the end of the run: wait for the tests' databases to be dropped, then drop the
    template database."""
    if _postgres is None:
        return
    for failure in _postgres.dropper.finish():
        print(f"could not drop a test database: {failure}", file=sys.stderr)
    if _postgres.template is not None:
        asyncio.run(_postgres.drop_template())


@dataclass
class RedisServer:
    url: str
    count: int = 0

    async def new_namespace(self) -> str:
        """A bus URL of its own: a Redis database index and a channel/key prefix."""
        import redis.asyncio as redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=3)
        try:
            await client.ping()
        except (OSError, redis.RedisError) as exc:
            unavailable("Redis", f"{self.url}: {exc!r}")
        finally:
            await client.aclose()
        self.count += 1
        db = 1 + secrets.randbelow(15)
        return f"{self.url.rstrip('/')}/{db}?prefix=mlt:{RUN}:{self.count}:"

    async def drop(self, url: str) -> None:
        """Delete the keys of that namespace (nothing else: the server is shared)."""
        import redis.asyncio as redis

        prefix = url.split("prefix=", 1)[1]
        client = redis.Redis.from_url(url.split("?", 1)[0])
        try:
            keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


def redis_server() -> RedisServer:
    url = os.environ.get("MICROLETTER_TEST_REDIS", REDIS_DEFAULT)
    if url == "off":
        unavailable("Redis", "MICROLETTER_TEST_REDIS=off")
    return RedisServer(url)
