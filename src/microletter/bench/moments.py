"""The `moments` scenario: timeline pages and a post's reach, on a graph of friends with a
month of posts; and the fan-out measurement behind the storage choice (ARCHITECTURE.md).

The data is written straight into the server's SQLite file while the server is stopped
(10,000 users with 1,000 friends each is 10 million contact rows: the public API would take
hours); a few users are registered through the API, so they can log in and read. Then:

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
from collections.abc import Callable
from pathlib import Path
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


def generate(
    db: Path,
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
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    started = time.monotonic()
    people = [*readers] + [ids.next(now - 40 * DAY_MS) for _ in range(users - len(readers))]
    conn.executemany(
        "INSERT INTO users (id, username, password_hash, display_name, locale, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (
            (u, f"gen{i:06d}", "x", f"User {i}", "en", now)
            for i, u in enumerate(people[len(readers) :])
        ),
    )
    half = friends // 2
    offsets = [d for d in range(-half, half + 1) if d]
    conn.executemany(
        "INSERT INTO contacts (user_id, peer_id, created_at) VALUES (?,?,?)",
        ((people[i], people[(i + d) % users], now) for i in range(users) for d in offsets),
    )
    fans = people[: min(5000, users)]
    conn.executemany(
        "INSERT INTO contacts (user_id, peer_id, created_at) VALUES (?,?,?)",
        [(star, f, now) for f in fans] + [(f, star, now) for f in fans],
    )
    conn.commit()
    log(f"moments: {users} users with {friends} friends each: {time.monotonic() - started:.0f} s")
    posts = likes = comments = 0
    for day in range(DAYS, 0, -1):
        rows, like_rows, comment_rows = [], [], []
        for k in range(POSTS_PER_DAY):
            for i in range(users):
                at = now - day * DAY_MS + k * 3_600_000 + i
                pid = ids.next(at)
                rows.append((pid, people[i], f"Post {pid}", "{}", "all", at))
                for _ in range(rng.randint(0, 3)):
                    friend = people[(i + rng.choice(offsets)) % users]
                    like_rows.append((ids.next(at), pid, friend, at + 1))
                for _ in range(rng.randint(0, 3)):
                    friend = people[(i + rng.choice(offsets)) % users]
                    comment_rows.append((ids.next(at), pid, friend, "Nice!", at + 2))
        conn.executemany(
            "INSERT INTO moment_posts (id, author_id, text, data, audience, deleted, created_at)"
            " VALUES (?,?,?,?,?,0,?)",
            rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO moment_likes (id, post_id, user_id, created_at)"
            " VALUES (?,?,?,?)",
            like_rows,
        )
        conn.executemany(
            "INSERT INTO moment_comments (id, post_id, user_id, text, created_at)"
            " VALUES (?,?,?,?,?)",
            comment_rows,
        )
        conn.commit()
        posts += len(rows)
        likes += len(like_rows)
        comments += len(comment_rows)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
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


def fan_out_costs(db: Path, friends: int, rounds: int = 20) -> dict[str, Any]:
    """Fan-out on write, measured: a post writes a timeline row for each of `friends`,
    committed with synchronous=FULL as the server does, against one post row; and a page
    read from such a timeline table against the merge the server does."""
    conn = sqlite3.connect(db, isolation_level=None)
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
    return {
        "fanout_on_read_merge_query_ms": percentiles(merge),
        "fanout_on_write_timeline_rows_needed": timeline_rows,
        "fanout_on_write_post_ms": percentiles(write),
        "fanout_on_read_post_ms": percentiles(single),
        "fanout_rows_per_post": len(people),
    }


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
    db = server.data_dir / "microletter.db"
    facts = generate(db, ids[:-1], ids[-1], users, friends, options.log)
    facts.update(fan_out_costs(db, facts["star_friends"]))
    again = LocalServer(server.data_dir)
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
