"""Shops across processes: on one PostgreSQL, two server processes take checkouts at
once; 200 buyers race for the last 5 items and exactly 5 orders succeed, 100 buyers race
for the last 3 places of a delivery window and exactly 3 succeed, and the ledger
reconciles afterwards (every refused checkout moved nothing)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from microletter.client import ApiError, Client
from tests.conftest import PASSWORD
from tests.integration.test_wallet_cluster import operator, reconcile_cli
from tests.support.process import ServerProcess
from tests.support.rest import uid

PAY = "123456"


DATABASE_POOL_SIZE = 8  # each process's pool (the shared fixture, tests/conftest.py)


async def buyer(url: str, root: Client, name: str) -> Client:
    person = Client(url)
    await person.register(name, PASSWORD)
    await root.admin_adjust(uid(person), 10_000, "test", f"fund-{name}")
    await person.set_pay_password(PASSWORD, PAY)
    return person


async def race(
    name: str,
    people: list[Client],
    sid: int,
    vid: int,
    window: dict[str, Any],
    expected_refusal: str,
    drop: int | None = None,
) -> int:
    """Every person puts one of `vid` in their cart (taking `drop` out) and checks out at
    once, half through each process; the number of orders that succeeded."""
    tokens = []
    for person in people:
        if drop is not None:
            await person.call("PUT", f"/api/v1/shops/{sid}/cart/{drop}", {"quantity": 0})
        await person.call("PUT", f"/api/v1/shops/{sid}/cart/{vid}", {"quantity": 1})
        tokens.append(await person.payment_token(PAY))

    async def buy(i: int) -> bool:
        body = {
            "idempotency_key": f"{name}-{i}",
            "payment_token": tokens[i],
            "delivery": {
                "area": "200001",
                "address": "1 Road",
                "window_id": window["window_id"],
                "day": window["day"],
            },
        }
        try:
            await people[i].call("POST", f"/api/v1/shops/{sid}/checkout", body)
        except ApiError as exc:
            assert exc.code == expected_refusal, exc
            return False
        return True

    return sum(await asyncio.gather(*(buy(i) for i in range(len(people)))))


@pytest.mark.slow
async def test_two_processes_never_oversell_stock_or_a_window(
    tmp_path: Path, shared: dict[str, Any]
) -> None:
    nodes = [ServerProcess(tmp_path / name, operators="root", **shared) for name in ("a", "b")]
    urls = [await asyncio.to_thread(n.start) for n in nodes]
    clients: list[Client] = []
    try:
        root = await operator(urls[0], nodes[0].data_dir)
        dev = Client(urls[0])
        clients += [root, dev]
        await dev.register("dev", PASSWORD)
        made = await dev.call("POST", "/api/v1/developer/accounts", {"name": "Tea"})
        sid = made["account"]["id"]
        await dev.call(
            "PUT",
            f"/api/v1/developer/accounts/{sid}/shop",
            {"name": "Tea", "time_zone": "Asia/Shanghai"},
        )
        product = await dev.call(
            "POST",
            f"/api/v1/shops/{sid}/products",
            {
                "name": "Tea",
                "variants": [
                    {"sku": "LAST5", "price": 100, "stock": 5},
                    {"sku": "PLENTY", "price": 100, "stock": 1000},
                ],
            },
        )
        last5, plenty = (v["id"] for v in product["product"]["variants"])
        await dev.call(
            "POST",
            f"/api/v1/shops/{sid}/zones",
            {
                "name": "All",
                "areas": ["200001"],
                "windows": [
                    {"start": "00:00", "end": "06:00", "capacity": 1000},
                    {"start": "06:00", "end": "12:00", "capacity": 3},
                ],
            },
        )
        offered = (await dev.call("GET", f"/api/v1/shops/{sid}/windows", area="200001"))["windows"]
        roomy = next(w for w in offered if w["start"] == "00:00")
        tight = next(w for w in offered if w["start"] == "06:00")
        people = [await buyer(urls[i % 2], root, f"buyer{i}") for i in range(200)]
        clients += people
        sold = await race("stock", people, sid, last5, roomy, "shop.out_of_stock")
        assert sold == 5
        page = await dev.call("GET", f"/api/v1/shops/{sid}/orders")
        assert len(page["orders"]) == 5
        placed = await race(
            "window", people[:100], sid, plenty, tight, "shop.window_full", drop=last5
        )
        assert placed == 3
        today = await dev.call("GET", f"/api/v1/shops/{sid}/windows", area="200001")
        assert all(
            w["window_id"] != tight["window_id"] or w["day"] != tight["day"]
            for w in today["windows"]
        )
        balances = [(await p.call("GET", "/api/v1/wallet"))["balance"] for p in people]
        assert sum(10_000 - b for b in balances) == (5 + 3) * 100
        assert (await root.call("GET", "/api/v1/admin/wallet/reconcile"))["ok"]
        assert (await reconcile_cli(shared["database_url"]))[0] == 0
    finally:
        for client in clients:
            await client.close()
        for node in nodes:
            await asyncio.to_thread(node.stop)
            node.close()
