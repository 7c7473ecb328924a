"""Merchant finance end to end, on both backends: an order's money waits in pending and
is settled to the merchant's balance by the scheduler days after delivery (once, however
often the job runs); refunds come from pending before and from the balance after, never
below zero; withdrawals go through the wallet's provider; a covered return pays its
claim from the pool once, or waits until an operator funds the pool; a credit line lends
up to its limit from the credit pool and is repaid from later settlements, then reopens.
Every refusal has its stable code and moves nothing; both reconciles agree."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD
from tests.integration.test_shop import (
    Setup,
    balance,
    checkout,
    put_cart,
    reconciled,
    shop,
    tea_guide,
    windows,
)
from tests.support.rest import fails

__all__ = ["shop"]  # the fixture, from the shop's tests

Json = dict[str, Any]
DAY = 86_400_000
TERMS: Json = {
    "operators": ("root",),
    "merchant_cover_premium": 300,
    "merchant_claim_amount": 1200,
    "merchant_credit_share_percent": 20,
    "merchant_credit_fee": 500,
}
terms = pytest.mark.settings(**TERMS)


async def finance(s: Setup, person: Client | None = None) -> Json:
    reply: Json = await (person or s.dev).call("GET", f"/api/v1/merchant/shops/{s.shop_id}")
    return reply


async def delivered(s: Setup, code: str, quantity: int, key: str, **extra: Any) -> Json:
    """An order of `quantity` × `code`, bought by the buyer and delivered."""
    await put_cart(s, s.buyer, code, quantity)
    placed = await checkout(s, s.buyer, key, (await windows(s, s.buyer))[-1], **extra)
    oid = placed["order"]["id"]
    for action in ("pack", "dispatch", "deliver"):
        await s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/{action}")
    order: Json = placed["order"]
    return order


async def merchant_reconciled(root: Client) -> None:
    await reconciled(root)
    found = await root.call("GET", "/api/v1/admin/merchant/reconcile")
    assert found["ok"], found


@terms
async def test_an_order_settles_days_after_delivery_once_and_refunds_never_go_below_zero(
    shop: Setup, server: Server
) -> None:
    s = shop
    assert server.scheduler is not None
    first = await delivered(s, "LJ-100", 1, "s1")
    second = await delivered(s, "LJ-50", 1, "s2")
    money = await finance(s)
    assert (money["pending"], money["balance"]) == (9000 + 4800, 0)
    assert money["terms"]["settle_after_days"] == 7
    # the clerk sees it too; the courier and the buyer do not
    assert (await finance(s, s.clerk))["pending"] == 13800
    await fails(finance(s, s.courier), "shop.not_staff", 403)
    await fails(finance(s, s.buyer), "shop.not_staff", 403)
    # a refund before settlement comes from pending
    await s.clerk.call("POST", f"/api/v1/shop/orders/{second['id']}/refund")
    assert (await finance(s))["pending"] == 9000
    # six days on, nothing is due; seven, and the order settles (the refunded one never)
    s.clock.advance(6 * DAY)
    await server.scheduler.run_due()
    assert (await finance(s))["balance"] == 0
    s.clock.advance(DAY + 1)
    await server.scheduler.run_due()
    money = await finance(s)
    assert (money["pending"], money["balance"]) == (0, 9000)
    statement = await s.dev.call("GET", f"/api/v1/merchant/shops/{s.shop_id}/statement")
    assert [(x["kind"], x["amount"]) for x in statement["lines"]] == [("merchant.settle", 9000)]
    settled = await s.dev.call("GET", f"/api/v1/merchant/shops/{s.shop_id}/settlements")
    assert [(x["order_id"], x["amount"]) for x in settled["settlements"]] == [(first["id"], 9000)]
    # the settlement run again: refused, nothing moved
    again = s.root.call("POST", f"/api/v1/admin/merchant/settlements/{first['id']}")
    await fails(again, "merchant.already_settled", 409)
    assert (await finance(s))["balance"] == 9000
    order = await s.buyer.call("GET", f"/api/v1/shop/orders/{first['id']}")
    assert order["order"]["settled"]
    # the owner withdraws most of it through the wallet's provider
    await s.dev.set_pay_password(PASSWORD, "654321")
    body = {
        "amount": 8000,
        "idempotency_key": "w1",
        "payment_token": await s.dev.payment_token("654321"),
    }
    await fails(
        s.clerk.call("POST", f"/api/v1/merchant/shops/{s.shop_id}/withdrawals", body),
        "shop.not_staff",
        403,
    )
    asked = await s.dev.call("POST", f"/api/v1/merchant/shops/{s.shop_id}/withdrawals", body)
    assert asked["next"]["provider"] == "operator" and not asked["replayed"]
    assert (await finance(s))["balance"] == 1000
    pending = await s.root.call("GET", "/api/v1/admin/wallet/funding-requests")
    assert asked["request_id"] in [r["id"] for r in pending["requests"]]
    # a refund after settlement may not take the balance below zero: refused, nothing moved
    refused = await fails(
        s.clerk.call("POST", f"/api/v1/shop/orders/{first['id']}/refund"),
        "shop.refund_exceeds_balance",
        409,
    )
    assert refused.details["balance"] == 1000
    assert (await finance(s))["balance"] == 1000
    assert await balance(s.buyer) == 100_000 - 9000
    await merchant_reconciled(s.root)


@terms
async def test_a_covered_return_pays_its_claim_once_and_waits_while_the_pool_is_short(
    shop: Setup, server: Server
) -> None:
    s = shop
    assert server.scheduler is not None
    order = await delivered(s, "LJ-50", 1, "c1", cover=True)
    assert order["cover_premium"] == 300
    assert await balance(s.buyer) == 100_000 - 4800 - 300
    pools = await s.root.call("GET", "/api/v1/admin/merchant/pools")
    assert (pools["cover"], pools["waiting"]) == (300, [])
    oid = order["id"]
    # only the buyer asks for a return; only the shop confirms it
    await fails(
        s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/request_return"), "shop.not_staff", 403
    )
    asked = await s.buyer.call("POST", f"/api/v1/shop/orders/{oid}/request_return")
    assert asked["order"]["status"] == "return_requested"
    await fails(
        s.buyer.call("POST", f"/api/v1/merchant/claims/{oid}"), "merchant.claim_not_due", 409
    )
    back = await s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/confirm_return")
    assert back["order"]["status"] == "returned"
    await server.scheduler.run_due()
    # the pool holds 300, the claim is 1200: it waits, and the operator sees it
    pools = await s.root.call("GET", "/api/v1/admin/merchant/pools")
    assert [(c["order_id"], c["status"]) for c in pools["waiting"]] == [(oid, "waiting")]
    assert await balance(s.buyer) == 100_000 - 4800 - 300
    # a second claim: refused, nothing moved
    await fails(
        s.buyer.call("POST", f"/api/v1/merchant/claims/{oid}"), "merchant.claim_exists", 409
    )
    # the operator funds the pool with a reason: the waiting claim is paid
    funded = await s.root.call(
        "POST",
        "/api/v1/admin/merchant/pools/cover/fund",
        {"amount": 5000, "reason": "season start", "idempotency_key": "f1"},
    )
    assert funded["claims_paid"] == 1
    mine = await s.buyer.call("GET", "/api/v1/merchant/claims")
    assert [(c["order_id"], c["status"], c["amount"]) for c in mine["claims"]] == [
        (oid, "paid", 1200)
    ]
    assert await balance(s.buyer) == 100_000 - 4800 - 300 + 1200
    pools = await s.root.call("GET", "/api/v1/admin/merchant/pools")
    assert (pools["cover"], pools["waiting"]) == (300 + 5000 - 1200, [])
    await fails(
        s.buyer.call("POST", f"/api/v1/merchant/claims/{oid}"), "merchant.claim_exists", 409
    )
    await fails(
        s.root.call(
            "POST", "/api/v1/admin/merchant/pools/other/fund", {"amount": 1, "reason": "x"}
        ),
        "merchant.pool_invalid",
        400,
    )
    # the merchant refunds the price as usual (from pending: not settled yet)
    await s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/refund")
    assert await balance(s.buyer) == 100_000 - 300 + 1200
    # an uncovered order has no claim
    plain = await delivered(s, "LJ-50", 1, "c2")
    await fails(
        s.buyer.call("POST", f"/api/v1/merchant/claims/{plain['id']}"), "merchant.not_covered", 409
    )
    await merchant_reconciled(s.root)


@terms
async def test_a_digital_item_is_neither_covered_nor_returned(shop: Setup) -> None:
    s = shop
    _, vid = await tea_guide(s)
    await s.buyer.call("PUT", f"/api/v1/shops/{s.shop_id}/cart/{vid}", {"quantity": 1})
    await fails(checkout(s, s.buyer, "d0", None, cover=True), "shop.return_not_goods", 400)
    assert await balance(s.buyer) == 100_000
    placed = await checkout(s, s.buyer, "d1", None)
    oid = placed["order"]["id"]
    await fails(
        s.buyer.call("POST", f"/api/v1/shop/orders/{oid}/request_return"),
        "shop.return_not_goods",
        400,
    )
    assert (await s.buyer.call("GET", f"/api/v1/shop/orders/{oid}"))["order"]["status"] == (
        "fulfilled"
    )
    await merchant_reconciled(s.root)


@pytest.mark.settings(**TERMS, merchant_settle_days=0)
async def test_a_credit_line_lends_up_to_its_limit_and_settlements_repay_it(
    shop: Setup, server: Server
) -> None:
    s = shop
    assert server.scheduler is not None
    await delivered(s, "LJ-100", 2, "k1")  # 18,000 of sales
    await server.scheduler.run_due()
    line = (await finance(s))["credit"]
    assert (line["sales_90d"], line["limit"], line["fee"], line["open"]) == (18000, 3600, 500, True)
    path = f"/api/v1/merchant/shops/{s.shop_id}/credit"
    # over the limit, or more than the pool holds: refused, nothing moved
    await fails(
        s.dev.call("POST", f"{path}/draw", {"amount": 3601, "idempotency_key": "d0"}),
        "merchant.credit_over_limit",
        409,
    )
    await fails(
        s.dev.call("POST", f"{path}/draw", {"amount": 3000, "idempotency_key": "d1"}),
        "merchant.credit_pool_short",
        409,
    )
    await s.root.call(
        "POST",
        "/api/v1/admin/merchant/pools/credit/fund",
        {"amount": 50_000, "reason": "credit programme", "idempotency_key": "f1"},
    )
    await fails(
        s.clerk.call("POST", f"{path}/draw", {"amount": 3000, "idempotency_key": "d2"}),
        "shop.not_staff",
        403,
    )
    drawn = await s.dev.call("POST", f"{path}/draw", {"amount": 3000, "idempotency_key": "d2"})
    assert (drawn["credit"]["owed"], drawn["credit"]["open"]) == (3500, False)
    again = await s.dev.call("POST", f"{path}/draw", {"amount": 3000, "idempotency_key": "d2"})
    assert again["replayed"] and (await finance(s))["balance"] == 18000 + 3000
    await fails(
        s.dev.call("POST", f"{path}/draw", {"amount": 10, "idempotency_key": "d3"}),
        "merchant.credit_in_use",
        409,
    )
    # the next settlement repays the line before it reaches the balance
    await delivered(s, "LJ-50", 1, "k2")
    await server.scheduler.run_due()
    money = await finance(s)
    assert money["balance"] == 18000 + 3000 + 4800 - 3500
    assert (money["credit"]["owed"], money["credit"]["open"]) == (0, True)
    assert money["credit"]["limit"] == (18000 + 4800) * 20 // 100
    # drawn again and repaid by hand from the balance: open again
    await s.dev.call("POST", f"{path}/draw", {"amount": 1000, "idempotency_key": "d4"})
    await fails(
        s.dev.call("POST", f"{path}/repay", {"amount": 2000, "idempotency_key": "r0"}),
        "merchant.nothing_owed",
        409,
    )
    repaid = await s.dev.call("POST", f"{path}/repay", {"idempotency_key": "r1"})
    assert (repaid["credit"]["owed"], repaid["credit"]["open"]) == (0, True)
    await fails(
        s.dev.call("POST", f"{path}/repay", {"idempotency_key": "r2"}), "merchant.nothing_owed", 409
    )
    await merchant_reconciled(s.root)
