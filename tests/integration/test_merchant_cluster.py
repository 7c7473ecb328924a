"""Merchant finance across processes: on one PostgreSQL, two server processes deliver
orders whose settlements are due at once, and both schedulers claim and run them: every
order settles exactly once. Then many draws on one credit line race through both
processes while more settlements (which repay the line) run: exactly one draw is lent,
the line is repaid from the settlements; chapter purchases through both processes are
settled once each as well, and reconcile (the ledger and the merchant
accounts, `microletter admin reconcile`) is clean."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from microletter.client import ApiError, Client
from tests.conftest import PASSWORD
from tests.integration.test_shop_cluster import buyer
from tests.integration.test_wallet_cluster import operator, reconcile_cli
from tests.support.process import ServerProcess

DATABASE_POOL_SIZE = 6
TERMS: dict[str, Any] = {
    "merchant_settle_days": 0,
    "merchant_credit_share_percent": 20,
    "merchant_credit_fee": 500,
    "scheduler_interval_seconds": 0.05,
}


async def until(check: Any, seconds: float = 30.0) -> None:
    """Wait until `await check()` is true (the schedulers run on their own)."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def sell(
    people: list[Client], owners: list[Client], sid: int, vid: int, window: Any
) -> list[int]:
    """Each person buys one `vid` and the shop delivers it, through alternating processes."""

    async def one(i: int, person: Client) -> int:
        await person.call("PUT", f"/api/v1/shops/{sid}/cart/{vid}", {"quantity": 1})
        body = {
            "idempotency_key": f"o{i}-{time.monotonic_ns()}",
            "payment_token": await person.payment_token("123456"),
            "delivery": {
                "area": "200001",
                "address": "1 Road",
                "window_id": window["window_id"],
                "day": window["day"],
            },
        }
        placed = await person.call("POST", f"/api/v1/shops/{sid}/checkout", body)
        oid = int(placed["order"]["id"])
        owner = owners[i % 2]
        for action in ("pack", "dispatch", "deliver"):
            await owner.call("POST", f"/api/v1/shop/orders/{oid}/{action}")
        return oid

    return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(people))))


