"""Per-connection output: frames queue up and are written once per event-loop turn.

Many frames for one client then share one write() (and the client one read()): the lever
that lets Redis deliver several times more per core than a syscall per frame. The queue
is bounded in bytes, counting what the transport still holds: a client that does not
read is dropped (it resumes from its cursor) instead of growing our memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from microletter.gateway.connection import ws_frame


class Outbox:
    __slots__ = (
        "_transport",
        "_opcode",
        "_limit",
        "_on_overflow",
        "_parts",
        "_size",
        "_scheduled",
        "loop",
        "closed",
    )

    def __init__(
        self,
        transport: asyncio.Transport,
        opcode: int,
        limit: int,
        on_overflow: Callable[[], None],
    ) -> None:
        self._transport = transport
        self._opcode = opcode
        self._limit = limit
        self._on_overflow = on_overflow
        self._parts: list[bytes] = []
        self._size = 0
        self._scheduled = False
        self.loop = asyncio.get_running_loop()
        self.closed = False

    def put(self, payload: bytes, bounded: bool = True) -> bool:
        """Queue one frame; False (and the overflow callback) if the client is too slow.
        Catch-up passes bounded=False: it waits for `drained()` between pages instead."""
        if self.closed:
            return False
        n = len(payload)  # the frame header made here for small frames: a call less
        frame = (
            bytes((0x80 | self._opcode, n)) + payload
            if n < 126
            else ws_frame(payload, self._opcode)
        )
        if not bounded:
            return self._queue(frame, False)
        size = self._size = self._size + len(frame)
        if size + self._transport.get_write_buffer_size() > self._limit:
            self._overflow()
            return False
        self._parts.append(frame)
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self.flush)
        return True

    def put_framed(self, frame: bytes) -> bool:
        """`put` of a frame already made (one frame shared by many connections)."""
        if self.closed:
            return False
        return self._queue(frame, True)

    def _queue(self, frame: bytes, bounded: bool) -> bool:
        if bounded:
            self._size += len(frame)
        if bounded and self._size + self._transport.get_write_buffer_size() > self._limit:
            self._overflow()
            return False
        self._parts.append(frame)
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self.flush)
        return True

    def _overflow(self) -> None:
        self.closed = True
        self._parts.clear()
        self._on_overflow()

    async def drained(self, patience: float = 30.0) -> None:
        """Wait until the client has taken most of what we queued (backpressure for
        catch-up, which may produce far more than a live stream). A client that takes
        nothing for `patience` seconds is treated as too slow."""
        self.flush()
        low = self._limit // 4
        deadline = self.loop.time() + patience
        while not self.closed and self._transport.get_write_buffer_size() > low:
            if self.loop.time() > deadline:
                self.closed = True
                self._on_overflow()
                return
            await asyncio.sleep(0.005)

    def flush(self) -> None:
        self._scheduled = False
        if not self._parts:
            return
        data = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)
