"""Two purchases of one chapter by one reader, forced to overlap on PostgreSQL: the second
must wait for the first (the reader's shelf row lock), then see it and be refused with
books.chapter_already_bought, nothing charged. Without the lock both read "not owned",
both pay, and the second dies on the unique index (an internal error): this test tells
the two apart, because a second connection holds the reader's wallet row until both
purchases are inside their transactions and waiting."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import asyncpg
import pytest

from microletter.books.errors import ChapterAlreadyBought
from microletter.books.rules import ShopId as BookShop
from microletter.books.rules import WorkId
from microletter.books.store import BooksStore
from microletter.core.ids import IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant
from microletter.platform import PlatformStore
from microletter.platform.rules.officials import CREDENTIAL_BYTES, make_credentials
from microletter.ports import Store
from microletter.shop.rules import PENDING, ShopId
from microletter.shop.store import ShopStore
from microletter.storage import open_store
from microletter.wallet import USER, WalletStore
from tests.contract.conftest import new_user
from tests.support import services

NOW = Instant(1_800_000_000_000)
OPERATOR = UserId(1)


@pytest.fixture
async def pg() -> AsyncIterator[tuple[Store, asyncpg.Connection]]:
    """A store on a fresh database, and a second connection to hold locks with."""
    server = services.postgres_server()
    url = await server.new_database()
    store = await open_store(url, IdGenerator(0), Limits(), pool_size=4)
    conn = await asyncpg.connect(url)
    try:
        yield store, conn
    finally:
        await conn.close()
        await store.close()
        await server.drop(url)


async def waiting(conn: asyncpg.Connection, count: int) -> None:
    """Return once `count` other backends wait for a lock."""
    async with asyncio.timeout(10):
        while True:
            found = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
            if found >= count:
                return
            await asyncio.sleep(0.01)


async def token(wallet: WalletStore, user: UserId, name: str) -> str:
    """A one-payment token, as verifying the payment password makes one."""
    hashed, _ = await wallet.begin_attempt(user, NOW, most=5, lock_ms=1)
    assert hashed is not None
    await wallet.end_attempt(user, True, NOW, most=5, lock_ms=1, token_hash=name, token_ms=60_000)
    return name


async def test_a_second_purchase_of_a_chapter_waits_for_the_first_and_is_refused(
    pg: tuple[Store, asyncpg.Connection],
) -> None:
    store, conn = pg
    db = store.db
    books, wallet = BooksStore(db), WalletStore(db)
    dev = await new_user(store, "dev")
    creds = make_credentials(os.urandom(CREDENTIAL_BYTES))
    account = await PlatformStore(db).create_account(dev.id, creds, "Press", "", None, 5, NOW)
    sid = ShopId(account.id)
    await ShopStore(db).save_shop(sid, "Press", "", "Asia/Shanghai", NOW)
    work = await books.save_work(None, BookShop(sid), "Night", "", "", 1, 100, None, NOW)
    wid = WorkId(work.id)
    for n in (1, 2):
        await books.publish_chapter(BookShop(sid), wid, f"C{n}", "text", "Press", NOW)
    reader = (await new_user(store, "reader")).id
    await wallet.adjust(OPERATOR, reader, 1000, "r", "fund", "fp", NOW)
    await wallet.set_pay_password(reader, "hash", NOW)
    await books.shelve(reader, wid, NOW)  # the row the purchases lock (made, not raced for)
    first_token, second_token = await token(wallet, reader, "t1"), await token(wallet, reader, "t2")

    held = conn.transaction()
    await held.start()  # the reader's wallet row: each purchase stops when it pays
    await conn.execute(
        "SELECT 1 FROM wallet_accounts WHERE kind=$1 AND owner_id=$2 FOR UPDATE", USER, reader
    )
    first = asyncio.ensure_future(
        books.buy(reader, wid, 2, None, first_token, None, "k1", "fp", NOW)
    )
    await waiting(conn, 1)  # the first holds the shelf row and waits to pay
    second = asyncio.ensure_future(
        books.buy(reader, wid, 2, None, second_token, None, "k2", "fp", NOW)
    )
    await waiting(conn, 2)  # the second waits too (for the shelf row, with the lock)
    await held.rollback()
    bought = await first
    assert bought.value[0]["amount"] == 100
    with pytest.raises(ChapterAlreadyBought):
        await second
    assert await wallet.balance(USER, reader) == 900
    assert await wallet.balance(PENDING, sid) == 100
    assert (await wallet.reconcile()).ok
