"""The merchant API end to end in Chromium: the unmodified wechatpy WeChatPay makes a
NATIVE order, a person opens its code_url (as a scanned code or a link would) and pays
in the pay sheet with her payment password, the merchant's notify handler checks the
notification's signature with wechatpy, then queries and refunds the order with it; the
developer sees the order, the refund and the settlement balance in the console."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from microletter.client import Client
from tests.browser.conftest import DESKTOP, OpenApp, login, no_page_errors, shot
from tests.conftest import PASSWORD, MakeClient
from tests.support.merchant import NotifySite
from tests.support.platform import new_account
from tests.support.rest import uid
from tests.support.wechat import sdk, wechat_pay

pytestmark = pytest.mark.settings(operators=("root",), oa_allow_private_webhooks=True)


@pytest.fixture
async def site() -> AsyncIterator[list[NotifySite]]:
    made: list[NotifySite] = []
    yield made
    for s in made:
        await s.stop()


async def funded(clients: MakeClient, root: Client, name: str, amount: int) -> Client:
    person = await clients(name)
    await root.admin_adjust(uid(person), amount, "welcome", f"fund-{name}")
    await person.set_pay_password(PASSWORD, "123456")
    return person


async def pay_in_sheet(page: Page, password: str) -> None:
    await page.locator("#pay-password").fill(password)
    await page.locator("#pay-submit").click()


async def test_a_person_pays_a_wechatpy_order_in_the_pay_sheet(
    clients: MakeClient, open_app: OpenApp, site: list[NotifySite]
) -> None:
    root, dev = await clients("root"), await clients("dev")
    alice = await funded(clients, root, "alice", 5000)
    made = await new_account(dev, "Tea Shop")
    account = made["account"]
    issued = await dev.call("POST", f"/api/v1/developer/accounts/{account['id']}/merchant/key")
    pay = wechat_pay(
        dev.base_url, account["appid"], issued["api_key"], issued["merchant"]["mch_id"]
    )
    notify = NotifySite(pay)
    site.append(notify)
    await notify.start()
    order = await sdk(
        pay.order.create,
        "NATIVE",
        "Jasmine tea",
        1250,
        notify.url,
        client_ip="127.0.0.1",
        out_trade_no="T1001",
        product_id="tea-1",
    )
    assert order["code_url"].startswith(dev.base_url + "/p/")

    page = await open_app()
    await login(page, "alice")
    await page.goto(order["code_url"])  # what scanning the code, or opening it, does
    sheet = page.locator(".paysheet")
    await expect(sheet.locator(".paysheet-name")).to_have_text("Tea Shop")
    await expect(sheet.locator(".paysheet-item")).to_have_text("Jasmine tea")
    await expect(page.locator("#pay-amount")).to_have_text("¥12.50")
    await pay_in_sheet(page, "654321")
    await expect(page.locator("#pay-error")).to_have_text("Wrong payment password.")
    await shot(page, "wxpay-sheet")
    await pay_in_sheet(page, "123456")
    await expect(page.locator("#pay-status")).to_contain_text("Paid")
    (note,) = await notify.wait()  # parse_payment_result checked its signature
    assert note["out_trade_no"] == "T1001" and note["total_fee"] == 1250
    await page.locator(".paysheet .btn-primary").click()
    await expect(page.locator("#pay-result")).to_have_text("You paid ¥12.50 to Tea Shop.")
    assert (await alice.wallet())["balance"] == 3750

    query = await sdk(pay.order.query, out_trade_no="T1001")
    assert query["trade_state"] == "SUCCESS" and query["transaction_id"] == note["transaction_id"]
    refund = await sdk(pay.refund.apply, 1250, 500, "R1", transaction_id=note["transaction_id"])
    assert refund["refund_fee"] == "500"
    assert (await alice.wallet())["balance"] == 4250
    # Opened again, the code says it is paid (and refunded in part): nothing to pay.
    await page.goto(order["code_url"])
    await expect(page.locator("#pay-status")).to_contain_text("Paid")
    await expect(page.locator("#pay-submit")).to_have_count(0)
    no_page_errors(page)

    console = await open_app(viewport=DESKTOP)
    await login(console, "dev")
    await console.goto(f"/#/console/{account['id']}")
    box = console.locator(".console-merchant-box")
    await expect(box.locator("#merchant-balance")).to_have_text("¥7.50")
    row = box.locator("#merchant-orders tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("T1001")
    await expect(row).to_contain_text("Refunded")
    await expect(box.locator("#merchant-refunds tbody tr")).to_contain_text("R1")
    await box.scroll_into_view_if_needed()
    await shot(console, "wxpay-console")
    no_page_errors(console)


async def test_the_pay_sheet_speaks_chinese_and_refuses_a_closed_order(
    clients: MakeClient, open_app: OpenApp, site: list[NotifySite]
) -> None:
    root, dev = await clients("root"), await clients("dev")
    await funded(clients, root, "bob", 1000)
    made = await new_account(dev, "茶馆")
    account = made["account"]
    issued = await dev.call("POST", f"/api/v1/developer/accounts/{account['id']}/merchant/key")
    pay = wechat_pay(
        dev.base_url, account["appid"], issued["api_key"], issued["merchant"]["mch_id"]
    )
    notify = NotifySite(pay)
    site.append(notify)
    await notify.start()
    make = {"client_ip": "127.0.0.1", "product_id": "p"}
    costly = await sdk(
        pay.order.create, "NATIVE", "龙井", 5000, notify.url, out_trade_no="C1", **make
    )
    closed = await sdk(
        pay.order.create, "NATIVE", "碧螺春", 100, notify.url, out_trade_no="C2", **make
    )
    await sdk(pay.order.close, "C2")

    page = await open_app(locale="zh-CN")
    await login(page, "bob")
    await page.goto(costly["code_url"])
    await expect(page.locator("#pay-amount")).to_have_text("¥50.00")
    await pay_in_sheet(page, "123456")
    await expect(page.locator("#pay-error")).to_have_text("钱包余额不足。")
    await page.goto(closed["code_url"])
    await expect(page.locator("#pay-status")).to_have_text("该订单已关闭，无法支付。")
    assert notify.attempts == 0
    no_page_errors(page)
