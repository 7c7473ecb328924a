"""What every action is given: the store, the bus, the clock, the limits and the helpers.

Built once in app.py and passed in; no action ever looks a dependency up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from microletter.core.events import LogEntry, Outcome
from microletter.core.ids import UserId
from microletter.core.limits import Limits
from microletter.core.media import Media, MediaId
from microletter.core.models import Instant, Principal
from microletter.core.quotas import Retention
from microletter.metrics import Metrics
from microletter.ports import (
    Blobs,
    Bus,
    Intake,
    Presence,
    Referrer,
    SetupToken,
    Store,
    stream_topic,
    user_topic,
)

# A room's way of resolving its own event kinds when a user's log is read (Moments' notices
# point at a like or comment, shown only while its reader may still see it).
LogResolver = Callable[[UserId, list[LogEntry]], Awaitable[list[LogEntry]]]
# A room's answer to "which of these blobs may this user see through me?" (a Moments post's
# pictures), asked by the media actions after the core's own rules said no.
MediaGrant = Callable[[UserId, Sequence[MediaId]], Awaitable[dict[MediaId, Media]]]


def wall_clock() -> Instant:
    return Instant(time.time_ns() // 1_000_000)


T = TypeVar("T")


class Passwords:
    """argon2id hashing on a small thread pool, so a login never blocks the event loop and
    a burst of logins cannot take all memory (each hash uses `memory_kib`)."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int, workers: int = 2):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        # Unknown users are checked against this, so both failures cost the same time. It
        # is made on the pool, so a start does not wait the ~0.1 s one hash takes.
        self._decoy = self._pool.submit(self._hasher.hash, "decoy password, never valid")

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._verify, stored, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._decoy.result(), password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._pool.shutdown(wait=False)


class TokenCache:
    """Recently seen token hashes, so an authenticated request costs no database read.
    Entries expire after `ttl` seconds, which bounds how long another process may still
    accept a token revoked elsewhere; revocations in this process evict at once."""

    def __init__(self, ttl: float = 30.0, size: int = 100_000) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: dict[bytes, tuple[Principal, float]] = {}

    def get(self, token_hash: bytes) -> Principal | None:
        hit = self._entries.get(token_hash)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, token_hash: bytes, principal: Principal) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[token_hash] = (principal, time.monotonic() + self._ttl)

    def evict_device(self, device_id: int) -> None:
        for key in [k for k, (p, _) in self._entries.items() if p.device_id == device_id]:
            del self._entries[key]


@dataclass
class MediaRoom:
    """What the media actions need: the intake for uploads, the blobs to serve from, the
    key that signs links; the storage settings, the referrers every room registered (the
    collector asks them) and how much disk is free (the least of the blobs' and the
    database's, for the server's own data)."""

    intake: Intake
    blobs: Blobs
    secret: bytes
    retention: Retention = field(default_factory=Retention)
    referrers: Iterable[Referrer] = ()
    free_disk: Callable[[], int] | None = None  # None: the blobs' own
    grants: list[MediaGrant] = field(default_factory=list)  # rooms' own viewers (app.py)


@dataclass
class Context:
    store: Store
    bus: Bus
    limits: Limits
    passwords: Passwords
    metrics: Metrics
    media: MediaRoom
    presence: Presence
    clock: Callable[[], Instant] = wall_clock
    tokens: TokenCache = field(default_factory=lambda: TokenCache())
    operators: frozenset[str] = frozenset()  # usernames (MICROLETTER_OPERATORS)
    setup: SetupToken | None = None  # the operator setup link's token (None: no link)
    resolvers: list[LogResolver] = field(default_factory=list)  # rooms' event kinds (app.py)

    async def write(self, write: Awaitable[Outcome[T]]) -> T:
        """Await a store write, publish the log entries it appended, return its value:
        `return await ctx.write(ctx.store.block(me, them, ctx.clock()))`."""
        outcome = await write
        await self.publish(outcome)
        return outcome.value

    async def publish(self, outcome: Outcome[object]) -> None:
        """Hand the outcome's log entries to the bus, after the commit that made them."""
        if outcome.entries:
            await self.bus.publish([(user_topic(e.user_id), e) for e in outcome.entries])
        if outcome.streamed:  # one hint per message of a large group, whatever its size
            await self.bus.publish(
                [(stream_topic(e.message.conversation_id), e) for e in outcome.streamed]
            )
