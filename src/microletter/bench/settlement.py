"""The `settlement` scenario: a shop's orders settled by the durable scheduler, and its
credit line drawn and repaid, as fast as the server allows.

`8 * scale` buyers each keep one order in flight (a closed loop): a payment token, a
checkout of one item, and the owner's pack, dispatch and deliver. The server settles each
order at once (`MICROLETTER_MERCHANT_SETTLE_DAYS=0`, its scheduler every 50 ms). Reports
orders per second, the time from the last delivery until everything is settled, the
settlements per second, the latency of a credit draw and of a repayment, errors, and
whether the ledger and the merchant accounts reconcile afterwards.
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
# The local server's settings for this scenario (runner.py).
ENV = {
    "MICROLETTER_MERCHANT_SETTLE_DAYS": "0",
    "MICROLETTER_MERCHANT_CREDIT_FEE": "1",
    "MICROLETTER_SCHEDULER_INTERVAL_SECONDS": "0.05",
}


async def _open_shop(dev: Client) -> tuple[int, int, dict[str, Any]]:
    """A shop with one product in plenty and one window with room: (shop, variant, window)."""
    sid = (await dev.call("POST", "/api/v1/developer/accounts", {"name": "Bench"}))["account"]["id"]
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{sid}/shop", {"name": "Bench", "time_zone": "UTC"}
    )
    made = await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/products",
        {"name": "Tea", "variants": [{"sku": "T", "price": 100, "stock": 1_000_000_000}]},
    )
    windows = [{"start": "00:00", "end": "23:59", "capacity": 10000}]
    await dev.call(
        "POST", f"/api/v1/shops/{sid}/zones", {"name": "All", "areas": ["1"], "windows": windows}
    )
    offered = await dev.call("GET", f"/api/v1/shops/{sid}/windows", area="1")
    return sid, made["product"]["variants"][0]["id"], offered["windows"][-1]


async def measure(
    url: str,
    data_dir: Path | None,
    buyers: int,
    seconds: float,
    warmup: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    world = await make_users(url, buyers + 1, f"set{int(time.time())}")
    root = Client(url, session=world.session)
    try:
        await become_operator(root, data_dir, "settlement")
        dev, people = world.users[0], world.users[1:]
        sid, vid, window = await _open_shop(dev)
        for i in range(1, len(people) + 1):
            await fund(root, world, i, FUNDS, PAY)
        log(f"{len(people)} buyers funded; warming up {warmup}s, measuring {seconds}s")
        measured = Measured(warmup, seconds)
        orders = 0

        async def buyer(index: int) -> None:
            nonlocal orders
            person, n = people[index], 0
            while measured.running():
                n += 1
                try:
                    await person.call("PUT", f"/api/v1/shops/{sid}/cart/{vid}", {"quantity": 1})
                    body = {
                        "idempotency_key": f"b{index}-{n}",
                        "payment_token": await person.payment_token(PAY),
                        "delivery": {"area": "1", "address": "x", **_chosen(window)},
                    }
                    placed = await person.call("POST", f"/api/v1/shops/{sid}/checkout", body)
                    oid = placed["order"]["id"]
                    for action in ("pack", "dispatch", "deliver"):
                        await dev.call("POST", f"/api/v1/shop/orders/{oid}/{action}")
                except ApiError as exc:
                    measured.failed(exc.code)
                    continue
                if measured.counts(time.perf_counter()):
                    orders += 1

        await asyncio.gather(*(buyer(i) for i in range(len(people))))
        delivered = time.perf_counter()
        path = f"/api/v1/merchant/shops/{sid}"
        await _settled(dev, path)
        drained = time.perf_counter() - delivered
        settled = len((await dev.call("GET", f"{path}/settlements"))["settlements"])
        draw_s, repay_s = await _credit(root, dev, path)
        reconciled = await root.call("GET", "/api/v1/admin/wallet/reconcile")
        merchants = await root.call("GET", "/api/v1/admin/merchant/reconcile")
        d, r = percentiles(draw_s), percentiles(repay_s)
        return {
            "buyers": len(people),
            "orders_per_s": round(orders / seconds, 1),
            "settled_after_last_delivery_ms": round(drained * 1000, 1),
            "settlements_shown": settled,
            "draw_ms_p50": d["p50"],
            "draw_ms_p99": d["p99"],
            "repay_ms_p50": r["p50"],
            "repay_ms_p99": r["p99"],
            "errors": measured.error_count,
            "reconcile_ok": reconciled["ok"] and merchants["ok"],
        }
    finally:
        await close_world(world)


async def _settled(dev: Client, path: str) -> None:
    """Until the shop's pending money is all settled (the server's scheduler does it)."""
    for _ in range(3000):  # a minute at most
        if (await dev.call("GET", path))["pending"] == 0:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("settlement did not finish within a minute")


def _chosen(window: dict[str, Any]) -> dict[str, Any]:
    return {"window_id": window["window_id"], "day": window["day"]}


async def _credit(root: Client, dev: Client, path: str) -> tuple[list[float], list[float]]:
    """Draw 1 minor unit and repay it, 50 times: the latency of each (seconds)."""
    await root.call(
        "POST",
        "/api/v1/admin/merchant/pools/credit/fund",
        {"amount": FUNDS, "reason": "bench", "idempotency_key": f"credit{time.time_ns()}"},
    )
    draws: list[float] = []
    repays: list[float] = []
    for n in range(50):
        began = time.perf_counter()
        await dev.call("POST", f"{path}/credit/draw", {"amount": 1, "idempotency_key": f"d{n}"})
        drawn = time.perf_counter()
        await dev.call("POST", f"{path}/credit/repay", {"idempotency_key": f"r{n}"})
        draws.append(drawn - began)
        repays.append(time.perf_counter() - drawn)
    return draws, repays
