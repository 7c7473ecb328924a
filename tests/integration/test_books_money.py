"""Chapter money end to end, on both backends: a chapter (or whole-work) purchase waits in
the shop's pending account and the scheduler settles it to the merchant's balance days
later, once, repaying the credit line first, as it settles an order; the settlement is
in the statement and the settlements; the shop's staff refund a purchase from pending
before its settlement and from the balance after it, never below zero, and the reader
loses the chapter (and may buy it again); a second refund moves nothing; both
reconciles agree after every step."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD
from tests.integration.test_books import Setup, balance, books, buy, reconciled
from tests.support.clock import Clock
from tests.support.rest import fails

__all__ = ["books"]  # the fixture, from the books tests

Json = dict[str, Any]
DAY = 86_400_000
pytestmark = pytest.mark.settings(operators=("root",), merchant_credit_fee=5)


async def finance(s: Setup) -> tuple[int, int]:
    money = await s.dev.call("GET", f"/api/v1/merchant/shops/{s.shop_id}")
    return int(money["pending"]), int(money["balance"])


async def all_reconciled(root: Client) -> None:
    await reconciled(root)
    found = await root.call("GET", "/api/v1/admin/merchant/reconcile")
    assert found["ok"], found


async def refund(person: Client, purchase_id: int) -> Json:
    reply: Json = await person.call("POST", f"/api/v1/books/purchases/{purchase_id}/refund")
    return reply


async def test_purchases_settle_days_later_once_repaying_the_credit_line_first(
    books: Setup, server: Server
) -> None:
    s, wid = books, books.work["id"]
    scheduler = server.scheduler
    assert scheduler is not None
    clock = Clock(server)
    chapter = await buy(s.reader, wid, 3, "c3")
    assert await finance(s) == (100, 0)
    await all_reconciled(s.root)  # pending is explained by the unsettled purchase
    clock.advance(7 * DAY - 1)
    await scheduler.run_due()
    assert await finance(s) == (100, 0)  # not yet
    clock.advance(2)
    await scheduler.run_due()
    assert await finance(s) == (0, 100)
    assert await scheduler.run_due() == 0  # the job ran once and is done
    again = s.root.call("POST", f"/api/v1/admin/merchant/settlements/{chapter['purchase_id']}")
    await fails(again, "merchant.already_settled", 409)
    assert await finance(s) == (0, 100)
    await all_reconciled(s.root)
    # 100 of settled sales lend 20; the line owes 20 + the fee of 5
    await s.root.call(
        "POST",
        "/api/v1/admin/merchant/pools/credit/fund",
        {"amount": 1000, "reason": "launch", "idempotency_key": "f1"},
    )
    await s.dev.call(
        "POST",
        f"/api/v1/merchant/shops/{s.shop_id}/credit/draw",
        {"amount": 20, "idempotency_key": "d1"},
    )
    assert await finance(s) == (0, 120)
    # the whole work's money settles: the line's 25 first, the rest to the balance
    whole = await buy(s.reader, wid, None, "w")
    assert await finance(s) == (500, 120)
    clock.advance(7 * DAY)
    await scheduler.run_due()
    assert await finance(s) == (0, 120 + 500 - 25)
    line = (await s.dev.call("GET", f"/api/v1/merchant/shops/{s.shop_id}"))["credit"]
    assert line["owed"] == 0 and line["open"]
    settled = await s.dev.call("GET", f"/api/v1/merchant/shops/{s.shop_id}/settlements")
    assert [
        (x["kind"], x["purchase_id"], x["order_id"], x["amount"], x["repaid"])
        for x in settled["settlements"]
    ] == [
        ("purchase", whole["purchase_id"], None, 500, 25),
        ("purchase", chapter["purchase_id"], None, 100, 0),
    ]
    statement = await s.dev.call(
        "GET", f"/api/v1/merchant/shops/{s.shop_id}/statement", account="pending"
    )
    assert [(x["kind"], x["amount"]) for x in statement["lines"]] == [
        ("merchant.settle", -500),
        ("books.purchase", 500),
        ("merchant.settle", -100),
        ("books.purchase", 100),
    ]
    await all_reconciled(s.root)


async def test_refunds_come_from_pending_then_the_balance_never_below_zero_and_take_the_chapter(
    books: Setup, server: Server
) -> None:
    s, wid = books, books.work["id"]
    scheduler = server.scheduler
    assert scheduler is not None
    clock = Clock(server)
    c3 = await buy(s.reader, wid, 3, "c3")
    c4 = await buy(s.reader, wid, 4, "c4")
    assert await finance(s) == (200, 0)
    # before settlement: from pending; the reader loses the chapter
    done = await refund(s.clerk, c3["purchase_id"])
    assert done["purchase"]["status"] == "refunded" and not done["replayed"]
    assert await finance(s) == (100, 0)
    assert await balance(s.reader) == 10_000 - 100
    await fails(
        s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/3"), "books.chapter_locked", 403
    )
    # again: the same refund, nothing moves; others may not refund
    assert (await refund(s.clerk, c3["purchase_id"]))["replayed"]
    assert await balance(s.reader) == 10_000 - 100
    await fails(refund(s.reader, c4["purchase_id"]), "shop.not_staff", 403)
    await fails(refund(s.clerk, 12345), "books.purchase_not_found", 404)
    await all_reconciled(s.root)
    # the refunded one never settles
    clock.advance(7 * DAY + 1)
    await scheduler.run_due()
    assert await finance(s) == (0, 100)
    # the reader may buy the refunded chapter again
    c3b = await buy(s.reader, wid, 3, "c3b")
    assert c3b["amount"] == 100 and await finance(s) == (100, 100)
    # after settlement: from the balance, never below zero (the owner withdrew 60)
    await s.dev.set_pay_password(PASSWORD, "654321")
    await s.dev.call(
        "POST",
        f"/api/v1/merchant/shops/{s.shop_id}/withdrawals",
        {
            "amount": 60,
            "idempotency_key": "w1",
            "payment_token": await s.dev.payment_token("654321"),
        },
    )
    refused = await fails(refund(s.clerk, c4["purchase_id"]), "books.refund_exceeds_balance", 409)
    assert refused.details["balance"] == 40
    assert await finance(s) == (100, 40)
    assert (await s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/4"))["title"]
    clock.advance(7 * DAY + 1)
    await scheduler.run_due()
    assert await finance(s) == (0, 140)
    assert not (await refund(s.dev, c4["purchase_id"]))["replayed"]
    assert await finance(s) == (0, 40)
    assert await balance(s.reader) == 10_000 - 100
    await fails(
        s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/4"), "books.chapter_locked", 403
    )
    listed = await s.clerk.call("GET", f"/api/v1/shops/{s.shop_id}/purchases")
    assert [(p["chapter"], p["status"]) for p in listed["purchases"]] == [
        (3, "settled"),
        (4, "refunded"),
        (3, "refunded"),
    ]
    await fails(s.reader.call("GET", f"/api/v1/shops/{s.shop_id}/purchases"), "shop.not_staff", 403)
    await all_reconciled(s.root)
