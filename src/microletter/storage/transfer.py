"""Moving a whole community between databases: a portable, streamed dump of every table
(users, devices with their token hashes, contacts, conversations, messages, update logs
and the log epoch, so every login and every device cursor stays valid), and its load.

The dump is read in one consistent snapshot (a read transaction on SQLite, REPEATABLE
READ on PostgreSQL), so it is also an online backup of either backend. Format: a stream
of MessagePack items: a header {"format", "revision", "tables": {name: rows}}, then per
table {"table", "columns"} followed by its rows in chunks (lists of row lists).
Tables are found in the database, so tables added by later migrations come along, except
those a room derives from the others (`derived`: the search index, SQLite's FTS5 table and
its shadow tables), which differ between the databases and are rebuilt after an import.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, BinaryIO

import msgspec

from microletter.storage.migrate import HEAD, migrate_postgres, migrate_sqlite

FORMAT = "microletter-dump-1"
CHUNK = 2000
_encoder = msgspec.msgpack.Encoder()
SKIP = {"alembic_version", "sqlite_sequence"}
# Parents before children is not needed (no foreign keys), but a stable order is nice.
FIRST = ["meta", "users", "devices"]

Progress = Callable[[int], None]  # called with the number of rows just moved


class TransferError(Exception):
    pass


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql:", "postgres:"))


def _sqlite_path(url: str) -> str:
    from microletter.storage import sqlite_path

    return sqlite_path(url)


def _ordered(tables: list[str], derived: Sequence[str] = ()) -> list[str]:
    def kept(t: str) -> bool:
        return t not in SKIP and not any(t == d or t.startswith(d + "_") for d in derived)

    rest = sorted(t for t in tables if t not in FIRST and kept(t))
    return [t for t in FIRST if t in tables] + rest


# --- reading ---


class Source:
    """Rows of every table but the `derived` ones, in one snapshot."""

    def __init__(self, url: str, derived: Sequence[str] = ()) -> None:
        self.url = url
        self.derived = derived

    async def __aenter__(self) -> Source:
        if _is_postgres(self.url):
            import asyncpg

            self._pg = await asyncpg.connect(self.url)
            self._tx = self._pg.transaction(isolation="repeatable_read", readonly=True)
            await self._tx.start()
            rows = await self._pg.fetch(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
            self.tables = _ordered([r[0] for r in rows], self.derived)
        else:
            self._db = sqlite3.connect(_sqlite_path(self.url), isolation_level=None)
            self._db.execute("BEGIN")  # a read transaction: one WAL snapshot
            names = self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            self.tables = _ordered([r[0] for r in names], self.derived)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if _is_postgres(self.url):
            await self._tx.rollback()
            await self._pg.close()
        else:
            self._db.execute("ROLLBACK")
            self._db.close()

    async def revision(self) -> str:
        sql = "SELECT version_num FROM alembic_version"
        if _is_postgres(self.url):
            return str(await self._pg.fetchval(sql))
        return str(self._db.execute(sql).fetchone()[0])

    async def count(self, table: str) -> int:
        sql = f'SELECT count(*) FROM "{table}"'
        if _is_postgres(self.url):
            return int(await self._pg.fetchval(sql))
        return int(self._db.execute(sql).fetchone()[0])

    async def rows(self, table: str) -> tuple[list[str], AsyncIterator[list[list[Any]]]]:
        if _is_postgres(self.url):
            stmt = await self._pg.prepare(f'SELECT * FROM "{table}"')
            columns = [a.name for a in stmt.get_attributes()]

            async def pg_chunks() -> AsyncIterator[list[list[Any]]]:
                cursor = await stmt.cursor()
                while chunk := await cursor.fetch(CHUNK):
                    yield [list(r) for r in chunk]

            return columns, pg_chunks()
        cur = self._db.execute(f'SELECT * FROM "{table}"')
        columns = [d[0] for d in cur.description]

        async def sqlite_chunks() -> AsyncIterator[list[list[Any]]]:
            while chunk := cur.fetchmany(CHUNK):
                yield [list(r) for r in chunk]
                await asyncio.sleep(0)

        return columns, sqlite_chunks()


async def dump(
    url: str, out: BinaryIO, progress: Progress | None = None, derived: Sequence[str] = ()
) -> dict[str, int]:
    """Write every table of the database at `url` but the `derived` ones to `out`; return
    the row counts."""
    async with Source(url, derived) as source:
        counts = {t: await source.count(t) for t in source.tables}
        header = {"format": FORMAT, "revision": await source.revision(), "tables": counts}
        _write(out, header)
        for table in source.tables:
            columns, chunks = await source.rows(table)
            _write(out, {"table": table, "columns": columns})
            async for chunk in chunks:
                _write(out, chunk)
                if progress is not None:
                    progress(len(chunk))
    return counts


# --- writing ---


def _write(out: BinaryIO, item: object) -> None:
    payload = _encoder.encode(item)
    out.write(len(payload).to_bytes(4, "big"))
    out.write(payload)


def _read(inp: BinaryIO) -> Any:
    """The next item, or None at the end of the stream."""
    size = inp.read(4)
    if not size:
        return None
    if len(size) < 4:
        raise TransferError("the dump ends in the middle of an item")
    payload = inp.read(int.from_bytes(size, "big"))
    try:
        return msgspec.msgpack.decode(payload)
    except msgspec.DecodeError:
        raise TransferError("not a microletter dump, or a damaged one") from None


class Sink:
    """An empty database at the newest schema, filled in one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> Sink:
        if _is_postgres(self.url):
            import asyncpg

            await migrate_postgres(self.url)
            self._pg = await asyncpg.connect(self.url)
            self._tx = self._pg.transaction()
            await self._tx.start()
            users = await self._pg.fetchval("SELECT count(*) FROM users")
            rows = await self._pg.fetch(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
            )
            self._bools = {(r[0], r[1]) for r in rows if r[2] == "boolean"}
        else:
            path = _sqlite_path(self.url)
            await asyncio.to_thread(migrate_sqlite, path)
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("BEGIN IMMEDIATE")
            users = self._db.execute("SELECT count(*) FROM users").fetchone()[0]
        if users:
            await self.__aexit__(None, None, None)
            raise TransferError("the target database is not empty; import needs an empty one")
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        ok = exc_type is None and getattr(self, "_commit", False)
        if _is_postgres(self.url):
            await (self._tx.commit() if ok else self._tx.rollback())
            await self._pg.close()
        else:
            self._db.execute("COMMIT" if ok else "ROLLBACK")
            self._db.close()

    async def clear(self, table: str) -> None:
        """Drop rows a fresh database starts with (only `meta` has any)."""
        sql = f'DELETE FROM "{table}"'
        if _is_postgres(self.url):
            await self._pg.execute(sql)
        else:
            self._db.execute(sql)

    async def insert(self, table: str, columns: list[str], rows: list[list[Any]]) -> None:
        if _is_postgres(self.url):
            bools = [i for i, c in enumerate(columns) if (table, c) in self._bools]
            records = []
            for row in rows:
                for i in bools:
                    row[i] = None if row[i] is None else bool(row[i])
                records.append(tuple(row))
            await self._pg.copy_records_to_table(table, records=records, columns=columns)
        else:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            self._db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    def done(self) -> None:
        self._commit = True


async def load(url: str, inp: BinaryIO, progress: Progress | None = None) -> dict[str, int]:
    """Fill the empty database at `url` from a dump; return the row counts loaded."""
    header = _read(inp)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError("not a microletter dump")
    if header.get("revision") != HEAD:
        raise TransferError(
            f"the dump is of schema {header.get('revision')}, this microletter has {HEAD};"
            " use the same version to export and import"
        )
    counts: dict[str, int] = {}
    async with Sink(url) as sink:
        table, columns = "", []
        while (item := _read(inp)) is not None:
            if isinstance(item, dict):
                table, columns = item["table"], item["columns"]
                counts[table] = 0
                await sink.clear(table)
                continue
            await sink.insert(table, columns, item)
            counts[table] += len(item)
            if progress is not None:
                progress(len(item))
        expected = header["tables"]
        if counts != {t: n for t, n in expected.items()}:
            raise TransferError(f"the dump is incomplete: {counts} rows of {expected}")
        sink.done()
    return counts


def expected_rows(inp: BinaryIO) -> dict[str, int]:
    """The row counts a dump announces in its header (for a progress bar's total)."""
    header = _read(inp)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError("not a microletter dump")
    return dict(header["tables"])
