"""Marks on units of work, and how a backend without real suspension runs them.

A unit of work is an `async def fn(tx, *args)` (a write, given a `Tx`) or
`async def fn(db, *args)` (a read, given a `Reader`): see ports.py. The same function
runs on every backend. PostgreSQL awaits its statements over the network; SQLite's
statements complete at once, so its engine drives the coroutine to its end in one step
(`run_now`) on the thread that owns the connection, with no event loop in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def checks_first(fn: F) -> F:
    """Mark a write that raises MicroletterError only before its first statement that
    writes, so SQLite's writer runs it without a savepoint (two statements fewer on the
    hot path). Any other error it raises fails its whole batch, which is then retried."""
    setattr(fn, "checks_first", True)  # noqa: B010  # read by the SQLite writer
    return fn


def snapshot(fn: F) -> F:
    """Mark a read of several queries that must see one committed state (PostgreSQL then
    runs it in one REPEATABLE READ transaction; every SQLite read is one already)."""
    setattr(fn, "snapshot", True)  # noqa: B010  # read by the PostgreSQL engine
    return fn


def is_checks_first(fn: Callable[..., Any]) -> bool:
    return bool(getattr(fn, "checks_first", False))


def is_snapshot(fn: Callable[..., Any]) -> bool:
    return bool(getattr(fn, "snapshot", False))


class Suspended(RuntimeError):
    """A unit of work awaited something that does not complete at once (on SQLite every
    statement does: awaiting a network call or a sleep inside a unit of work is a bug)."""


def run_now(work: Awaitable[T]) -> T:
    """Run a coroutine that never suspends to its end, on this thread."""
    steps = work.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        value: T = done.value
        return value
    steps.close()
    raise Suspended("a unit of work suspended; it may only await its Tx or Reader")
