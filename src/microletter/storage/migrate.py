"""Versioned schema migrations (Alembic), run on first start and by `microletter migrate`.

Alembic and SQLAlchemy are imported only when the database is behind `HEAD`, so a warm
start costs one tiny query, not the import of an ORM.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

HEAD = "0004"  # the newest revision in migrations/versions; a test keeps this in step
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
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # type: ignore[attr-defined]  # a SQLAlchemy Engine
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def script_head() -> str | None:
    """The head revision as Alembic sees it (for the test that keeps HEAD honest)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