@pytest.mark.slow
async def test_two_processes_settle_each_order_once_and_lend_one_draw(
    tmp_path: Path, shared: dict[str, Any]
) -> None:
    nodes = [
        ServerProcess(tmp_path / name, operators="root", **shared, **TERMS) for name in ("a", "b")
    ]
    urls = [await asyncio.to_thread(n.start) for n in nodes]
    clients: list[Client] = []
    try:
        root = await operator(urls[0], nodes[0].data_dir)
        dev, dev_b = Client(urls[0]), Client(urls[1])
        clients += [root, dev, dev_b]
        await dev.register("dev", PASSWORD)
        await dev_b.login("dev", PASSWORD)
        sid = (await dev.call("POST", "/api/v1/developer/accounts", {"name": "Tea"}))["account"][
            "id"
        ]
        await dev.call(
            "PUT",
            f"/api/v1/developer/accounts/{sid}/shop",
            {"name": "Tea", "time_zone": "Asia/Shanghai"},
        )
        product = await dev.call(
            "POST",
            f"/api/v1/shops/{sid}/products",
            {"name": "Tea", "variants": [{"sku": "T", "price": 100, "stock": 1000}]},
        )
        vid = product["product"]["variants"][0]["id"]
        await dev.call(
            "POST",
            f"/api/v1/shops/{sid}/zones",
            {
                "name": "All",
                "areas": ["200001"],
                "windows": [{"start": "00:00", "end": "23:00", "capacity": 1000}],
            },
        )
        window = (await dev.call("GET", f"/api/v1/shops/{sid}/windows", area="200001"))["windows"][
            -1
        ]
        people = [await buyer(urls[i % 2], root, f"buyer{i}") for i in range(30)]
        clients += people

        async def money() -> dict[str, Any]:
            reply: dict[str, Any] = await dev.call("GET", f"/api/v1/merchant/shops/{sid}")
            return reply

        async def all_settled() -> bool:
            return bool((await money())["pending"] == 0)

        # 20 orders delivered; both processes' schedulers race to settle them
        first = await sell(people[:20], [dev, dev_b], sid, vid, window)
        await until(all_settled)
        settled = await dev.call("GET", f"/api/v1/merchant/shops/{sid}/settlements")
        assert sorted(s["order_id"] for s in settled["settlements"]) == sorted(first)
        assert (await money())["balance"] == 2000
        # the line's limit is 20% of 2000; 30 draws of 300 race through both processes:
        # one is lent, the others find the line drawn
        await root.call(
            "POST",
            "/api/v1/admin/merchant/pools/credit/fund",
            {"amount": 100_000, "reason": "test", "idempotency_key": "f1"},
        )

        async def draw(i: int, amount: int) -> bool:
            via = dev if i % 2 else dev_b
            try:
                await via.call(
                    "POST",
                    f"/api/v1/merchant/shops/{sid}/credit/draw",
                    {"amount": amount, "idempotency_key": f"d{i}"},
                )
            except ApiError as exc:
                assert exc.code == "merchant.credit_in_use", exc.code
                return False
            return True

        assert sum(await asyncio.gather(*(draw(i, 300) for i in range(30)))) == 1
        assert (await money())["credit"]["owed"] == 800
        # ten more orders are settled (repaying the line first) while small draws race
        drawn, later = await asyncio.gather(
            asyncio.gather(*(draw(100 + i, 10) for i in range(20))),
            sell(people[20:], [dev, dev_b], sid, vid, window),
        )
        await until(all_settled)
        settled = await dev.call("GET", f"/api/v1/merchant/shops/{sid}/settlements")
        assert len(settled["settlements"]) == 30 == len(set(first + later))
        repaid = sum(s["repaid"] for s in settled["settlements"])
        lent, owes = 300 + 10 * sum(drawn), 800 + 510 * sum(drawn)
        state = await money()
        assert state["credit"]["owed"] == owes - repaid >= 0
        assert state["balance"] == 3000 + lent - repaid
        assert (await root.call("GET", "/api/v1/admin/merchant/reconcile"))["ok"]
        # chapter purchases through both processes settle once too, repaying the line first
        work = await dev.call(
            "POST", f"/api/v1/shops/{sid}/works", {"title": "Night", "chapter_price": 50}
        )
        wid = work["work"]["id"]
        await dev.call(
            "POST", f"/api/v1/books/works/{wid}/chapters", {"title": "One", "text": "Text."}
        )
        before = await money()

        async def read(i: int, person: Client) -> int:
            reply = await person.call(
                "POST",
                f"/api/v1/books/works/{wid}/chapters/1/purchase",
                {"idempotency_key": f"c{i}", "payment_token": await person.payment_token("123456")},
            )
            return int(reply["purchase_id"])

        bought = await asyncio.gather(*(read(i, p) for i, p in enumerate(people[:10])))
        await until(all_settled)
        settled = await dev.call("GET", f"/api/v1/merchant/shops/{sid}/settlements")
        chapters = [s for s in settled["settlements"] if s["kind"] == "purchase"]
        assert sorted(s["purchase_id"] for s in chapters) == sorted(bought)
        repaid = sum(s["repaid"] for s in chapters)
        state = await money()
        assert state["credit"]["owed"] == before["credit"]["owed"] - repaid >= 0
        assert state["balance"] == before["balance"] + 500 - repaid
        assert (await root.call("GET", "/api/v1/admin/merchant/reconcile"))["ok"]
        code, output = await reconcile_cli(shared["database_url"])
        assert code == 0, output
        assert "merchants OK" in output
    finally:
        for client in clients:
            await client.close()
        for node in nodes:
            await asyncio.to_thread(node.stop)
            node.close()
