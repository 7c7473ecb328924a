#!/usr/bin/env python3
"""The measurement behind the search index's design (docs/PERFORMANCE.md, "Search"): the
same history searched through the alternatives, in-process, one query at a time.

    scripts/bench-search-alternatives.py sqlite [--messages N]
    scripts/bench-search-alternatives.py postgres URL [--messages N]   # an empty database

SQLite: FTS5 with the tokens under their conversation's bucket (what microletter does)
against FTS5 with the same tokens without buckets (the index finds every conversation's
hits, the join with `members` keeps the searcher's), and a LIKE scan of the searcher's
conversations. PostgreSQL: the bucketed tsvector (microletter's) against an unbucketed
tsvector and against pg_trgm (a GIN trigram index on the text, ILIKE).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from microletter.bench.search import Corpus, generate
from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.search.rules import check_query, fts5_match, message_tokens, tsquery, tsvector
from microletter.search.store.queries import PLANNER, POSTGRES
from microletter.storage import open_database

QUERIES = 200
KINDS = ("zh1", "zh2", "en1", "en2")


def report(name: str, times: dict[str, list[float]]) -> None:
    cells = []
    for kind in KINDS:
        ordered = sorted(times[kind])
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
        cells.append(f"{kind} p50 {p50:.1f} p99 {p99:.1f}")
    print(f"{name:28s} " + " | ".join(cells), flush=True)


def timed(run: Callable[[int, str], Any]) -> dict[str, list[float]]:
    corpus = Corpus(2)
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    for n in range(QUERIES):
        kind = KINDS[n % 4]
        q = corpus.query(kind)
        started = time.perf_counter()
        run(n, q)
        times[kind].append(time.perf_counter() - started)
    return times


async def atimed(run: Callable[[int, str], Awaitable[Any]]) -> dict[str, list[float]]:
    corpus = Corpus(2)
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    for n in range(QUERIES):
        kind = KINDS[n % 4]
        q = corpus.query(kind)
        started = time.perf_counter()
        await run(n, q)
        times[kind].append(time.perf_counter() - started)
    return times


VISIBLE = (
    " JOIN members m ON m.conversation_id = g.conversation_id AND m.user_id = {me}"
    " WHERE {match} AND g.seq >= m.joined_seq AND g.recalled_at IS NULL"
)


def sqlite_alternatives(path: Path) -> None:
    conn = sqlite3.connect(path)
    users = [r[0] for r in conn.execute("SELECT id FROM users ORDER BY id LIMIT 50")]
    buckets = {
        u: sorted(
            {
                r[0]
                for r in conn.execute(
                    "SELECT conversation_id FROM members WHERE user_id=?", (u,)
                )
            }
        )
        for u in users
    }
    print("building the unbucketed FTS5 table ...", flush=True)
    conn.execute(
        "CREATE VIRTUAL TABLE plain_search USING fts5(doc, content='', columnsize=0,"
        " tokenize='ascii')"
    )
    rows = conn.execute("SELECT id, kind, text FROM messages")
    while chunk := rows.fetchmany(10000):
        docs = []
        for mid, _kind, text in chunk:
            tokens = [t[3:] for t in message_tokens(0, _kind_of(), text, None)]
            docs.append((mid, " ".join(tokens)))
        conn.executemany("INSERT INTO plain_search (rowid, doc) VALUES (?, ?)", docs)
    conn.execute("INSERT INTO plain_search (plain_search) VALUES ('optimize')")
    conn.commit()
    from microletter.search.rules import bucket

    def bucketed(n: int, q: str) -> None:
        me = users[n % len(users)]
        match = fts5_match(check_query(q), sorted({bucket(c) for c in buckets[me]}))
        conn.execute(
            "SELECT g.id FROM message_search s JOIN messages g ON g.id = s.rowid"
            + VISIBLE.format(me="?1", match="s.message_search MATCH ?2")
            + " ORDER BY s.rowid DESC LIMIT 20",
            (me, match),
        ).fetchall()

    def plain(n: int, q: str) -> None:
        me = users[n % len(users)]
        match = fts5_match(check_query(q), [""])
        conn.execute(
            "SELECT g.id FROM plain_search s JOIN messages g ON g.id = s.rowid"
            + VISIBLE.format(me="?1", match="s.plain_search MATCH ?2")
            + " ORDER BY s.rowid DESC LIMIT 20",
            (me, match),
        ).fetchall()

    def like(n: int, q: str) -> None:
        me = users[n % len(users)]
        conn.execute(
            "SELECT g.id FROM messages g"
            + VISIBLE.format(me="?1", match="g.text LIKE ?2")
            + " ORDER BY g.id DESC LIMIT 20",
            (me, f"%{q}%"),
        ).fetchall()

    report("FTS5, bucketed (ours)", timed(bucketed))
    report("FTS5, no buckets", timed(plain))
    report("LIKE over my conversations", timed(like))


def _kind_of() -> Any:
    from microletter.core.models import MessageKind

    return MessageKind.TEXT


async def postgres_alternatives(url: str) -> None:
    import asyncpg

    from microletter.search.rules import bucket

    conn = await asyncpg.connect(url)
    users = [r[0] for r in await conn.fetch("SELECT id FROM users ORDER BY id LIMIT 50")]
    convs = {
        u: [
            r[0]
            for r in await conn.fetch("SELECT conversation_id FROM members WHERE user_id=$1", u)
        ]
        for u in users
    }
    print("building the unbucketed tsvector and the pg_trgm index ...", flush=True)
    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    await conn.execute("CREATE TABLE plain_search (id BIGINT PRIMARY KEY, doc TSVECTOR)")
    rows = await conn.fetch("SELECT id, text FROM messages")
    docs = [(r[0], tsvector([t[3:] for t in message_tokens(0, _kind_of(), r[1], None)])) for r in rows]
    await conn.executemany("INSERT INTO plain_search VALUES ($1, $2::tsvector)", docs)
    await conn.execute("CREATE INDEX plain_search_doc ON plain_search USING gin (doc)")
    await conn.execute("CREATE INDEX messages_trgm ON messages USING gin (text gin_trgm_ops)")
    await conn.execute("ANALYZE")

    async def bucketed(n: int, q: str) -> None:
        me = users[n % len(users)]
        expr = tsquery(check_query(q), sorted({bucket(c) for c in convs[me]}))
        async with conn.transaction():  # as the server runs it (search/store/queries.py)
            for setting in PLANNER:
                await conn.execute(setting)
            await conn.fetch(POSTGRES, me, expr, 1 << 62, 20, 0)

    async def plain(n: int, q: str) -> None:
        me = users[n % len(users)]
        expr = tsquery(check_query(q), [""])
        async with conn.transaction():
            for setting in PLANNER:
                await conn.execute(setting)
            await conn.fetch(
                "SELECT g.id FROM plain_search s JOIN messages g ON g.id = s.id"
                + VISIBLE.format(me="$1", match="s.doc @@ $2::tsquery")
                + " ORDER BY s.id DESC LIMIT 20",
                me,
                expr,
            )

    async def trigram(n: int, q: str) -> None:
        me = users[n % len(users)]
        await conn.fetch(
            "SELECT g.id FROM messages g"
            + VISIBLE.format(me="$1", match="g.text ILIKE $2")
            + " ORDER BY g.id DESC LIMIT 20",
            me,
            f"%{q}%",
        )

    report("tsvector, bucketed (ours)", await atimed(bucketed))
    report("tsvector, no buckets", await atimed(plain))
    report("pg_trgm, ILIKE", await atimed(trigram))
    await conn.execute("DROP TABLE plain_search")
    await conn.execute("DROP INDEX messages_trgm")
    await conn.close()


async def fill(url: str, messages: int) -> None:
    from argon2 import PasswordHasher

    db = await open_database(url, IdGenerator(0), Limits(), pool_size=4)
    try:
        await generate(db, messages, PasswordHasher().hash("x"), print)
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backend", choices=["sqlite", "postgres"])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--filled", action="store_true", help="the database has the data")
    args = parser.parse_args()
    if args.backend == "sqlite":
        path = Path(args.url or tempfile.mkdtemp(prefix="search-alt-")) / "x.db"
        if not args.filled:
            asyncio.run(fill(f"sqlite:///{path}", args.messages))
        sqlite_alternatives(path)
        if not args.url:
            shutil.rmtree(path.parent, ignore_errors=True)
    else:
        if not args.filled:
            asyncio.run(fill(args.url, args.messages))
        asyncio.run(postgres_alternatives(args.url))


if __name__ == "__main__":
    main()
