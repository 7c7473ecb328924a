"""A checkout and a refund for the same buyer at the same moment, on PostgreSQL, through
two stores (as two server processes have: a pool each), must not deadlock.

The race: the buyer, who does not follow either shop, checks out at one shop while a
clerk of another shop refunds one of their orders there. Both write the buyer's wallet and
post a card into the buyer's one service conversation (a non-follower's notices go
there). If one takes the service conversation first and the other the wallet first, each
waits for the other: PostgreSQL aborts one (the engine retries it, so both still end, but a
deadlock costs a second of `deadlock_timeout` and a retry). A third connection stages the
worst interleaving every time: it holds the checkout's stock row, so the checkout waits
there with everything it locked before the stock (the card included), while the refund
runs as far as it can; then it lets go. With one lock order for both, the refund waits
for the checkout before it touches the money, and nothing is retried."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from microletter.core.ids import IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant
from microletter.platform import PlatformStore
from microletter.platform.rules.officials import CREDENTIAL_BYTES, make_credentials
from microletter.shop.rules import OWNER, PENDING, NewVariant, ShopId, VariantId
from microletter.shop.store import ShopStore
from microletter.storage import Store, open_store
from microletter.wallet import USER, WalletStore
from tests.contract.conftest import new_user
from tests.contract.test_postgres import retries
from tests.support import services

PRICE = 250
FUNDS = 10_000


def now() -> Instant:
    return Instant(int(time.time() * 1000))


@pytest.fixture
async def pg() -> AsyncIterator[tuple[str, list[Store]]]:
    """Two stores on one fresh database, as two server processes have."""
    server = services.postgres_server()
    url = await server.new_database()
    stores = [await open_store(url, IdGenerator(node), Limits(), pool_size=4) for node in (1, 2)]
    yield url, stores
    for store in stores:
        await store.close()
    await server.drop(url)


async def digital_shop(store: Store, name: str) -> tuple[UserId, ShopId, VariantId]:
    """An official account with a shop selling one digital item; its owner, id, variant."""
    dev = await new_user(store, f"dev-{name}")
    creds = make_credentials(os.urandom(CREDENTIAL_BYTES))
    account = await PlatformStore(store.db).create_account(dev.id, creds, name, "", None, 5, now())
    sid = ShopId(account.id)
    shops = ShopStore(store.db)
    await shops.save_shop(sid, name, "", "UTC", now())
    product = await shops.add_product(
        dev.id, sid, None, name, "", "digital", [], None, [NewVariant("D", "", PRICE, 100)], now()
    )
    return dev.id, sid, product.variants[0].id


async def payment_token(wallet: WalletStore, user: UserId, name: str) -> str:
    """A one-payment token, as a verified payment password gives one."""
    hashed, _ = await wallet.begin_attempt(user, now(), most=5, lock_ms=1)
    assert hashed is not None
    await wallet.end_attempt(user, True, now(), most=5, lock_ms=1, token_hash=name, token_ms=60_000)
    return name


async def waiting_on_locks(admin: asyncpg.Connection, count: int) -> None:
    """Until `count` other sessions of this database wait for a lock (10 s at most)."""
    for _ in range(1000):
        waiting = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname=current_database()"
            " AND wait_event_type='Lock' AND pid <> pg_backend_pid()"
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} transactions never waited for a lock")


async def test_a_checkout_racing_a_refund_of_the_same_buyer_does_not_deadlock(
    pg: tuple[str, list[Store]],
) -> None:
    url, (one, two) = pg
    wallet = WalletStore(one.db)
    owner_a, shop_a, item_a = await digital_shop(one, "Alpha")
    _, shop_b, item_b = await digital_shop(one, "Beta")
    buyer = (await new_user(one, "buyer")).id
    await wallet.adjust(UserId(1), buyer, FUNDS, "r", "fund", "fp", now())
    await wallet.set_pay_password(buyer, "hash", now())
    # an order at shop A, paid and fulfilled (digital): the one the clerk refunds; its card
    # opened the buyer's service conversation (the buyer follows neither shop)
    await ShopStore(one.db).set_line(buyer, shop_a, item_a, 1, now())
    token = await payment_token(wallet, buyer, "t1")
    first = await ShopStore(one.db).checkout(
        buyer, shop_a, None, None, "CNY", "k1", "fp", token, now()
    )
    placed = first.value[1]
    assert placed is not None
    refunded = placed.id
    await ShopStore(one.db).set_line(buyer, shop_b, item_b, 1, now())
    token = await payment_token(wallet, buyer, "t2")

    admin = await asyncpg.connect(url)
    try:
        hold = admin.transaction()
        await hold.start()
        await admin.execute("SELECT 1 FROM shop_variants WHERE id=$1 FOR UPDATE", item_b)
        buying = asyncio.create_task(
            ShopStore(one.db).checkout(buyer, shop_b, None, None, "CNY", "k2", "fp", token, now())
        )
        await waiting_on_locks(admin, 1)  # the checkout waits at the stock, its card written
        refunding = asyncio.create_task(
            ShopStore(two.db).change_order(refunded, "refund", [OWNER], owner_a, "CNY", now())
        )
        await waiting_on_locks(admin, 2)  # the refund waits for something the checkout holds
        await hold.rollback()
        bought, after = await asyncio.wait_for(asyncio.gather(buying, refunding), 30)
    finally:
        await admin.close()

    assert after.value.status == "refunded"
    assert bought.value[1] is not None and bought.value[1].status == "fulfilled"
    assert retries(one) + retries(two) == 0  # nobody was aborted as a deadlock's victim
    # the money: one order refunded, one paid and pending
    assert await wallet.balance(USER, buyer) == FUNDS - PRICE
    assert await wallet.balance(PENDING, shop_a) == 0
    assert await wallet.balance(PENDING, shop_b) == PRICE
    reconciled = await wallet.reconcile()
    assert reconciled.ok, reconciled.mismatches
