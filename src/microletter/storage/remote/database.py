"""A gateway's SQLite database when another process owns the writer (`serve --workers N`
on SQLite): writes go over a Unix socket to the writer process (server.py), reads run
here, on this process's own read-only connections to the file.

Theory of operation. Every write is a request `(id, "w", (fn, args, kwargs))` put in the
outbox. The outbox goes out as one frame at the end of this turn of the event loop if
nothing is in flight, and otherwise as soon as the writer answers (group commit, one
level up: while the writer commits, the gateway gathers; measured, this sends a frame per
writer batch instead of one per 2 or 3 sends, and a frame costs the writer more than its
writes' pickling). The writer puts them in
its queue with every other gateway's, commits, and answers; the future resolves on the
answer, i.e. after the commit (the ack rule holds across the socket).

A read needs no round trip: WAL lets any process read a committed snapshot, and a
commit the writer acknowledged is in every read transaction begun after the ack.

If the writer goes away (killed, restarted by the supervisor), the writes in flight fail
with `Unavailable` (each may or may not have committed, as when PostgreSQL goes away
mid-COMMIT: a client re-sends with its client_msg_id and gets the original), the
connection's leases are lost, and the link reconnects with backoff. A write made while
it is away waits for the writer up to `timeout` seconds, then fails with `Unavailable`.
On every (re)connect the link first registers the message indexes again, so the writer
keeps them in every transaction this gateway sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from typing import Any

from microletter.core.errors import Unavailable
from microletter.ports import Lease, MessageIndex
from microletter.storage.base import BaseDatabase, Work
from microletter.storage.remote.frames import FrameProtocol, dump, load, unpack_error
from microletter.storage.sqlite.engine import Readers

log = logging.getLogger(__name__)

BACKOFF = (0.02, 0.05, 0.1, 0.2, 0.5)


class _Connection(FrameProtocol):
    def __init__(self, link: Link) -> None:
        super().__init__()
        self._link = link
        self.hello: asyncio.Future[tuple[str, bytes]] = asyncio.get_running_loop().create_future()

    def frame_received(self, frame: bytes) -> None:
        message = load(frame)
        if not self.hello.done():
            _, epoch, key = message
            self.hello.set_result((epoch, key))
            return
        self._link.answered(message)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError("the writer closed the connection"))
        self._link.lost(self)


class Link:
    """The gateway's connection to the writer process: requests, answers, reconnects."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._conn: _Connection | None = None
        self._next = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._outbox: list[tuple[int, str, Any]] = []
        self._in_flight = 0  # requests sent, not answered
        self._waiting: list[tuple[float, int]] = []  # (since, id) of requests not yet sent
        self._flushing = False
        self._indexes: list[object] = []
        self._leases: list[RemoteLease] = []
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.hello: tuple[str, bytes] = ("", b"")

    async def connect(self) -> None:
        """Connect once (the writer must be up); later losses reconnect by themselves."""
        await self._dial()

    async def _dial(self) -> None:
        _, conn = await self._loop.create_unix_connection(lambda: _Connection(self), self.path)
        self.hello = await conn.hello
        self._conn = conn
        assert conn.transport is not None
        registrations = [(self._new_id(), "i", index) for index in self._indexes]
        if registrations:  # before anything this gateway writes on the new connection
            for rid, _, _ in registrations:
                self._pending[rid] = self._loop.create_future()
            self._in_flight += len(registrations)
            conn.transport.write(dump(registrations))
        self._connected.set()
        self._waiting.clear()
        if self._outbox:
            self._schedule()

    def _new_id(self) -> int:
        self._next += 1
        return self._next

    def request(self, op: str, payload: Any) -> asyncio.Future[Any]:
        if self._closed:
            raise Unavailable("The store is shutting down.")
        rid = self._new_id()
        future = self._loop.create_future()
        self._pending[rid] = future
        self._outbox.append((rid, op, payload))
        if self._conn is None:
            self._waiting.append((time.monotonic(), rid))
        elif not self._flushing and self._in_flight <= 0:
            self._schedule()
        return future

    def add_index(self, index: object) -> None:
        self._indexes.append(index)
        if self._conn is not None:
            _ = self.request("i", index)  # answered at once; nothing to wait for

    def _schedule(self) -> None:
        self._flushing = True
        self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        conn = self._conn
        if conn is None or conn.transport is None or not self._outbox:
            return
        batch, self._outbox = self._outbox, []
        self._in_flight += len(batch)
        try:
            data = dump(batch)
        except Exception:  # one request pickle cannot carry: send the others alone
            data = b"".join(self._dump_one(item) for item in batch)
        conn.transport.write(data)

    def _dump_one(self, item: tuple[int, str, Any]) -> bytes:
        try:
            return dump([item])
        except Exception as exc:
            self._in_flight -= 1  # never sent
            future = self._pending.pop(item[0], None)
            if future is not None and not future.done():
                future.set_exception(
                    TypeError(
                        "a unit of work sent to the writer process must be a module-level"
                        f" function with picklable arguments: {exc}"
                    )
                )
            return b""

    def answered(self, answers: list[tuple[int, bool, Any]]) -> None:
        pending = self._pending
        self._in_flight -= len(answers)
        if self._outbox and not self._flushing:
            self._flush()  # what gathered while the writer worked
        for rid, ok, value in answers:
            future = pending.pop(rid, None)
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(unpack_error(value))

    def lost(self, conn: _Connection) -> None:
        if conn is not self._conn:
            return
        self._conn = None
        self._in_flight = 0
        self._connected.clear()
        unsent = {rid for rid, _, _ in self._outbox}
        failed = Unavailable("The writer went away; retry.")
        for rid in [r for r in self._pending if r not in unsent]:
            future = self._pending.pop(rid)
            if not future.done():
                future.set_exception(failed)
        now = time.monotonic()
        self._waiting = [(now, rid) for rid in unsent]
        for lease in self._leases:
            lease.drop()
        if not self._closed:
            log.warning("writer.link_lost", extra={"path": self.path})
            self._task = self._loop.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._closed:
            await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            attempt += 1
            self._expire()
            try:
                await self._dial()
            except (OSError, ConnectionError):
                continue
            log.info("writer.link_back", extra={"attempts": attempt})
            return

    def _expire(self) -> None:
        """Fail the writes that waited for the writer longer than the timeout."""
        cut = time.monotonic() - self.timeout
        if not self._waiting or self._waiting[0][0] > cut:
            return
        expired = {rid for since, rid in self._waiting if since <= cut}
        self._waiting = [(s, r) for s, r in self._waiting if r not in expired]
        self._outbox = [item for item in self._outbox if item[0] not in expired]
        for rid in expired:
            future = self._pending.pop(rid, None)
            if future is not None and not future.done():
                future.set_exception(Unavailable("The writer is not available; retry."))

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # Let the answers of writes in flight come back first (graceful shutdown).
        if self._pending and self._conn is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout):
                    await asyncio.gather(*self._pending.values(), return_exceptions=True)
        if self._conn is not None and self._conn.transport is not None:
            self._conn.transport.close()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(Unavailable("The store is shutting down."))


