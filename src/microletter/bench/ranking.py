"""The `ranking` scenario: a game's friend ranking for a player with 1,000 friends among
100,000 players (docs/miniapps.md, "Games"; the target is a p99 under 20 ms).

A developer, an official account with a mini app, and a few readers are made through
the API; then, with the server stopped, 100,000 players' records and scores ("all" and
this week's) are written straight into its database (its SQLite file, or its empty
PostgreSQL database by COPY), and each reader gets 1,000 friends among them. Restarted on
that data, readers ask for what the client draws (`GET /miniapps/{id}/ranking`: the
friends who play, with names and scores) and for what a game page learns (`/rank`), one at
a time (what a person waits) and all at once; p50/p99 of each.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import msgspec

from microletter.bench.moments import Sink
from microletter.bench.setup import PASSWORD, LocalServer
from microletter.bench.stats import percentiles
from microletter.client import Client
from microletter.core.ids import IdGenerator

READERS = 8
FRIENDS = 1000
KEY = "best"


def generate(
    url: str, app_id: int, readers: list[int], players: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Players with a record and its scores, and `FRIENDS` friends for each reader."""
    ids = IdGenerator(15)  # a node number the server (node 0) never uses
    now = int(time.time() * 1000)
    year, number, _ = datetime.fromtimestamp(now / 1000, UTC).isocalendar()
    week = f"{year}-W{number:02d}"  # the server's weekly period (miniapps' rules.games)
    rng = random.Random(18)
    sink = Sink(url)
    started = time.monotonic()
    people = [ids.next(now - 86_400_000) for _ in range(players - len(readers))]
    batch = 10_000
    for first in range(0, len(people), batch):
        chunk = people[first : first + batch]
        sink.insert(
            "users",
            ("id", "username", "password_hash", "display_name", "locale", "created_at"),
            (
                (u, f"gen{first + i:06d}", "x", f"Player {first + i}", "en", now)
                for i, u in enumerate(chunk)
            ),
        )
    everyone = [*readers, *people]
    for first in range(0, len(everyone), batch):
        chunk = everyone[first : first + batch]
        scores = [(u, rng.randint(0, 100_000), now - rng.randint(0, 6 * 86_400_000)) for u in chunk]
        sink.insert(
            "game_records",
            ("app_id", "user_id", "key", "value", "updated_at"),
            ((app_id, u, KEY, json.dumps({"wxgame": {"score": s}}), at) for u, s, at in scores),
        )
        sink.insert(
            "game_scores",
            ("app_id", "key", "period", "user_id", "score", "updated_at"),
            [(app_id, KEY, p, u, s, at) for u, s, at in scores for p in ("all", week)],
        )
    contacts = []
    for reader in readers:
        for friend in rng.sample(people, min(FRIENDS, len(people))):
            contacts += [(reader, friend, now), (friend, reader, now)]
    sink.insert("contacts", ("user_id", "peer_id", "created_at"), contacts)
    sink.analyze()
    sink.close()
    seconds = round(time.monotonic() - started, 1)
    log(f"ranking: {len(everyone)} players, {FRIENDS} friends for each reader: {seconds} s")
    return {"players": len(everyone), "friends_per_reader": FRIENDS, "generate_seconds": seconds}


async def _ask(
    readers: list[Client], path: str, seconds: float, check: Callable[[Any], None]
) -> list[float]:
    """Each reader asks again and again for `seconds`; the time until the answer is read
    and decoded (with msgspec, as fast as a browser's JSON.parse; the stdlib's json
    would add ~2 ms to a 1,000-entry answer on the client's side)."""
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def loop(c: Client) -> None:
        assert c.token is not None
        headers = {"Authorization": f"Bearer {c.token}"}
        while time.monotonic() < stop:
            started = time.perf_counter()
            async with c.session.get(c.base_url + path, headers=headers) as response:
                body = await response.read()
                answer = msgspec.json.decode(body)
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
            check(answer)

    await asyncio.gather(*(loop(c) for c in readers))
    return latencies


async def _measure(url: str, app_id: int, options: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        readers = [Client(url, session=session) for _ in range(READERS)]
        for i, c in enumerate(readers):
            await c.login(f"ranker{i:02d}", PASSWORD)
        drawn = f"/api/v1/miniapps/{app_id}/ranking?key={KEY}"
        weekly = f"/api/v1/miniapps/{app_id}/ranking?key={KEY}&period=week"
        rank = f"/api/v1/miniapps/{app_id}/rank?key={KEY}"

        def full(answer: Any) -> None:
            if len(answer["entries"]) < FRIENDS:  # the first 1,000, and the reader
                raise SystemExit(f"a ranking of {len(answer['entries'])} entries")

        def counted(answer: Any) -> None:
            if answer["count"] != FRIENDS:
                raise SystemExit(f"a rank among {answer['count']} friends")

        await _ask(readers[:2], drawn, options.warmup, full)
        alone = await _ask(readers[:1], drawn, options.duration / 2, full)
        week_alone = await _ask(readers[:1], weekly, options.duration / 4, lambda a: None)
        rank_alone = await _ask(readers[:1], rank, options.duration / 4, counted)
        together = await _ask(readers, drawn, options.duration / 2, full)
    return {
        "ranking_ms": percentiles(alone),
        "rankings_alone": len(alone),
        "weekly_ranking_ms": percentiles(week_alone),
        "rank_ms": percentiles(rank_alone),
        "concurrent_readers": len(readers),
        "ranking_ms_concurrent": percentiles(together),
        "rankings_per_s_concurrent": round(len(together) / (options.duration / 2), 1),
    }


def ranking(options: Any, report: Any, server: LocalServer | None) -> None:
    """Set up, generate, restart on the data, measure (see the module)."""
    if server is None or options.url is None:
        raise SystemExit("ranking generates its data in a local server's database; drop --url")
    players = max(FRIENDS + READERS + 1, int(100_000 * options.scale))

    async def register() -> tuple[int, list[int]]:
        async with aiohttp.ClientSession() as session:
            dev = Client(options.url, session=session)
            await dev.register("rankdev", PASSWORD)
            made = await dev.call("POST", "/api/v1/developer/accounts", {"name": "Bench Games"})
            app = await dev.call(
                "POST",
                f"/api/v1/developer/accounts/{made['account']['id']}/miniapps",
                {
                    "name": "Bench",
                    "entry_url": "https://game.example/",
                    "domains": ["game.example"],
                },
            )
            readers = [Client(options.url, session=session) for _ in range(READERS)]
            for i, c in enumerate(readers):
                await c.register(f"ranker{i:02d}", PASSWORD)
            return int(app["app"]["id"]), [int(c.user["id"]) for c in readers if c.user]

    app_id, reader_ids = asyncio.run(register())
    server.stop()
    url = options.database_url or f"sqlite:///{server.data_dir / 'microletter.db'}"
    facts = generate(url, app_id, reader_ids, players, options.log)
    facts["database"] = "postgresql" if url.startswith("postgres") else "sqlite"
    again = LocalServer(server.data_dir, env=server.env)
    url = again.start()
    try:
        facts.update(asyncio.run(_measure(url, app_id, options)))
    finally:
        again.stop()
    report.facts.update(facts)
