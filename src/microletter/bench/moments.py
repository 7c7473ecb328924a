"""The `moments` scenario: timeline pages and a post's reach, on a graph of friends with a
month of posts; and the fan-out measurement behind the storage choice (ARCHITECTURE.md).

The data is written straight into the server's database while the server is stopped: its
SQLite file, or (--database-url) its empty PostgreSQL database, by COPY. (10,000 users
with 1,000 friends each is 10 million contact rows: the public API would take hours.)
A few users are registered through the API, so they can log in and read. Then:

- timeline: readers page their timelines (10 posts a page, each with its likes and comments
  as the reader may see them), several at once; p50/p99 of a page;
- reach: an author with up to 5,000 friends posts to all of them; from the post's
  acknowledgement until a randomly chosen friend's timeline read returns it;
- fan-out: what fan-out on write would cost on this machine (a row per friend per post,
  committed with the server's durability) against fan-out on read (one row).

`--scale` shrinks the number of users (friends per user stay 1,000 while there are enough
users); the report says what was generated.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import aiohttp

from microletter.bench.setup import PASSWORD, LocalServer
from microletter.bench.stats import percentiles
from microletter.client import Client
from microletter.core.ids import IdGenerator

DAY_MS = 86_400_000
READERS = 24  # users registered through the API, who read
DAYS = 30
POSTS_PER_DAY = 3


class Sink:
    """Where the generated rows go: the server's SQLite file, or its PostgreSQL database
    (COPY, much faster than INSERTs there); the same rows either way."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgres")
        if self.postgres:
            import asyncpg

            self._loop = asyncio.new_event_loop()
            self._pg = self._loop.run_until_complete(asyncpg.connect(url))
        else:
            self._sqlite = sqlite3.connect(url.removeprefix("sqlite:///"))
            self._sqlite.execute("PRAGMA synchronous=OFF")

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        if self.postgres:
            work = self._pg.copy_records_to_table(table, records=list(rows), columns=columns)
            self._loop.run_until_complete(work)
        else:
            marks = ",".join("?" * len(columns))
            self._sqlite.executemany(
                f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})",  # noqa: S608 - ours
                rows,
            )
            self._sqlite.commit()

    def analyze(self) -> None:
        if self.postgres:
            # A month of posts written at once: autovacuum would have vacuumed them as they
            # came, setting the visibility map that lets index-only scans skip the table.
            self._loop.run_until_complete(self._pg.execute("VACUUM (ANALYZE)"))
        else:
            self._sqlite.execute("ANALYZE")
            self._sqlite.commit()

    def close(self) -> None:
        if self.postgres:
            self._loop.run_until_complete(self._pg.close())
            self._loop.close()
        else:
            self._sqlite.close()


