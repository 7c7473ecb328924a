"""A fair queue for decoding: at most `capacity` jobs run at once, at most `per_owner` of
them one owner's, and owners who wait are served in turn. So a user who sends many heavy
uploads waits behind their own, and everyone else's small ones go between them.

Theory of operation. `Turns` is the bookkeeping alone (no event loop, no clock): owners
with waiting tickets form a ring in the order they asked; `next()` walks the ring and
starts the first ticket of each owner who is under `per_owner`, one per owner per round,
moving that owner to the back, until `capacity` jobs run. `finish(owner)` frees a slot.
An owner with `max_waiting` tickets waiting is refused (MediaBusy) instead of queued, so
the queue stays short. `FairQueue` puts it on asyncio: a ticket is a future resolved when
its turn comes, and a caller cancelled while waiting leaves the ring.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from microletter.core.errors import MediaBusy

T = TypeVar("T")


class Turns(Generic[T]):
    def __init__(self, capacity: int, per_owner: int, max_waiting: int) -> None:
        self.capacity = capacity
        self.per_owner = per_owner
        self.max_waiting = max_waiting
        self.running: dict[Hashable, int] = {}
        self.busy = 0
        self._ring: dict[Hashable, deque[T]] = {}  # insertion order is the ring's order

    def ask(self, owner: Hashable, ticket: T) -> None:
        """Queue `ticket` for `owner`; MediaBusy if they have `max_waiting` waiting."""
        waiting = self._ring.setdefault(owner, deque())
        if len(waiting) >= self.max_waiting:
            raise MediaBusy(max_waiting=self.max_waiting)
        waiting.append(ticket)

    def withdraw(self, owner: Hashable, ticket: T) -> None:
        """Forget a ticket that has not started (its caller went away)."""
        waiting = self._ring.get(owner)
        if waiting is not None and ticket in waiting:
            waiting.remove(ticket)
            if not waiting:
                del self._ring[owner]

    def next(self) -> list[tuple[Hashable, T]]:
        """The tickets that start now (each now counts as running)."""
        started: list[tuple[Hashable, T]] = []
        while self.busy < self.capacity:
            owner = next((o for o in self._ring if self.running.get(o, 0) < self.per_owner), None)
            if owner is None:
                break
            waiting = self._ring.pop(owner)
            started.append((owner, waiting.popleft()))
            if waiting:  # back of the ring: everyone else who waits goes first
                self._ring[owner] = waiting
            self.running[owner] = self.running.get(owner, 0) + 1
            self.busy += 1
        return started

    def finish(self, owner: Hashable) -> None:
        """One of `owner`'s jobs ended: its slot is free."""
        left = self.running[owner] - 1
        if left:
            self.running[owner] = left
        else:
            del self.running[owner]
        self.busy -= 1

    def waiting(self, owner: Hashable) -> int:
        return len(self._ring.get(owner, ()))


class FairQueue:
    def __init__(self, capacity: int, per_owner: int, max_waiting: int) -> None:
        self._turns: Turns[asyncio.Future[None]] = Turns(capacity, per_owner, max_waiting)

    @asynccontextmanager
    async def turn(self, owner: Hashable) -> AsyncIterator[None]:
        """Wait for `owner`'s turn, hold a slot inside the block, free it after."""
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turns.ask(owner, ticket)
        self._start()
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.cancelled():
                self._turns.withdraw(owner, ticket)
            else:  # its turn had come, but the caller was cancelled before it ran
                self._finish(owner)
            raise
        try:
            yield
        finally:
            self._finish(owner)

    def _finish(self, owner: Hashable) -> None:
        self._turns.finish(owner)
        self._start()

    def _start(self) -> None:
        while started := self._turns.next():
            freed = False
            for owner, ticket in started:
                if ticket.done():  # cancelled after it was picked: give the slot back
                    self._turns.finish(owner)
                    freed = True
                else:
                    ticket.set_result(None)
            if not freed:
                return
