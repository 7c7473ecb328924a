"""The two backend pairs stay in step: the same schema from the same migrations, and the
default (SQLite + memory) never pays for the drivers of the other."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg

from microletter.storage.migrate import migrate_sqlite
from tests.support import services


async def test_sqlite_and_postgres_get_the_same_tables_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    migrate_sqlite(str(path))
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        lite = {t: {r[1] for r in db.execute(f'PRAGMA table_info("{t}")')} for t in tables}
    server = services.postgres_server()
    url = await server.new_database()
    try:
        conn = await asyncpg.connect(url)
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
        await conn.close()
    finally:
        await server.drop(url)
    pg: dict[str, set[str]] = {}
    for table, column in rows:
        pg.setdefault(table, set()).add(column)
    # The one place the schemas differ by design: the search index (migration 0016), an
    # FTS5 table (and its shadow tables) plus a queue on SQLite, a tsvector table on
    # PostgreSQL.
    lite = {t: c for t, c in lite.items() if not t.startswith(("message_search", "search_pending"))}
    pg = {t: c for t, c in pg.items() if t != "message_search"}
    assert lite == pg


def test_the_default_backends_load_no_postgres_or_redis_driver(tmp_path: Path) -> None:
    code = f"""
import asyncio, sys
from microletter.bus import open_bus, open_presence
from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.storage import open_store

async def main():
    store = await open_store("sqlite:///{tmp_path}/x.db", IdGenerator(0), Limits())
    bus, presence = await open_bus("memory://"), await open_presence("memory://")
    await store.close(); await bus.close(); await presence.close()

asyncio.run(main())
loaded = sorted(m for m in ("asyncpg", "redis", "sqlalchemy.ext.asyncio") if m in sys.modules)
print(",".join(loaded))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
