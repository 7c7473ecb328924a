"""Versioned schema migrations (Alembic), run on first start and by `microletter migrate`.

Alembic and SQLAlchemy are imported only when the database is behind `HEAD`, so a warm
start costs one tiny query, not the import of an ORM.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

HEAD = "0044"  # the newest revision in migrations/versions; a test keeps this in step
MIGRATIONS = Path(__file__).with_name("migrations")


def sqlite_revision(path: str) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if row is None:
            return None
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if version is None else str(version[0])
    finally:
        conn.close()


def migrate_sqlite(path: str) -> bool:
    """Bring the SQLite file at `path` to HEAD. Returns whether anything was applied."""
    if sqlite_revision(path) == HEAD:
        return False
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    import sqlalchemy

    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    try:
        _upgrade(engine)
    finally:
        engine.dispose()
    log.info("store.migrated", extra={"revision": HEAD})
    return True


def _upgrade(engine: object) -> None:
    with engine.begin() as connection:  # type: ignore[attr-defined]  # a SQLAlchemy Engine
        _upgrade_on(connection)


def _upgrade_on(connection: object) -> None:
    """Alembic `upgrade head` on an open SQLAlchemy connection, inside its transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


MIGRATION_LOCK = 0x6D6C0001  # advisory lock: one process migrates, the others wait


async def postgres_revision(dsn: str) -> str | None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT to_regclass('alembic_version')") is None:
            return None
        version = await conn.fetchval("SELECT version_num FROM alembic_version")
        return None if version is None else str(version)
    finally:
        await conn.close()


async def migrate_postgres(dsn: str) -> bool:
    """Bring the PostgreSQL database at `dsn` to HEAD. Returns whether anything was applied.

    Several processes may start at once: an advisory lock lets one migrate while the
    others wait, then find nothing left to do. Alembic runs on SQLAlchemy's asyncpg
    dialect, so no second driver is needed."""
    if await postgres_revision(dsn) == HEAD:
        return False
    import sqlalchemy
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(sqlalchemy_url(dsn), poolclass=sqlalchemy.pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sqlalchemy.text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            )
            await connection.run_sync(_upgrade_on)
    finally:
        await engine.dispose()
    log.info("store.migrated", extra={"revision": HEAD})
    return True


def sqlalchemy_url(dsn: str) -> str:
    """postgresql://... as SQLAlchemy names it with the asyncpg driver."""
    scheme, rest = dsn.split("://", 1)
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {dsn!r}")
    return f"postgresql+asyncpg://{rest}"


def script_head() -> str | None:
    """The head revision as Alembic sees it (for the test that keeps HEAD honest)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
