"""The `chapters` scenario: readers buying the chapters of a serialized work as fast as
the server allows (the books room's hot path).

A shop's work with many chapters, all paid; `16 * scale` readers, each funded by an
operator, each opens one reading session (the payment password once) and then reads on
in a closed loop: GET the next chapter (`books.chapter_locked`), buy it in the session
(key, session limit, wallet → pending, the purchase's row, the shelf's event), GET it
again. Reports purchases per second, the purchase's latency and a chapter read's, errors,
and whether the ledger reconciles afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microletter.bench.setup import become_operator, close_world, fund, make_users
from microletter.bench.stats import Measured, percentiles
from microletter.client import ApiError, Client

PAY = "135790"
FUNDS = 10**12
CHAPTERS = 400
TEXT = "The night went on. " * 200  # about 4,000 characters, a typical chapter


async def measure(
    url: str,
    data_dir: Path | None,
    readers: int,
    seconds: float,
    warmup: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    world = await make_users(url, readers + 1, f"read{int(time.time())}")
    root = Client(url, session=world.session)
    try:
        await become_operator(root, data_dir, "chapters")
        dev = world.users[readers]
        account = await dev.call("POST", "/api/v1/developer/accounts", {"name": "Bench Press"})
        sid = int(account["account"]["id"])
        await dev.call(
            "PUT", f"/api/v1/developer/accounts/{sid}/shop", {"name": "Bench", "time_zone": "UTC"}
        )
        work = await dev.call(
            "POST",
            f"/api/v1/shops/{sid}/works",
            {"title": "Bench", "free_chapters": 0, "chapter_price": 1},
        )
        wid = int(work["work"]["id"])
        for n in range(CHAPTERS):
            await dev.call(
                "POST", f"/api/v1/books/works/{wid}/chapters", {"title": f"C{n}", "text": TEXT}
            )
        sessions = []
        for i in range(readers):
            await fund(root, world, i, FUNDS, PAY)
            paid = await world.users[i].payment_token(PAY)
            opened = await world.users[i].call(
                "POST",
                f"/api/v1/books/works/{wid}/sessions",
                {"payment_token": paid, "spending_limit": FUNDS},
            )
            sessions.append(opened["session"])
        log(f"{readers} readers, {CHAPTERS} chapters; warming up {warmup}s, measuring {seconds}s")
        buy_s: list[float] = []
        read_s: list[float] = []
        measured = Measured(warmup, seconds)

        async def reader(index: int) -> None:
            client, n = world.users[index], 1
            base = f"/api/v1/books/works/{wid}"
            while measured.running() and n <= CHAPTERS:
                try:
                    await client.call("GET", f"{base}/chapters/{n}")
                    measured.failed("unlocked")  # it should have been locked
                except ApiError as exc:
                    if exc.code != "books.chapter_locked":
                        measured.failed(exc.code)
                began = time.perf_counter()
                try:
                    await client.call(
                        "POST",
                        f"{base}/chapters/{n}/purchase",
                        {"idempotency_key": f"r{index}-{n}", "session": sessions[index]},
                    )
                    bought = time.perf_counter()
                    await client.call("GET", f"{base}/chapters/{n}")
                except ApiError as exc:
                    measured.failed(exc.code)
                    continue
                finally:
                    n += 1
                done = time.perf_counter()
                if measured.counts(began):
                    buy_s.append(bought - began)
                    read_s.append(done - bought)

        await asyncio.gather(*(reader(i) for i in range(readers)))
        reconciled = await root.admin_reconcile()
        b, r = percentiles(buy_s), percentiles(read_s)
        return {
            "readers": readers,
            "purchases_per_s": round(len(buy_s) / seconds, 1),
            "purchase_ms_p50": b["p50"],
            "purchase_ms_p99": b["p99"],
            "read_ms_p50": r["p50"],
            "read_ms_p99": r["p99"],
            "errors": measured.error_count,
            "reconcile_ok": reconciled["ok"],
        }
    finally:
        await close_world(world)
