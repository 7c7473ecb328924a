"""The writer process's side of the socket: every unit of work that gateways send goes
into the one SQLite writer's queue (so it shares the group commit with every other
gateway's), and its Outcome goes back once its batch committed.

Theory of operation. A gateway connects and gets a hello frame (the log epoch and the
server key). Each frame it sends is a batch of requests `(id, op, payload)`:

    w  (fn, args, kwargs)   run fn(tx, *args, **kwargs) in the writer; answer its Outcome
    i  index                keep this MessageIndex in every transaction (one per class)
    l  name                 take the lease `name` if nobody holds it; answer True/False
    r  name                 give the lease back

Answers `(id, ok, value)` are gathered per connection and sent as one frame per turn of
the event loop: a batch that committed 300 writes of one gateway answers them in one
write. A lease belongs to the connection: when the gateway goes (stopped, killed), its
leases are free for the others, as PostgreSQL frees an advisory lock. The writer does
nothing for a gateway beyond this; what a gateway reads, it reads from the file itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from functools import partial
from typing import Any

from microletter.core.errors import Unavailable
from microletter.storage.remote.frames import FrameProtocol, dump, load, pack_error
from microletter.storage.sqlite.database import SqliteDatabase

log = logging.getLogger(__name__)


class WriterServer:
    """Serves one SqliteDatabase to the gateways on a Unix socket at `path`."""

    def __init__(self, db: SqliteDatabase, path: str) -> None:
        self.db = db
        self.path = path
        self.leases: dict[str, _Peer] = {}
        self.peers: set[_Peer] = set()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # left by a writer that was killed
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Peer(self), self.path)
        os.chmod(self.path, 0o600)

    def add_index(self, index: object) -> None:
        if not any(type(known) is type(index) for known in self.db.indexes):
            self.db.add_index(index)  # type: ignore[arg-type]  # a MessageIndex, pickled

    async def close(self) -> None:
        """Stop taking connections; commit what is queued and answer it; then hang up."""
        if self._server is not None:
            self._server.close()
        await self.db.close()
        await asyncio.sleep(0)  # the answers of the last batch are flushed on this turn
        for peer in list(self.peers):
            if peer.transport is not None:
                peer.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class _Peer(FrameProtocol):
    """One gateway's connection."""

    def __init__(self, server: WriterServer) -> None:
        super().__init__()
        self._server = server
        self._submit = server.db.writer.submit
        self._answers: list[tuple[int, bool, Any]] = []
        self._loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._server.peers.add(self)
        db = self._server.db
        assert self.transport is not None
        self.transport.write(dump(("hello", db.epoch, db.server_key)))

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.peers.discard(self)
        leases = self._server.leases
        for name in [n for n, holder in leases.items() if holder is self]:
            del leases[name]
        self.transport = None

    def frame_received(self, frame: bytes) -> None:
        for rid, op, payload in load(frame):
            if op == "w":
                fn, args, kwargs = payload
                try:
                    future = self._submit(fn, args, kwargs)
                except Unavailable as exc:  # shutting down
                    self._answer(rid, False, pack_error(exc))
                    continue
                future.add_done_callback(partial(self._written, rid))
            elif op == "i":
                self._server.add_index(payload)
                self._answer(rid, True, None)
            elif op == "l":
                holder = self._server.leases.setdefault(payload, self)
                self._answer(rid, True, holder is self)
            elif op == "r":
                if self._server.leases.get(payload) is self:
                    del self._server.leases[payload]
                self._answer(rid, True, None)
            else:
                log.error("writer.unknown_request", extra={"op": op})

    def _written(self, rid: int, future: asyncio.Future[Any]) -> None:
        if future.cancelled():
            self._answer(rid, False, pack_error(Unavailable("The write was cancelled.")))
            return
        exc = future.exception()
        if exc is not None:
            self._answer(rid, False, pack_error(exc))
        else:
            self._answer(rid, True, future.result())

    def _answer(self, rid: int, ok: bool, value: Any) -> None:
        if not self._answers:
            self._loop.call_soon(self._flush)
        self._answers.append((rid, ok, value))

    def _flush(self) -> None:
        answers, self._answers = self._answers, []
        if self.transport is None:  # gone: the writes happened, nobody to tell
            return
        try:
            data = dump(answers)
        except Exception:  # a value pickle cannot carry: answer each on its own
            data = b"".join(_dump_one(a) for a in answers)
        self.transport.write(data)


def _dump_one(answer: tuple[int, bool, Any]) -> bytes:
    try:
        return dump([answer])
    except Exception as exc:
        return dump([(answer[0], False, pack_error(exc))])
