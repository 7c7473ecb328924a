"""`kill -9` during a checkout storm, on both backends: many buyers race for limited stock,
the server dies mid-storm and comes back on the same port, the buyers resend their very
same requests; afterwards nothing is oversold, every acknowledged order is there with its
money and stock, no payment is without its order (or an order without its payment), and
the ledger reconciles."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from microletter.client import ApiError, Client
from tests.conftest import PASSWORD
from tests.integration.test_wallet_cluster import operator, reconcile_cli
from tests.support import services
from tests.support.process import ServerProcess
from tests.support.rest import uid

PAY = "123456"
STOCK = 25
PRICE = 700
BUYERS = 8
TRIES = 8  # each buyer's checkouts: 64 for 25 items
FUNDS = 100_000
Json = dict[str, Any]


async def until_answered(call: Any) -> Json:
    """Send one request until the server answers it (while it is down or restarting, the
    very same request again); a refusal with a stable code is an answer."""
    while True:
        try:
            reply: Json = await call()
            return reply
        except ApiError as exc:
            if exc.code not in ("unavailable", "internal"):
                raise
        except Exception:  # noqa: S110 - aiohttp's connection errors while it restarts
            pass
        await asyncio.sleep(0.05)


async def open_shop(url: str) -> tuple[Client, int, int, Json]:
    dev = Client(url)
    await dev.register("dev", PASSWORD)
    made = await dev.call("POST", "/api/v1/developer/accounts", {"name": "Storm Shop"})
    sid = int(made["account"]["id"])
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{sid}/shop", {"name": "Storm", "time_zone": "UTC"}
    )
    windows = [{"start": f"{h:02}:00", "end": f"{h + 2:02}:00", "capacity": 100} for h in (0, 12)]
    await dev.call(
        "POST", f"/api/v1/shops/{sid}/zones", {"name": "Z", "areas": ["1"], "windows": windows}
    )
    product = await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/products",
        {"name": "Last ones", "variants": [{"sku": "L-1", "price": PRICE, "stock": STOCK}]},
    )
    vid = int(product["product"]["variants"][0]["id"])
    offered = (await dev.call("GET", f"/api/v1/shops/{sid}/windows", area="1"))["windows"]
    return dev, sid, vid, offered[-1]  # the latest: it will not close during the test


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_kill_9_during_a_checkout_storm_oversells_nothing_and_loses_no_order(
    tmp_path: Path, backend: str
) -> None:
    settings: dict[str, Any] = {"operators": "root"}
    postgres = services.postgres_server() if backend == "postgres" else None
    if postgres is not None:
        settings["database_url"] = await postgres.new_database()
    data = tmp_path / "data"
    server = ServerProcess(data, **settings)
    url = await asyncio.to_thread(server.start)
    database_url = settings.get("database_url", f"sqlite:///{data / 'microletter.db'}")
    people: list[Client] = []
    try:
        root = await operator(url, data)
        dev, sid, vid, window = await open_shop(url)
        people += [root, dev]
        buyers = []
        for i in range(BUYERS):
            c = Client(url)
            await c.register(f"buyer{i}", PASSWORD)
            await c.set_pay_password(PASSWORD, PAY)
            await root.admin_adjust(uid(c), FUNDS, "test", f"fund{i}")
            buyers.append(c)
        people += buyers
        # Payment tokens minted before the storm (as in the wallet's storm test): a retry
        # reuses its token, which a rolled-back checkout did not spend.
        tokens = {
            (i, n): await buyers[i].payment_token(PAY) for i in range(BUYERS) for n in range(TRIES)
        }
        delivery = {
            "area": "1",
            "address": "1 Storm Road",
            "window_id": window["window_id"],
            "day": window["day"],
        }
        acked: dict[str, Json] = {}  # key → the order as acknowledged
        refused: dict[str, str] = {}

        async def storm(i: int) -> None:
            person = buyers[i]
            for n in range(TRIES):
                key = f"c{i}-{n}"
                await until_answered(
                    lambda: person.call("PUT", f"/api/v1/shops/{sid}/cart/{vid}", {"quantity": 1})
                )
                body = {
                    "idempotency_key": key,
                    "payment_token": tokens[(i, n)],
                    "delivery": delivery,
                }
                try:
                    reply = await until_answered(
                        lambda body=body: person.call("POST", f"/api/v1/shops/{sid}/checkout", body)
                    )
                except ApiError as exc:
                    refused[key] = exc.code
                    continue
                acked[key] = reply["order"]

        tasks = [asyncio.create_task(storm(i)) for i in range(BUYERS)]
        async with asyncio.timeout(60):
            while len(acked) < 8:
                await asyncio.sleep(0.002)
        server.kill()
        await asyncio.to_thread(server.start)  # the same port: the buyers carry on
        async with asyncio.timeout(120):
            await asyncio.gather(*tasks)

        # Sold out, exactly: 25 orders, every other checkout refused for the stock.
        assert len(acked) == STOCK, (len(acked), refused)
        assert set(refused.values()) == {"shop.out_of_stock"}
        assert len(refused) == BUYERS * TRIES - STOCK
        catalog = await dev.call("GET", f"/api/v1/shops/{sid}/catalog")
        assert catalog["products"][0]["variants"][0]["stock"] == 0
        # Every acknowledged order is there, paid, once; no order nobody was told of.
        shop_orders = (await dev.call("GET", f"/api/v1/shops/{sid}/orders"))["orders"]
        assert sorted(o["id"] for o in shop_orders) == sorted(o["id"] for o in acked.values())
        assert all(o["status"] == "paid" and o["total"] == PRICE for o in shop_orders)
        assert sum(line["quantity"] for o in shop_orders for line in o["lines"]) == STOCK
        for i, person in enumerate(buyers):
            mine = [o for k, o in acked.items() if k.startswith(f"c{i}-")]
            assert (await person.wallet())["balance"] == FUNDS - PRICE * len(mine)
            paid = [x for x in (await person.statement())["lines"] if x["kind"] == "shop.checkout"]
            assert sorted(x["ref"] for x in paid) == sorted(f"shop-order:{o['id']}" for o in mine)
            assert all(x["amount"] == -PRICE for x in paid)
        # The window holds exactly the live orders.
        offered = (await dev.call("GET", f"/api/v1/shops/{sid}/windows", area="1"))["windows"]
        same = [
            w for w in offered if (w["window_id"], w["day"]) == (window["window_id"], window["day"])
        ]
        assert same[0]["left"] == 100 - STOCK
        code, output = await reconcile_cli(database_url)
        assert code == 0, output
    finally:
        for client in people:
            await client.close()
        await asyncio.to_thread(server.stop)
        server.close()
        if postgres is not None:
            await postgres.drop(settings["database_url"])
