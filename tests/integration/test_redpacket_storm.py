"""Red packets under storms, with real server processes: on PostgreSQL with two of them,
1,000 open attempts by 500 members on a 100-share lucky packet (half over REST, half as
WebSocket frames; and the same requests again) make exactly 100 openings, each member at
most once, summing to the packet; and kill -9 in the middle of a storm of opens, on
SQLite and PostgreSQL, loses no acknowledged open, doubles none, and leaves the ledger
reconciled."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from microletter.bench.crowd import PAY_PASSWORD, Crowd, seed_crowd
from microletter.storage import read_only
from microletter.wallet import reconcile_ledger
from tests.support.process import ServerProcess

Json = dict[str, Any]


DATABASE_POOL_SIZE = 8  # each process's pool (the shared fixture, tests/conftest.py)


async def call(
    http: aiohttp.ClientSession, url: str, token: str, method: str, path: str, body: Any = None
) -> tuple[int, Json]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.request(method, url + path, json=body, headers=headers) as response:
        return response.status, await response.json()


async def send_lucky(
    http: aiohttp.ClientSession, url: str, crowd: Crowd, amount: int, shares: int, key: str
) -> Json:
    token = crowd.tokens[0]
    status, verified = await call(
        http,
        url,
        token,
        "POST",
        "/api/v1/wallet/pay-password/verify",
        {"pay_password": PAY_PASSWORD},
    )
    assert status == 200, verified
    body = {
        "kind": "lucky",
        "amount": amount,
        "shares": shares,
        "greeting": "storm",
        "idempotency_key": key,
        "payment_token": verified["payment_token"],
    }
    cid = crowd.groups[0]
    status, sent = await call(
        http, url, token, "POST", f"/api/v1/conversations/{cid}/red-packets", body
    )
    assert status == 201, sent
    packet: Json = sent["packet"]
    return packet


async def storm(
    http: aiohttp.ClientSession,
    attempts: Sequence[tuple[str, str, int]],
    done: list[tuple[str, int, int, Json]] | None = None,
) -> list[tuple[str, int, int, Json]]:
    """Every (url, token, packet) attempt at once: (token, packet, status, body), also
    appended to `done` as they come back."""
    seen = [] if done is None else done

    async def one(url: str, token: str, pid: int) -> None:
        try:
            status, body = await call(http, url, token, "POST", f"/api/v1/red-packets/{pid}/open")
        except (TimeoutError, aiohttp.ClientError):
            seen.append((token, pid, 0, {}))  # no answer: it may or may not have happened
            return
        seen.append((token, pid, status, body))

    await asyncio.gather(*(one(*a) for a in attempts))
    return seen


async def ws_storm(
    http: aiohttp.ClientSession, attempts: Sequence[tuple[str, str, int]]
) -> list[tuple[str, int, int, Json]]:
    """The same attempts as `open_red_packet` frames, each member on its own WebSocket to
    that process: (token, packet, 200 or 409, the frame's fields as REST would give)."""
    sem = asyncio.Semaphore(100)  # connections open at once

    async def one(url: str, token: str, pid: int) -> tuple[str, int, int, Json]:
        async with sem, http.ws_connect(url.replace("http", "ws", 1) + "/ws") as ws:
            await ws.send_json({"t": "hello", "token": token})
            await ws.send_json({"t": "open_red_packet", "packet_id": pid, "ref": "o"})
            while True:
                frame: Json = await ws.receive_json(timeout=30)
                if frame.get("ref") == "o":
                    break
        if frame["t"] == "opened":
            return token, pid, 200, frame
        return token, pid, 409, {"error": frame["error"]}

    return list(await asyncio.gather(*(one(*a) for a in attempts)))


async def openings(database_url: str, pid: int) -> list[tuple[int, int]]:
    async with read_only(database_url) as db:
        rows = await db.fetch(
            "SELECT opener_id, amount FROM red_packet_shares WHERE packet_id=$1"
            " AND opener_id IS NOT NULL ORDER BY idx",
            pid,
        )
    return [(int(r[0]), int(r[1])) for r in rows]


async def reconciled(database_url: str) -> bool:
    async with read_only(database_url) as db:
        return (await reconcile_ledger(db)).ok


@pytest.mark.slow
async def test_two_processes_on_postgres_open_exactly_the_shares_of_a_packet(
    tmp_path: Path, shared: dict[str, Any]
) -> None:
    crowd = await seed_crowd(shared["database_url"], 500)
    nodes = [ServerProcess(tmp_path / f"node{n}", **shared, node_id=n) for n in (1, 2)]
    for n in nodes:
        (tmp_path / f"node{n.settings['node_id']}").mkdir()
    urls = [await asyncio.to_thread(n.start) for n in nodes]
    connector = aiohttp.TCPConnector(limit=400)
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            packet = await send_lucky(http, urls[0], crowd, 100_000, 100, "storm")
            pid = packet["id"]
            # 1,000 attempts: every member twice, once on each process, all at once, half
            # of them as REST requests and half as open_red_packet frames on /ws
            attempts = [(u, t, pid) for t in crowd.tokens for u in urls]
            random.Random(7).shuffle(attempts)
            rest, frames = await asyncio.gather(
                storm(http, attempts[::2]), ws_storm(http, attempts[1::2])
            )
            first = rest + frames
            again = await storm(http, attempts[:500])  # the same requests again
        ok = [(t, b["amount"]) for t, _, s, b in first + again if s == 200]
        assert len(ok) == 100
        assert len({t for t, _ in ok}) == 100  # each member at most once
        assert sum(a for _, a in ok) == 100_000
        codes = Counter(b["error"]["code"] for _, _, s, b in first + again if s != 200)
        assert set(codes) <= {"redpacket.exhausted", "redpacket.already_opened"}, codes
        assert sum(codes.values()) == 1500 - 100
        stored = await openings(shared["database_url"], pid)
        assert sorted(a for _, a in stored) == sorted(a for _, a in ok)
        assert len({u for u, _ in stored}) == 100
        assert await reconciled(shared["database_url"])
    finally:
        for n in nodes:
            await asyncio.to_thread(n.stop)
            n.close()


@pytest.mark.slow
async def test_kill_9_during_a_storm_of_opens_on_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    await kill_during_storm(data, {}, f"sqlite:///{data / 'microletter.db'}")


@pytest.mark.slow
async def test_kill_9_during_a_storm_of_opens_on_postgres(
    tmp_path: Path, shared: dict[str, Any]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    await kill_during_storm(data, shared, shared["database_url"])


async def kill_during_storm(data: Path, settings: dict[str, Any], database_url: str) -> None:
    """No acknowledged open is lost or doubled, every packet is emptied exactly, the
    ledger reconciles."""
    crowd = await seed_crowd(database_url, 120)
    server = ServerProcess(data, **settings)
    url = await asyncio.to_thread(server.start)
    acked: dict[tuple[str, int], int] = {}
    packets: list[Json] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as http:
            for k in range(4):
                packets.append(await send_lucky(http, url, crowd, 5_000, 50, f"p{k}"))
            attempts = [(url, t, p["id"]) for p in packets for t in crowd.tokens[1:]]
            random.Random(3).shuffle(attempts)
            results: list[tuple[str, int, int, Json]] = []
            storming = asyncio.create_task(storm(http, attempts, results))
            async with asyncio.timeout(60):  # in the middle of it: some acknowledged, not all
                while sum(1 for r in results if r[2] == 200) < 40:
                    await asyncio.sleep(0.001)
            server.kill()
            await storming
            await asyncio.to_thread(server.start)
            results += await storm(http, attempts)  # everything again, after the restart
        for token, pid, status, body in results:
            if status == 200:
                assert acked.setdefault((token, pid), body["amount"]) == body["amount"]
        assert any(status == 0 for _, _, status, _ in results), "the kill came too late"
        by_token = dict(zip(crowd.tokens, crowd.user_ids, strict=True))
        for p in packets:
            stored = await openings(database_url, p["id"])
            assert len(stored) == len({u for u, _ in stored})  # nobody twice
            have = dict(stored)
            for (token, pid), amount in acked.items():
                if pid == p["id"]:
                    assert have[by_token[token]] == amount  # every acknowledged open is there
            assert len(stored) == 50 and sum(have.values()) == 5_000
        assert await reconciled(database_url)
    finally:
        await asyncio.to_thread(server.stop)
        server.close()
