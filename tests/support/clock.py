"""The server's clock, moved by the test: time-dependent rules (cooldowns, expiry) are
proved without waiting for the wall clock. Every action reads `Context.clock` when it runs,
so replacing it on a started server takes effect at once."""

from __future__ import annotations

from microletter.actions.context import wall_clock
from microletter.app import Server
from microletter.core.models import Instant


class Clock:
    """Stands still until `advance` moves it; starts at `start`, or at the wall clock's now."""

    def __init__(self, server: Server, start: Instant | None = None) -> None:
        assert server.ctx is not None, "the server must be started"
        self.now = wall_clock() if start is None else start
        server.ctx.clock = lambda: self.now

    def advance(self, ms: int) -> None:
        self.now = Instant(self.now + ms)
