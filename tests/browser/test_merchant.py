"""Merchant finance in the browser: a buyer sends covered goods back from My orders, the
shop confirms they arrived on its money page, the claim waits while the cover pool is
short and is paid when an operator funds the pool on the pools page (with a reason), and
the buyer sees it paid; at checkout for goods the buyer adds the cover with a checkbox
that shows its premium and adds it to the total; a merchant reads the credit line's
limit and fee, draws (the fee and what will be owed are shown before), and repays, after
which the line is open again."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from microletter.app import Server
from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, shot
from tests.integration.test_merchant import TERMS, delivered, finance
from tests.integration.test_shop import Setup, balance, put_cart, shop

__all__ = ["shop"]  # the fixture, from the shop's tests


@pytest.mark.settings(**TERMS)
async def test_the_buyer_adds_return_shipping_cover_at_checkout_for_its_premium(
    shop: Setup, server: Server, open_app: OpenApp
) -> None:
    s = shop
    await put_cart(s, s.buyer, "LJ-50", 1)
    buyer = await open_app(PHONE)
    no_page_errors(buyer)
    await login(buyer, "buyer")
    await buyer.goto(f"/#/shop/{s.shop_id}/cart")
    await expect(buyer.locator(".cart-total")).to_have_text("Total ¥48.00")
    option = buyer.locator(".cover-option")
    await expect(option.locator(".cover-title")).to_have_text("Add return-shipping cover (+¥3.00)")
    await option.locator(".cover-check").check()
    await expect(buyer.locator(".cart-total")).to_have_text("Total ¥51.00")
    await option.locator(".cover-check").uncheck()
    await expect(buyer.locator(".cart-total")).to_have_text("Total ¥48.00")
    await option.locator(".cover-check").check()
    await buyer.locator(".delivery-area").fill("200001")
    await buyer.locator(".find-windows").click()
    await expect(buyer.locator(".window-option").first).to_be_visible()
    await buyer.locator(".delivery-address").fill("1 Nanjing Road")
    await shot(buyer, "phone-shop-checkout-cover")
    await buyer.locator(".checkout-pay").click()
    await expect(buyer.locator(".dialog-title")).to_have_text("Pay ¥51.00")
    await buyer.locator(".pay-password").fill("123456")
    await buyer.locator(".pay-confirm").click()
    await expect(buyer.locator(".order-head .order-status")).to_have_text("Paid")
    await expect(buyer.locator(".return-covered")).to_have_text("Return shipping covered")
    orders = await s.buyer.call("GET", "/api/v1/shop/orders")
    assert [o["cover_premium"] for o in orders["orders"]] == [300]
    assert await balance(s.buyer) == 100_000 - 4800 - 300


@pytest.mark.settings(**TERMS)
async def test_a_covered_return_is_asked_confirmed_and_its_claim_paid(
    shop: Setup, server: Server, open_app: OpenApp
) -> None:
    s = shop
    assert server.scheduler is not None
    order = await delivered(s, "LJ-50", 1, "b1", cover=True)
    oid = order["id"]
    buyer = await open_app(PHONE)
    dev = await open_app(DESKTOP)
    root = await open_app(DESKTOP, locale="zh-CN")
    no_page_errors(buyer, dev, root)
    await login(buyer, "buyer")
    await login(dev, "dev")
    await login(root, "root")

    # the buyer: Me → Orders → the order, the delivered goods sent back
    await buyer.goto("/#/me")
    await buyer.get_by_role("link", name="Orders").click()
    listed = buyer.locator(f'.my-orders .order-row[data-order="{oid}"]')
    await expect(listed.locator(".return-covered")).to_have_text("Return shipping covered")
    await listed.locator("a").click()
    mine = buyer.locator(".order-page")
    await mine.get_by_role("button", name="Return it").click()
    await expect(buyer.locator(".dialog-text")).to_contain_text("return shipping is covered")
    await buyer.locator(".dialog-actions .btn-primary").click()
    await expect(mine.locator(".order-status")).to_have_text("Return requested")
    await expect(mine.get_by_role("button", name="Return it")).to_have_count(0)

    # the shop: its money page lists the request; the goods arrived
    await dev.goto(f"/#/merchant/{s.shop_id}")
    row = dev.locator(f'.merchant-return[data-order="{oid}"]')
    await expect(row.locator(".line-time")).to_have_text("Return requested")
    await row.get_by_role("button", name="Goods arrived").click()
    await expect(row).to_have_attribute("data-status", "returned")
    await server.scheduler.run_due()  # the claim: the pool holds the premium alone
    await dev.reload()
    await expect(row.locator(".return-claim")).to_have_text("Claim of ¥12.00 waiting for the pool")
    await shot(dev, "desktop-merchant-returns")

    # the operator sees the claim wait, funds the pool with a reason: it is paid
    await root.goto("/#/admin/merchant")
    await expect(root.locator(f'.waiting-claim[data-order="{oid}"]')).to_be_visible()
    await root.locator('.merchant-pool[data-pool="cover"] .fund-pool').click()
    await root.locator(".funding-amount").fill("50")
    await root.locator(".funding-reason").fill("season start")
    await root.locator(".funding-next").click()
    await expect(root.locator(".waiting-claim")).to_have_count(0)
    await expect(root.locator('.merchant-pool[data-pool="cover"] .pool-balance')).to_have_text(
        "¥41.00"
    )

    # the buyer sees the claim paid, and has the money
    await buyer.reload()
    await expect(mine.locator(".order-claim")).to_have_text("Claim of ¥12.00 paid")
    assert await balance(s.buyer) == 100_000 - 4800 - 300 + 1200
    await shot(buyer, "phone-merchant-claim-paid")


@pytest.mark.settings(**TERMS, merchant_settle_days=0)
async def test_a_merchant_draws_on_the_credit_line_and_repays_it(
    shop: Setup, server: Server, open_app: OpenApp
) -> None:
    s = shop
    assert server.scheduler is not None
    await delivered(s, "LJ-100", 2, "b1")  # 18,000 of sales, settled at once
    await server.scheduler.run_due()
    await s.root.call(
        "POST",
        "/api/v1/admin/merchant/pools/credit/fund",
        {"amount": 50_000, "reason": "credit programme", "idempotency_key": "f1"},
    )
    dev = await open_app(DESKTOP)
    no_page_errors(dev)
    await login(dev, "dev")
    await dev.goto(f"/#/merchant/{s.shop_id}")
    await expect(dev.locator(".merchant-balance")).to_have_text("¥180.00")
    terms = dev.locator(".merchant-credit-terms dd")
    await expect(terms).to_have_text(["¥180.00", "¥36.00", "¥5.00", "¥0.00"])
    await expect(dev.locator(".merchant-credit-state")).to_have_attribute("data-open", "true")

    # the draw: the fee and what will be owed are shown before anything moves
    await dev.get_by_role("button", name="Draw", exact=True).click()
    await dev.locator(".funding-amount").fill("30")
    await dev.locator(".funding-next").click()
    asked = dev.get_by_role("dialog", name="Draw ¥30.00?")
    await expect(asked.locator(".dialog-text")).to_have_text(
        "Draw ¥30.00? The fixed fee is ¥5.00: you will owe ¥35.00, taken from your next"
        " settlements."
    )
    await asked.get_by_role("button", name="Draw").click()
    await expect(dev.locator(".merchant-credit-state")).to_have_attribute("data-open", "false")
    await expect(dev.locator(".merchant-balance")).to_have_text("¥210.00")
    await expect(terms.nth(3)).to_have_text("¥35.00")
    await expect(dev.get_by_role("button", name="Draw", exact=True)).to_have_count(0)
    await shot(dev, "desktop-merchant-credit-drawn")

    # repaid from the balance: the line is open again
    await dev.get_by_role("button", name="Repay").click()
    asked = dev.get_by_role("dialog", name="Repay ¥35.00 from your balance now?")
    await asked.get_by_role("button", name="Repay").click()
    await expect(dev.locator(".merchant-credit-state")).to_have_attribute("data-open", "true")
    await expect(dev.locator(".merchant-balance")).to_have_text("¥175.00")
    await expect(terms.nth(3)).to_have_text("¥0.00")
    statement = dev.locator(".merchant-line .line-kind")
    await expect(statement).to_have_text(["Credit repaid", "Credit drawn", "Settlement"])
    line = await finance(s)
    assert (line["credit"]["owed"], line["balance"]) == (0, 17500)
