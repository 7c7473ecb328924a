"""Facades declared, not written: a store's operations are its units of work, bound to
its database.

    class Store(Facade):
        create_user = writes_value(accounts.create_user)   # -> User
        request_contact = writes(contacts.request_contact)  # -> Outcome[ContactRequest]
        contacts = reads(contacts.contacts)                 # -> list[Contact]

`store.create_user(username, ...)` then runs `accounts.create_user(tx, username, ...)` on
the store's database. The operation keeps the unit of work's parameters (ParamSpec), so
mypy checks every call's arguments against the function that does the work, and its
result is what ports.py's Protocol promises: an operation is one Protocol method and one
function, with one line here. How the work runs (SQLite's writer, PostgreSQL's pool, a
writer in another process) is the database's business alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from microletter.core.events import Outcome
from microletter.ports import Database, Reader, Tx

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")


class Facade:
    """A set of operations on one database. No __slots__: a bound operation is cached in
    the instance's __dict__ on first use, so later calls skip the descriptor."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db


class Operation(Generic[P, R]):
    """A descriptor: on a Facade, the coroutine function that runs one unit of work."""

    def __init__(self, bind: Callable[[Database], Callable[P, Coroutine[Any, Any, R]]]) -> None:
        self._bind = bind
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Operation[P, R]: ...
    @overload
    def __get__(self, obj: Facade, owner: type) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(
        self, obj: Facade | None, owner: type
    ) -> Operation[P, R] | Callable[P, Coroutine[Any, Any, R]]:
        if obj is None:
            return self
        bound = self._bind(obj.db)
        obj.__dict__[self._name] = bound
        return bound


def writes(fn: Callable[Concatenate[Tx, P], Awaitable[T]]) -> Operation[P, Outcome[T]]:
    """An operation that writes and returns the Outcome (the value and the log entries
    to publish)."""

    def bind(db: Database) -> Callable[P, Coroutine[Any, Any, Outcome[T]]]:
        write = db.write

        async def operation(*args: P.args, **kwargs: P.kwargs) -> Outcome[T]:
            return await write(fn, *args, **kwargs)

        return operation

    return Operation(bind)


def writes_value(fn: Callable[Concatenate[Tx, P], Awaitable[T]]) -> Operation[P, T]:
    """An operation that writes and returns the value (it appends to no log)."""

    def bind(db: Database) -> Callable[P, Coroutine[Any, Any, T]]:
        write = db.write

        async def operation(*args: P.args, **kwargs: P.kwargs) -> T:
            return (await write(fn, *args, **kwargs)).value

        return operation

    return Operation(bind)


def reads(fn: Callable[Concatenate[Reader, P], Awaitable[T]]) -> Operation[P, T]:
    """An operation that only reads."""

    def bind(db: Database) -> Callable[P, Coroutine[Any, Any, T]]:
        read = db.read

        async def operation(*args: P.args, **kwargs: P.kwargs) -> T:
            return await read(fn, *args, **kwargs)

        return operation

    return Operation(bind)
