"""The `checkout` scenario: buying from a shop as fast as the server allows.

A shop (an official account's) with one zone whose twelve daily windows hold 10,000
orders each; `32 * scale` buyers, funded by an operator, each with a stock of payment
tokens minted BEFORE the measured window (the payment password is checked once per
checkout flow, outside the money path: the issue asks for checkouts "with the payment
token already obtained"). Each buyer then keeps one purchase in flight (a closed loop):
put one item in the cart, check out with a delivery window. `hot`: every buyer buys the
same variant (one stock row); `spread`: each buyer its own product. Reports checkouts per
second, the checkout's latency (the POST alone: key, token, cart, window place, stock,
conversation, ledger, order, card, job in one unit of work) and the purchase's (cart +
checkout), errors, and whether the ledger reconciles and the stock adds up afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from microletter.bench.setup import (
    become_operator,
    close_world,
    fund,
    gather_limited,
    make_users,
)
from microletter.bench.stats import percentiles
from microletter.client import ApiError, Client

PAY = "135790"
FUNDS = 10**12
STOCK = 1_000_000_000
PRICE = 100
WINDOWS = [
    {"start": f"{h:02}:00", "end": f"{h + 2:02}:00", "capacity": 10_000} for h in range(0, 22, 2)
]


async def measure(
    url: str,
    data_dir: Path | None,
    buyers: int,
    seconds: float,
    mode: str,
    tokens_each: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    world = await make_users(url, buyers + 1, f"shop{int(time.time())}")
    root = Client(url, session=world.session)
    try:
        await become_operator(root, data_dir, "checkout")
        dev = world.users[buyers]
        sid, variants = await _open_shop(dev, 1 if mode == "hot" else buyers)
        people = world.users[:buyers]

        async def ready(i: int) -> list[str]:
            await fund(root, world, i, FUNDS, PAY)
            return [await people[i].payment_token(PAY) for _ in range(tokens_each)]

        log(f"{buyers} buyers: funding them and minting {tokens_each} payment tokens each")
        tokens = await gather_limited([partial(ready, i) for i in range(buyers)], 16)
        offered = (await people[0].call("GET", f"/api/v1/shops/{sid}/windows", area="100000"))[
            "windows"
        ]
        later = [w for w in offered if w["starts_at"] > (time.time() + 3600) * 1000]
        log(f"shop {sid}: {len(variants)} variant(s), {len(later)} windows; measuring {seconds}s")
        checkout_s: list[float] = []
        purchase_s: list[float] = []
        errors: dict[str, int] = {}
        start = time.perf_counter()
        stop = start + seconds

        async def buyer(i: int) -> None:
            client, variant = people[i], variants[i % len(variants)]
            window = later[i % len(later)]
            delivery = {
                "area": "100000",
                "address": f"{i} Bench Road",
                "window_id": window["window_id"],
                "day": window["day"],
            }
            for n, paid in enumerate(tokens[i]):
                if time.perf_counter() >= stop:
                    return
                began = time.perf_counter()
                try:
                    await client.call("PUT", f"/api/v1/shops/{sid}/cart/{variant}", {"quantity": 1})
                    sent = time.perf_counter()
                    await client.call(
                        "POST",
                        f"/api/v1/shops/{sid}/checkout",
                        {
                            "idempotency_key": f"b{i}-{n}",
                            "payment_token": paid,
                            "delivery": delivery,
                        },
                    )
                except ApiError as exc:
                    errors[exc.code] = errors.get(exc.code, 0) + 1
                    continue
                done = time.perf_counter()
                checkout_s.append(done - sent)
                purchase_s.append(done - began)

        await asyncio.gather(*(buyer(i) for i in range(buyers)))
        elapsed = time.perf_counter() - start
        reconciled = await root.admin_reconcile()
        catalog = await dev.call("GET", f"/api/v1/shops/{sid}/catalog")
        left = sum(v["stock"] for p in catalog["products"] for v in p["variants"])
        sold = len(variants) * STOCK - left
        c, p = percentiles(checkout_s), percentiles(purchase_s)
        return {
            "mode": mode,
            "buyers": buyers,
            "seconds": round(elapsed, 2),
            "checkouts": len(checkout_s),
            "checkouts_per_s": round(len(checkout_s) / elapsed, 1),
            "checkout_ms_p50": c["p50"],
            "checkout_ms_p99": c["p99"],
            "purchase_ms_p50": p["p50"],
            "purchase_ms_p99": p["p99"],
            "errors": sum(errors.values()),
            "error_codes": errors,
            "stock_ok": sold == len(checkout_s),
            "reconcile_ok": reconciled["ok"],
            "ledger_transactions": reconciled["transactions"],
        }
    finally:
        await close_world(world)


async def _open_shop(dev: Client, products: int) -> tuple[int, list[int]]:
    """A shop with `products` products of one variant each, and a zone serving 100000."""
    made = await dev.call("POST", "/api/v1/developer/accounts", {"name": "Bench Shop"})
    sid = int(made["account"]["id"])
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{sid}/shop", {"name": "Bench", "time_zone": "UTC"}
    )
    await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/zones",
        {"name": "Bench", "areas": ["100000"], "windows": WINDOWS},
    )
    variants = []
    for n in range(products):
        product = await dev.call(
            "POST",
            f"/api/v1/shops/{sid}/products",
            {"name": f"Item {n}", "variants": [{"sku": f"I-{n}", "price": PRICE, "stock": STOCK}]},
        )
        variants.append(int(product["product"]["variants"][0]["id"]))
    return sid, variants
