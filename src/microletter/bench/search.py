"""The `search` scenario: a community's message history searched over the API.

The data is written straight into the database (a million messages through the API would
take an hour): 1,000 users, 5,000 groups of 10 (each user in 50 of them), 200 messages
each, half English and half Chinese, words and characters drawn with a Zipf-like skew so
that common ones are common; then the search index is rebuilt from the messages (the path
of `admin import`, timed). A server is started on that database, users log in, and one
query at a time is timed end to end (HTTP, auth, search, JSON): one- and two-character
Chinese, one- and two-word English, drawn from the same skewed distribution as the text.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from microletter.bench.setup import PASSWORD, LocalServer
from microletter.bench.stats import percentiles
from microletter.client import Client
from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.ports import Database, Tx
from microletter.search import SearchStore
from microletter.storage import open_database

USERS = 1000
CONVERSATIONS = 5000
MEMBERS = 10  # per conversation: each user is in CONVERSATIONS * MEMBERS / USERS = 50
CHUNK = 20_000  # rows per insert transaction

# Common words and characters (a frequency list in spirit, not a corpus).
ENGLISH = (
    "the be to of and a in that have i it for not on with he as you do at this but his by"
    " from they we say her she or an will my one all would there their what so up out if"
    " about who get which go me when make can like time no just him know take people into"
    " year your good some could them see other than then now look only come its over think"
    " also back after use two how our work first well way even new want because any these"
    " give day most us dinner lunch meeting tomorrow today tonight weekend office project"
    " report deadline coffee tea dumpling noodle train flight hotel ticket movie game music"
    " photo video birthday party gift family friend mother father brother sister doctor"
    " school teacher student homework exam class book library market price money bank card"
    " phone email address street station airport weather rain snow sunny cold hot happy"
    " sorry thanks please hello morning night evening week month holiday travel beach"
    " mountain river city country garden kitchen restaurant menu order delivery package"
).split()
CHINESE = (
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会"
    "那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进"
    "种将还分此心前面又定见只主没公从知明天今晚饭吃饺子面条咖啡茶开会项目报告周末电影音乐"
    "照片生日快乐朋友妈爸哥姐医生学校老师作业考试书图馆市场价格钱银行手机地址车站机场天气"
    "下雨雪晴冷热高兴对不起谢谢请早上晚上星期月假期旅游海边山河城市花园厨房餐厅菜单订外卖"
)


def _weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) ** 0.9 for rank in range(n)]


class Corpus:
    """Messages and queries from one skewed distribution."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.en = list(itertools.accumulate(_weights(len(ENGLISH))))
        self.zh = list(itertools.accumulate(_weights(len(CHINESE))))

    def english(self) -> str:
        words = self.rng.choices(ENGLISH, cum_weights=self.en, k=self.rng.randint(4, 14))
        return " ".join(words).capitalize()

    def chinese(self) -> str:
        chars = self.rng.choices(CHINESE, cum_weights=self.zh, k=self.rng.randint(6, 24))
        return "".join(chars)

    def query(self, kind: str) -> str:
        if kind == "zh1":
            return self.rng.choices(CHINESE, cum_weights=self.zh)[0]
        if kind == "zh2":  # a pair as it occurs in a message: two characters in a row
            text = self.chinese()
            i = self.rng.randrange(len(text) - 1)
            return text[i : i + 2]
        words = self.rng.choices(ENGLISH, cum_weights=self.en, k=1 if kind == "en1" else 2)
        return " ".join(words)