def generate(
    url: str,
    readers: list[int],
    star: int,
    users: int,
    friends: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Fill the database: users beyond the readers, a ring of friendships (each user is
    friends with the `friends` nearest on a ring, so every user has exactly that many),
    `DAYS` of posts at `POSTS_PER_DAY` per user, likes and comments by the author's
    friends, and the `star` (the reach test's author) friends with up to 5,000 users."""
    ids = IdGenerator(15)  # a node number the server (node 0) never uses
    now = int(time.time() * 1000)
    rng = random.Random(16)
    sink = Sink(url)
    started = time.monotonic()
    people = [*readers] + [ids.next(now - 40 * DAY_MS) for _ in range(users - len(readers))]
    sink.insert(
        "users",
        ("id", "username", "password_hash", "display_name", "locale", "created_at"),
        (
            (u, f"gen{i:06d}", "x", f"User {i}", "en", now)
            for i, u in enumerate(people[len(readers) :])
        ),
    )
    half = friends // 2
    offsets = [d for d in range(-half, half + 1) if d]
    contact = ("user_id", "peer_id", "created_at")
    for first in range(0, users, 100):  # 100 users at a time: 10 million rows are a lot
        sink.insert(
            "contacts",
            contact,
            [
                (people[i], people[(i + d) % users], now)
                for i in range(first, min(first + 100, users))
                for d in offsets
            ],
        )
    fans = people[: min(5000, users)]
    sink.insert(
        "contacts", contact, [(star, f, now) for f in fans] + [(f, star, now) for f in fans]
    )
    log(f"moments: {users} users with {friends} friends each: {time.monotonic() - started:.0f} s")
    posts = likes = comments = 0
    for day in range(DAYS, 0, -1):
        rows: list[tuple[Any, ...]] = []
        like_rows: list[tuple[Any, ...]] = []
        comment_rows: list[tuple[Any, ...]] = []
        for k in range(POSTS_PER_DAY):
            for i in range(users):
                at = now - day * DAY_MS + k * 3_600_000 + i
                pid = ids.next(at)
                rows.append((pid, people[i], f"Post {pid}", "{}", "all", False, at))
                likers = {
                    people[(i + rng.choice(offsets)) % users] for _ in range(rng.randint(0, 3))
                }
                like_rows.extend((ids.next(at), pid, friend, at + 1) for friend in likers)
                for _ in range(rng.randint(0, 3)):
                    friend = people[(i + rng.choice(offsets)) % users]
                    comment_rows.append((ids.next(at), pid, friend, "Nice!", at + 2))
        sink.insert(
            "moment_posts",
            ("id", "author_id", "text", "data", "audience", "deleted", "created_at"),
            rows,
        )
        sink.insert("moment_likes", ("id", "post_id", "user_id", "created_at"), like_rows)
        sink.insert(
            "moment_comments", ("id", "post_id", "user_id", "text", "created_at"), comment_rows
        )
        posts += len(rows)
        likes += len(like_rows)
        comments += len(comment_rows)
    sink.analyze()
    sink.close()
    log(
        f"moments: {posts} posts, {likes} likes, {comments} comments:"
        f" {time.monotonic() - started:.0f} s"
    )
    return {
        "users": users,
        "friends_per_user": friends,
        "days": DAYS,
        "posts_per_user_per_day": POSTS_PER_DAY,
        "posts": posts,
        "likes": likes,
        "comments": comments,
        "star_friends": len(fans),
        "generate_seconds": round(time.monotonic() - started, 1),
    }


def fan_out_costs(url: str, friends: int, rounds: int = 20) -> dict[str, Any]:
    """Fan-out on write, measured: a post writes a timeline row for each of `friends`,
    committed with the server's durability (SQLite synchronous=FULL; PostgreSQL's
    synchronous commit), against one post row; and a page read from such a timeline
    table against the merge the server does."""
    if url.startswith("postgres"):
        return asyncio.run(_fan_out_costs_postgres(url, friends, rounds))
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE fanout_probe (user_id INTEGER, post_id INTEGER,"
        " PRIMARY KEY (user_id, post_id)) WITHOUT ROWID"
    )
    people = [r[0] for r in conn.execute(f"SELECT id FROM users LIMIT {friends}")]  # noqa: S608 - an int
    write, single = [], []
    for n in range(rounds):
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO fanout_probe VALUES (?,?)", ((u, 10**15 + n) for u in people))
        conn.execute("COMMIT")
        write.append(time.perf_counter() - started)
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO fanout_probe VALUES (?,?)", (-1, 10**15 + n))
        conn.execute("COMMIT")
        single.append(time.perf_counter() - started)
    conn.execute("DROP TABLE fanout_probe")
    # What fan-out on write would save at read time: the merge of the friends' post lists
    # (the candidate query of a timeline page), on its own, for some readers.
    merge = []
    for reader in people[:50]:
        started = time.perf_counter()
        conn.execute(
            "SELECT p.id FROM moment_posts p WHERE p.author_id IN"
            " (SELECT peer_id FROM contacts WHERE user_id=?) AND NOT p.deleted"
            " ORDER BY p.id DESC LIMIT 20",
            (reader,),
        ).fetchall()
        merge.append(time.perf_counter() - started)
    timeline_rows = (
        conn.execute("SELECT count(*) FROM contacts").fetchone()[0] * DAYS * POSTS_PER_DAY
    )
    conn.close()
    return _fan_out_facts(merge, timeline_rows, write, single, len(people))


def _fan_out_facts(
    merge: list[float], rows: int, write: list[float], single: list[float], people: int
) -> dict[str, Any]:
    return {
        "fanout_on_read_merge_query_ms": percentiles(merge),
        "fanout_on_write_timeline_rows_needed": rows,
        "fanout_on_write_post_ms": percentiles(write),
        "fanout_on_read_post_ms": percentiles(single),
        "fanout_rows_per_post": people,
    }


async def _fan_out_costs_postgres(url: str, friends: int, rounds: int) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE fanout_probe (user_id bigint, post_id bigint,"
            " PRIMARY KEY (user_id, post_id))"
        )
        people = [r[0] for r in await conn.fetch("SELECT id FROM users LIMIT $1", friends)]
        write, single = [], []
        for n in range(rounds):
            started = time.perf_counter()
            async with conn.transaction():
                await conn.executemany(
                    "INSERT INTO fanout_probe VALUES ($1,$2)", [(u, 10**15 + n) for u in people]
                )
            write.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with conn.transaction():
                await conn.execute("INSERT INTO fanout_probe VALUES ($1,$2)", -1, 10**15 + n)
            single.append(time.perf_counter() - started)
        await conn.execute("DROP TABLE fanout_probe")
        merge = []
        for reader in people[:50]:
            started = time.perf_counter()
            await conn.fetch(
                "SELECT p.id FROM moment_posts p WHERE p.author_id IN"
                " (SELECT peer_id FROM contacts WHERE user_id=$1) AND NOT p.deleted"
                " ORDER BY p.id DESC LIMIT 20",
                reader,
            )
            merge.append(time.perf_counter() - started)
        contacts = await conn.fetchval("SELECT count(*) FROM contacts")
    finally:
        await conn.close()
    return _fan_out_facts(merge, contacts * DAYS * POSTS_PER_DAY, write, single, len(people))


async def _read_pages(readers: list[Client], seconds: float) -> tuple[list[float], int]:
    """Each reader loads its first page and the next, again and again, for `seconds`."""
    latencies: list[float] = []
    posts = 0
    stop = time.monotonic() + seconds

    async def loop(c: Client) -> None:
        nonlocal posts
        before = None
        while time.monotonic() < stop:
            started = time.perf_counter()
            page = await c.call("GET", "/api/v1/moments", before=before, limit=10)
            latencies.append(time.perf_counter() - started)
            posts += len(page["posts"])
            before = page["next_before"] if before is None else None

    await asyncio.gather(*(loop(c) for c in readers))
    return latencies, posts


async def _reach(star: Client, fans: list[Client], rounds: int) -> list[float]:
    """From a post's acknowledgement until a random friend's timeline returns it."""
    times = []
    for n in range(rounds):
        await star.call("POST", "/api/v1/moments/posts", {"text": f"news {n}"})
        acked = time.perf_counter()
        reader = random.choice(fans)
        while True:
            page = await reader.call("GET", "/api/v1/moments", limit=10)
            if any(p["text"] == f"news {n}" for p in page["posts"]):
                break
        times.append(time.perf_counter() - acked)
    return times


def moments(options: Any, report: Any, server: LocalServer | None) -> None:
    """Generate, restart on the data, measure (see the module)."""
    if server is None or options.url is None:
        raise SystemExit("moments generates its data in a local server's database; drop --url")
    users = max(READERS + 2, int(10_000 * options.scale))
    friends = min(1000, (users - 1) // 2 * 2)

    async def register() -> list[int]:
        async with aiohttp.ClientSession() as session:
            made = [Client(options.url, session=session) for _ in range(READERS + 1)]
            for i, c in enumerate(made):
                await c.register("star" if i == READERS else f"reader{i:03d}", PASSWORD)
            return [int(c.user["id"]) for c in made if c.user is not None]

    ids = asyncio.run(register())
    server.stop()
    url = options.database_url or f"sqlite:///{server.data_dir / 'microletter.db'}"
    facts = generate(url, ids[:-1], ids[-1], users, friends, options.log)
    facts["database"] = "postgresql" if url.startswith("postgres") else "sqlite"
    facts.update(fan_out_costs(url, facts["star_friends"]))
    again = LocalServer(server.data_dir, env=server.env)
    url = again.start()
    try:
        facts.update(asyncio.run(_measure(url, options)))
    finally:
        again.stop()
    report.facts.update(facts)


async def _measure(url: str, options: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        readers = [Client(url, session=session) for _ in range(READERS)]
        for i, c in enumerate(readers):
            await c.login(f"reader{i:03d}", PASSWORD)
        star = Client(url, session=session)
        await star.login("star", PASSWORD)
        await _read_pages(readers[:4], options.warmup)
        # the page's own latency: one reader at a time (what a person waits)
        alone, _ = await _read_pages(readers[:1], options.duration / 2)
        # and under load: every reader at once, closed loop (queueing included)
        latencies, posts = await _read_pages(readers, options.duration)
        reach = await _reach(star, readers, rounds=20)
    return {
        "timeline_page_ms": percentiles(alone),
        "timeline_pages_alone": len(alone),
        "concurrent_readers": len(readers),
        "timeline_pages_per_s_concurrent": round(len(latencies) / options.duration, 1),
        "timeline_page_ms_concurrent": percentiles(latencies),
        "posts_per_page": round(posts / max(1, len(latencies)), 2),
        "reach_ms": percentiles(reach),
    }
