"""Durable state behind the Store door, picked by URL: sqlite:///path (default) or
postgresql://user@host/db. A driver is imported only when its scheme is used."""

from __future__ import annotations

from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.ports import PlatformStore, Store
from microletter.storage.sqlite.engine import BatchObserver

__all__ = ["open_store", "platform_store", "sqlite_path"]


def sqlite_path(url: str) -> str:
    """`sqlite:///relative/file.db` or `sqlite:////absolute/file.db` to a file path."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url!r}")
    return url.removeprefix("sqlite:///")


async def open_store(
    url: str,
    ids: IdGenerator,
    limits: Limits,
    *,
    sqlite_synchronous: str = "FULL",
    on_batch: BatchObserver | None = None,
    exit_after_commits: int = 0,
    pool_size: int = 10,
    timeout: float = 10.0,
) -> Store:
    """Open (creating and migrating on first use) the store that `url` names."""
    if url.startswith("sqlite:"):
        from microletter.storage.sqlite.store import SqliteStore

        return await SqliteStore.open(
            sqlite_path(url),
            ids,
            limits,
            synchronous=sqlite_synchronous,
            on_batch=on_batch,
            exit_after_commits=exit_after_commits,
        )
    if url.startswith(("postgresql:", "postgres:")):
        from microletter.storage.postgres.store import PostgresStore

        return await PostgresStore.open(url, ids, limits, pool_size=pool_size, timeout=timeout)
    scheme = url.split(":", 1)[0]
    raise ValueError(
        f"unsupported database URL scheme {scheme!r}; use sqlite:///path or postgresql://..."
    )


def platform_store(store: Store) -> PlatformStore:
    """The open platform's part of a store opened by `open_store` (same database, same
    writer and transactions)."""
    part = getattr(store, "platform", None)
    if part is None:
        raise TypeError(f"{type(store).__name__} has no platform part")
    platform: PlatformStore = part
    return platform
