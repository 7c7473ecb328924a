"""What every `Database` (ports.py) has in common; a backend adds how it runs a unit of
work (`_write`, `_read`), its leases and how it closes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from microletter.core.events import Outcome
from microletter.ports import Lease, MessageIndex, Reader, Tx

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[..., Awaitable[Any]]


class BaseDatabase(ABC):
    def __init__(self, epoch: str, key: bytes, indexes: list[MessageIndex]) -> None:
        self._epoch = epoch
        self._key = key
        # The very list every transaction of the backend is given (ports.Tx.indexes).
        self.indexes = indexes

    def add_index(self, index: MessageIndex) -> None:
        self.indexes.append(index)

    @property
    @abstractmethod
    def dialect(self) -> str: ...

    @property
    def epoch(self) -> str:
        return self._epoch

    @property
    def server_key(self) -> bytes:
        return self._key

    def write(
        self, fn: Callable[Concatenate[Tx, P], Awaitable[T]], /, *args: P.args, **kw: P.kwargs
    ) -> Awaitable[Outcome[T]]:
        return self._write(fn, args, kw)

    def read(
        self, fn: Callable[Concatenate[Reader, P], Awaitable[T]], /, *args: P.args, **kw: P.kwargs
    ) -> Awaitable[T]:
        return self._read(fn, args, kw)

    async def ping(self) -> None:
        await self.read(_ping)

    @abstractmethod
    def _write(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        """Run `fn(tx, *args, **kwargs)` in one transaction; its Outcome once committed."""

    @abstractmethod
    def _read(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        """Run `fn(reader, *args, **kwargs)`; its value."""

    @abstractmethod
    def lease(self, name: str) -> Lease: ...

    @abstractmethod
    async def close(self) -> None: ...


async def _ping(db: Reader) -> Any:
    return await db.fetchval("SELECT 1")