async def _insert(tx: Tx, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    await tx.executemany(sql, rows)


async def _analyze(tx: Tx) -> None:
    await tx.execute("ANALYZE")


async def generate(
    db: Database, messages: int, password_hash: str, log: Callable[[str], None]
) -> dict[str, float]:
    """Users, groups, members and messages, written straight into the database; then the
    index rebuilt from them. Seconds each took."""
    corpus = Corpus(1)
    ids = IdGenerator(0)
    now = int(time.time() * 1000) - 86_400_000
    started = time.monotonic()
    users = [ids.next(now) for _ in range(USERS)]
    await db.write(
        _insert,
        "INSERT INTO users (id, username, password_hash, display_name, locale, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6)",
        [(u, f"s{i}", password_hash, f"User {i}", "en", now) for i, u in enumerate(users)],
    )
    per = messages // CONVERSATIONS
    convs = [ids.next(now) for _ in range(CONVERSATIONS)]
    members = {
        c: [users[(k * MEMBERS + j) % USERS] for j in range(MEMBERS)] for k, c in enumerate(convs)
    }
    await db.write(
        _insert,
        "INSERT INTO conversations (id, kind, name, owner_id, last_seq, member_count,"
        " created_at) VALUES ($1,'group',$2,$3,$4,$5,$6)",
        [(c, f"group {k}", members[c][0], per, MEMBERS, now) for k, c in enumerate(convs)],
    )
    member_rows = [
        (c, u, "owner" if j == 0 else "member", 1, per, now)
        for c in convs
        for j, u in enumerate(members[c])
    ]
    for i in range(0, len(member_rows), CHUNK):
        await db.write(
            _insert,
            "INSERT INTO members (conversation_id, user_id, role, joined_seq, last_read_seq,"
            " joined_at) VALUES ($1,$2,$3,$4,$5,$6)",
            member_rows[i : i + CHUNK],
        )
    rows: list[tuple[Any, ...]] = []
    written = 0
    # In time order across conversations, as a community writes them.
    for seq in range(1, per + 1):
        at = now + seq * 400
        for c in convs:
            text = corpus.english() if corpus.rng.random() < 0.5 else corpus.chinese()
            sender = members[c][corpus.rng.randrange(MEMBERS)]
            rows.append((c, seq, ids.next(at), sender, f"b{seq}", text, at))
            if len(rows) == CHUNK:
                await _messages(db, rows)
                written += len(rows)
                rows = []
                if written % 200_000 == 0:
                    log(f"  {written} messages written")
    if rows:
        await _messages(db, rows)
    if db.dialect == "postgresql":  # as autovacuum would have, in a community that grew
        await db.write(_analyze)
    generated = time.monotonic() - started
    log(f"data written in {generated:.1f} s; indexing")
    started = time.monotonic()
    await SearchStore(db).rebuild()
    return {
        "generate_seconds": round(generated, 1),
        "index_seconds": round(time.monotonic() - started, 1),
    }


async def _messages(db: Database, rows: list[tuple[Any, ...]]) -> None:
    await db.write(
        _insert,
        "INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, kind, text,"
        " created_at) VALUES ($1,$2,$3,$4,$5,'text',$6,$7)",
        rows,
    )


async def query_all(
    url: str, queries: int, searchers: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """`queries` searches, one at a time, by `searchers` users (each in 50 groups)."""
    corpus = Corpus(2)
    clients = []
    for i in range(searchers):
        client = Client(url)
        await client.login(f"s{i * (USERS // searchers)}", PASSWORD)
        clients.append(client)
    kinds = ("zh1", "zh2", "en1", "en2")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    found: dict[str, int] = {k: 0 for k in kinds}
    try:
        for client in clients:  # warm: first statements, caches
            await client.search("the")
        for n in range(queries):
            kind = kinds[n % len(kinds)]
            q = corpus.query(kind)
            client = clients[n % len(clients)]
            started = time.perf_counter()
            reply = await client.search(q)
            times[kind].append(time.perf_counter() - started)
            found[kind] += len(reply["results"])
    finally:
        for client in clients:
            await client.close()
    facts: dict[str, Any] = {}
    for kind in kinds:
        ms = percentiles(times[kind])
        facts[f"{kind}_ms_p50"], facts[f"{kind}_ms_p99"] = ms["p50"], ms["p99"]
        facts[f"{kind}_results_mean"] = round(found[kind] / max(1, len(times[kind])), 1)
    every = percentiles([t for ts in times.values() for t in ts])
    facts["all_ms_p50"], facts["all_ms_p99"], facts["all_ms_max"] = (
        every["p50"],
        every["p99"],
        every["max"],
    )
    log(f"searches: p50 {every['p50']} ms, p99 {every['p99']} ms")
    return facts


def measure(
    messages: int,
    queries: int,
    database_url: str | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Generate (into a new SQLite file, or the empty PostgreSQL database given), serve,
    query; the facts for the report."""
    from argon2 import PasswordHasher

    # The bench server's cheap parameters (setup.SERVER_ENV): logging in is not measured.
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    data_dir = Path(tempfile.mkdtemp(prefix="microletter-bench-search-"))
    url = database_url or f"sqlite:///{data_dir / 'microletter.db'}"

    async def build() -> dict[str, float]:
        db = await open_database(url, IdGenerator(0), Limits(), pool_size=4)
        try:
            return await generate(db, messages, password_hash, log)
        finally:
            await db.close()

    facts: dict[str, Any] = {"messages": messages, "users": USERS, "conversations": CONVERSATIONS}
    try:
        facts.update(asyncio.run(build()))
        log(f"indexed in {facts['index_seconds']} s")
        facts.update(asyncio.run(_sizes(url, data_dir)))
        env = {"MICROLETTER_RATE_SEARCH": "1000000/second"}
        if database_url:
            env["MICROLETTER_DATABASE_URL"] = database_url
        server = LocalServer(data_dir, env=env)
        try:
            facts.update(asyncio.run(query_all(server.start(), queries, 50, log)))
        finally:
            server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return facts


async def _sizes(url: str, data_dir: Path) -> dict[str, float]:
    """The database's size and the index's share of it, in MiB."""
    mib = 1024 * 1024
    if url.startswith("sqlite:"):
        import sqlite3

        path = data_dir / "microletter.db"
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            index = conn.execute("SELECT sum(length(block)) FROM message_search_data").fetchone()[0]
        finally:
            conn.close()
        return {
            "database_mib": round(path.stat().st_size / mib, 1),
            "index_mib": round(index / mib, 1),
        }
    import asyncpg

    pg = await asyncpg.connect(url)
    try:
        total = await pg.fetchval("SELECT pg_database_size(current_database())")
        index = await pg.fetchval("SELECT pg_total_relation_size('message_search')")
    finally:
        await pg.close()
    return {"database_mib": round(total / mib, 1), "index_mib": round(index / mib, 1)}
