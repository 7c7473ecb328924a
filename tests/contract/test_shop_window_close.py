"""A delivery window's close, on both databases: one job per window and day however many
orders it holds; at the close every order of it still not delivered gets one
`window_missed` card, a cancelled one none; a job of the earlier kind (one per order, its
payload naming the order) runs the same close, and the cards are not posted twice."""

from __future__ import annotations

import os

import msgspec

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.platform import PlatformStore
from microletter.platform.rules.officials import CREDENTIAL_BYTES, make_credentials
from microletter.ports import Tx
from microletter.shop.rules import OWNER, Delivery, NewVariant, ShopId
from microletter.shop.rules.windows import NewWindow
from microletter.shop.store import ShopStore
from microletter.shop.store.orders import window_closed
from microletter.storage import Store
from microletter.wallet import WalletStore
from tests.contract.conftest import new_user
from tests.support.shopmodel import DAY, NOW

CLOSED = Instant(NOW + 4 * 3600_000 + 1)  # past 12:00 in Shanghai, the window's end


async def jobs(tx: Tx) -> list[tuple[str, dict[str, JsonValue]]]:
    rows = await tx.fetch(
        "SELECT key, payload FROM jobs WHERE kind='shop.window_closed' ORDER BY id"
    )
    return [(r[0], msgspec.json.decode(r[1])) for r in rows]


async def missed(tx: Tx) -> list[int]:
    """The orders told of a missed window, one entry per card."""
    rows = await tx.fetch("SELECT data FROM messages WHERE kind='order' ORDER BY id")
    cards = [msgspec.json.decode(r[0]) for r in rows]
    return sorted(c["order_id"] for c in cards if c["event"] == "window_missed")


async def add_job(tx: Tx, key: str, payload: dict[str, JsonValue]) -> None:
    """A job as the earlier version scheduled it (one per order)."""
    await tx.execute(
        "INSERT INTO jobs (id, kind, key, payload, due_at, claimed_until, attempts)"
        " VALUES ($1,'shop.window_closed',$2,$3,$4,0,0)",
        tx.new_id(NOW),
        key,
        msgspec.json.encode(payload).decode(),
        CLOSED,
    )


async def test_one_close_job_per_window_tells_each_open_order_once(store: Store) -> None:
    db = store.db
    shops, wallet = ShopStore(db), WalletStore(db)
    dev = await new_user(store, "dev")
    creds = make_credentials(os.urandom(CREDENTIAL_BYTES))
    account = await PlatformStore(db).create_account(dev.id, creds, "Tea", "", None, 5, NOW)
    sid = ShopId(account.id)
    await shops.save_shop(sid, "Tea", "", "Asia/Shanghai", NOW)
    zone = await shops.add_zone(sid, "All", ["200001"], [NewWindow(600, 720, 10)], NOW)
    window = zone.windows[0]
    product = await shops.add_product(
        dev.id, sid, None, "Tea", "", "physical", [], None, [NewVariant("A", "", 300, 10)], NOW
    )
    vid = product.variants[0].id
    buyer = (await new_user(store, "buyer")).id
    await wallet.adjust(UserId(1), buyer, 10_000, "r", "fund", "fp", NOW)
    await wallet.set_pay_password(buyer, "hash", NOW)
    delivery = Delivery("200001", "1 Road", "", "", window.id, DAY)
    orders = []
    for n in range(3):
        await wallet.begin_attempt(buyer, NOW, most=5, lock_ms=1)
        token = f"t{n}"
        await wallet.end_attempt(
            buyer, True, NOW, most=5, lock_ms=1, token_hash=token, token_ms=60_000
        )
        await shops.set_line(buyer, sid, vid, 1, NOW)
        made = await shops.checkout(buyer, sid, None, delivery, "CNY", f"k{n}", "fp", token, NOW)
        assert made.value[1] is not None
        orders.append(made.value[1].id)
    await shops.change_order(orders[2], "cancel", [OWNER], dev.id, "CNY", NOW)

    scheduled = (await db.write(jobs)).value
    assert len(scheduled) == 1  # three orders, one window and day: one job
    payload = scheduled[0][1]
    assert (payload["window_id"], payload["day"]) == (window.id, DAY)
    # the earlier version's job for the first order, still in the table after an upgrade
    old: dict[str, JsonValue] = {
        "order_id": orders[0],
        "window_id": window.id,
        "day": DAY,
        "currency": "CNY",
    }
    await db.write(add_job, f"shop.window_closed:{orders[0]}:{window.id}:{DAY}", old)

    await db.write(window_closed, payload, Instant(NOW + 3600_000))  # early: nobody told
    assert (await db.write(missed)).value == []
    await db.write(window_closed, payload, CLOSED)
    assert (await db.write(missed)).value == orders[:2]  # the cancelled one is not told
    await db.write(window_closed, old, CLOSED)
    await db.write(window_closed, payload, CLOSED)  # run again: nothing posted twice
    assert (await db.write(missed)).value == orders[:2]