class RemoteLease:
    """ports.Lease held by the writer process for this gateway's connection."""

    def __init__(self, link: Link, name: str) -> None:
        self._link = link
        self._name = name
        self._held = False
        self._gone = asyncio.Event()

    async def try_acquire(self) -> bool:
        if self._held:
            return True
        try:
            held = bool(await self._link.request("l", self._name))
        except Unavailable:
            return False
        if held:
            self._held = True
            self._gone.clear()
            self._link._leases.append(self)
        return held

    def drop(self) -> None:
        if self._held:
            self._held = False
            self._gone.set()
            with contextlib.suppress(ValueError):
                self._link._leases.remove(self)

    async def lost(self) -> None:
        await self._gone.wait()

    async def release(self) -> None:
        if not self._held:
            return
        self.drop()
        with contextlib.suppress(Unavailable):
            await self._link.request("r", self._name)


class RemoteDatabase(BaseDatabase):
    """ports.Database: writes in the writer process, reads here."""

    def __init__(self, link: Link, readers: Readers) -> None:
        epoch, key = link.hello
        super().__init__(epoch, key, [])
        self._link = link
        self._readers = readers

    @classmethod
    async def open(cls, path: str, socket_path: str, *, timeout: float = 10.0) -> RemoteDatabase:
        """Connect to the writer process serving `path` (it migrated the file first)."""
        link = Link(socket_path, timeout)
        try:
            await link.connect()
        except OSError as exc:
            raise Unavailable(f"Cannot reach the writer process at {socket_path}: {exc}") from None
        return cls(link, Readers(path))

    @property
    def dialect(self) -> str:
        return "sqlite"

    def add_index(self, index: MessageIndex) -> None:
        super().add_index(index)
        self._link.add_index(index)

    def _write(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        return self._link.request("w", (fn, args, kwargs))

    def _read(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        return self._readers.run(fn, args, kwargs)

    def lease(self, name: str) -> Lease:
        return RemoteLease(self._link, name)

    async def close(self) -> None:
        await self._link.close()
        self._readers.close()
