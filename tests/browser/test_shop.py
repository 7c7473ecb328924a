"""Shops in the browser: a buyer browses a shop, puts a product in the cart, checks out
with a delivery window and the payment password; the clerk packs it on the shop's orders
page, the courier takes it out and delivers it from today's deliveries, and the buyer
sees it delivered, on the order and in their service notifications (they do not follow
the shop). A product shared into a
chat is a card the other person opens. The developer opens a shop in the console."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from microletter.app import Server
from microletter.client import Client
from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.integration.test_shop import MORNING
from tests.support.clock import Clock
from tests.support.media import picture
from tests.support.platform import new_account
from tests.support.rest import uid

Json = dict[str, Any]
operators = pytest.mark.settings(operators=("root",))


async def open_shop(clients: MakeClient, server: Server) -> tuple[int, Json, Client]:
    """A tea shop with a clerk, a courier, one product and a zone with two windows."""
    Clock(server, MORNING)  # 08:00 in Shanghai: today's 10:00 window is ahead
    dev = await clients("dev")
    sid = int((await new_account(dev, "Tea House"))["account"]["id"])
    await dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{sid}/shop",
        {"name": "Tea House", "time_zone": "Asia/Shanghai", "description": "Teas of West Lake"},
    )
    for name, role in (("clerk", "clerk"), ("courier", "courier")):
        person = await clients(name)
        await dev.call(
            "PUT", f"/api/v1/developer/accounts/{sid}/shop/staff/{uid(person)}", {"role": role}
        )
    category = await dev.call("POST", f"/api/v1/shops/{sid}/categories", {"name": "Green"})
    pic = await dev.upload(picture(), "image", "tea.png")
    tea = await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/products",
        {
            "name": "Longjing",
            "description": "West Lake green tea",
            "category_id": category["id"],
            "pictures": [pic["id"]],
            "variants": [
                {"sku": "LJ-50", "name": "50 g", "price": 4800, "stock": 3},
                {"sku": "LJ-100", "name": "100 g", "price": 9000, "stock": 0},
            ],
        },
    )
    await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/zones",
        {
            "name": "Huangpu",
            "areas": ["200001"],
            "windows": [
                {"start": "10:00", "end": "12:00", "capacity": 2},
                {"start": "19:00", "end": "21:00", "capacity": 20},
            ],
        },
    )
    return sid, tea["product"], dev


async def buyer(clients: MakeClient, root: Client, name: str, amount: int) -> Client:
    person = await clients(name)
    await root.admin_adjust(uid(person), amount, "welcome", f"fund-{name}")
    await person.set_pay_password(PASSWORD, "135790")
    return person


@operators
async def test_a_purchase_goes_from_the_buyer_to_the_clerk_and_the_courier(
    open_app: OpenApp, clients: MakeClient, server: Server
) -> None:
    sid, _, _ = await open_shop(clients, server)
    await buyer(clients, await clients("root"), "alice", 100_00)
    alice = await open_app(DESKTOP)
    clerk = await open_app(PHONE, locale="zh-CN")
    courier = await open_app(PHONE)
    await login(alice, "alice")
    await login(clerk, "clerk")
    await login(courier, "courier")

    # The storefront: its category, the product with its price range and picture.
    await alice.goto(f"/#/shop/{sid}")
    await expect(alice.locator(".shop-name")).to_have_text("Tea House")
    await expect(alice.locator(".category-tab")).to_have_text(["All", "Green"])
    tile = alice.locator(".product-tile")
    await expect(tile.locator(".product-price")).to_have_text("¥48.00 – ¥90.00")
    await tile.click()
    # The product page: the variant in stock is chosen; the sold-out one can't be bought.
    await expect(alice.locator(".product-title")).to_have_text("Longjing")
    await expect(alice.locator(".product-page-price")).to_have_text("¥48.00")
    await expect(alice.locator(".product-stock")).to_have_text("In stock: 3")
    await alice.get_by_role("radio", name="100 g").check()
    await expect(alice.locator(".product-stock")).to_have_text("Sold out")
    await expect(alice.locator(".buy-now")).to_be_disabled()
    await alice.get_by_role("radio", name="50 g").check()
    await alice.locator(".quantity").fill("2")
    await alice.locator(".add-to-cart").click()
    await expect(alice.locator(".cart-count")).to_have_text("2")
    await alice.locator(".cart-btn").click()

    # The cart and checkout: an area, the windows with room, the address, the password.
    await expect(alice.locator(".cart-line .line-quantity")).to_have_text("2")
    await expect(alice.locator(".cart-total")).to_have_text("Total ¥96.00")
    await alice.locator(".delivery-area").fill("200001")
    await alice.locator(".find-windows").click()
    options = alice.locator(".window-option")
    await expect(options.first).to_contain_text("2026-12-08 10:00–12:00 (Asia/Shanghai)")
    await expect(options.first.locator(".window-left")).to_have_text("2 left")
    await alice.locator(".delivery-address").fill("1 Nanjing Road")
    await alice.locator(".delivery-recipient").fill("Alice")
    await alice.locator(".delivery-phone").fill("13800000000")
    await shot(alice, "desktop-shop-checkout")
    await alice.locator(".checkout-pay").click()
    await alice.locator(".pay-password").fill("135790")
    await alice.locator(".pay-confirm").click()
    await expect(alice.locator(".order-head .order-status")).to_have_text("Paid")
    await expect(alice.locator(".order-step.now")).to_have_text("Paid")
    await expect(alice.locator(".order-window")).to_contain_text("2026-12-08")
    order_url = alice.url

    # The clerk (in Chinese): Me → the shops I work for → orders to pack → pack.
    await clerk.goto("/#/me")
    await clerk.get_by_role("link", name="我工作的店铺").click()
    await clerk.locator(".staffed-shop .to-orders").click()
    await expect(clerk.locator(".shop-orders .order-row")).to_have_count(1)
    await shot(clerk, "phone-shop-clerk-orders")
    await clerk.locator(".order-pack").click()
    await expect(clerk.locator(".shop-orders .empty-row")).to_be_visible()

    # The courier: today's deliveries, the address, out for delivery, delivered.
    await courier.goto("/#/me/shops")
    await courier.locator(".staffed-shop .to-deliveries").click()
    run = courier.locator(".delivery-run").first
    await expect(run.locator(".run-time")).to_contain_text("10:00–12:00")
    stop = run.locator(".delivery-order")
    await expect(stop.locator(".line-name")).to_have_text("1 Nanjing Road")
    await expect(stop.locator(".contact-buyer")).to_have_attribute("href", "tel:13800000000")
    await stop.locator(".order-dispatch").click()
    await expect(stop.locator(".order-status")).to_have_text("Out for delivery")
    await shot(courier, "phone-shop-courier-deliveries")
    await stop.locator(".order-deliver").click()
    await expect(stop.locator(".order-status")).to_have_text("Delivered")

    # The buyer sees it delivered: on the order, and as the last card in the shop's chat.
    await alice.goto(order_url)
    await alice.reload()
    await expect(alice.locator(".order-head .order-status")).to_have_text("Delivered")
    await expect(alice.locator(".order-step.done")).to_have_count(4)
    # alice does not follow the shop: its cards are in her service notifications, each
    # naming the shop; the chat with the shop (the contact button) holds none
    await alice.locator(".order-chat").click()
    await expect(alice.locator(".conversation .topbar h1")).to_contain_text("Tea House")
    await expect(alice.locator(".composer-input")).to_be_visible()
    await expect(alice.locator(".bubble-order")).to_have_count(0)
    await open_chat(alice, "Service Notifications")
    cards = alice.locator(".bubble-order")
    await expect(cards).to_have_count(4)
    await expect(alice.locator(".service-row .service-name")).to_have_text(["Tea House"] * 4)
    await expect(cards.locator(".order-card-event")).to_have_text(
        ["Paid", "Packed", "Out for delivery", "Delivered"]
    )
    await shot(alice, "desktop-shop-order-cards")
    await alice.goto("/#/me/orders")
    await expect(alice.locator(".my-orders .order-status")).to_have_text(["Delivered"])
    no_page_errors(alice, clerk, courier)


@operators
async def test_a_product_shared_into_a_chat_opens_from_its_card(
    open_app: OpenApp, clients: MakeClient, server: Server
) -> None:
    sid, tea, _ = await open_shop(clients, server)
    root = await clients("root")
    alice_sdk = await buyer(clients, root, "alice", 100_00)
    bob_sdk = await buyer(clients, root, "bob", 100_00)
    await befriend(alice_sdk, bob_sdk)
    alice = await open_app(DESKTOP)
    bob = await open_app(PHONE)
    await login(alice, "alice")
    await login(bob, "bob")

    await alice.goto(f"/#/shop/{sid}/product/{tea['id']}")
    await alice.locator(".share-product").click()
    await alice.locator(".share-target", has_text="bob").click()
    await open_chat(alice, "bob")
    await expect(alice.locator(".bubble-product .product-card-name")).to_have_text("Longjing")

    await open_chat(bob, "alice")
    card = bob.locator(".bubble-product")
    await expect(card.locator(".product-card-price")).to_have_text("¥48.00")
    await expect(card.locator(".product-card-foot")).to_have_text("Tea House")
    await expect(card.locator("img.product-card-picture")).to_have_attribute(
        "src", re.compile(r"^/m/")
    )
    await shot(bob, "phone-shop-product-card")
    await card.click()
    await expect(bob.locator(".product-title")).to_have_text("Longjing")
    # bought from the card: Buy now goes to the cart with it
    await bob.locator(".buy-now").click()
    await expect(bob.locator(".cart-line .line-name")).to_have_text("Longjing (50 g)")
    no_page_errors(alice, bob)


async def test_a_developer_opens_a_shop_in_the_console(
    open_app: OpenApp, clients: MakeClient
) -> None:
    dev_sdk = await clients("dev")
    sid = int((await new_account(dev_sdk, "Noodle Bar"))["account"]["id"])
    await clients("clerk")
    dev = await open_app(DESKTOP)
    await login(dev, "dev")
    await dev.goto(f"/#/console/{sid}")
    box = dev.locator(".console-shop-box")
    await box.locator("#shop-time-zone").fill("Asia/Shanghai")
    await box.locator("#shop-save").click()
    await expect(box.locator("#shop-open-front")).to_be_visible()
    await box.locator("#staff-username").fill("clerk")
    await box.locator("#staff-add").click()
    await expect(box.locator(".staff-row")).to_contain_text("Clerk")
    await box.locator("#category-name").fill("Noodles")
    await box.locator("#category-add").click()
    await expect(box.locator(".category-row")).to_contain_text("Noodles")
    await box.locator("#product-add").click()
    dialog = dev.locator(".product-dialog")
    await dialog.locator(".product-name-input").fill("Beef noodles")
    await dialog.locator(".product-category-input").select_option(label="Noodles")
    await dialog.locator(".variant-sku").fill("BN-1")
    await dialog.locator(".variant-price-input").fill("18.5")
    await dialog.locator(".variant-stock-input").fill("40")
    await dialog.locator(".product-save").click()
    product = box.locator(".catalog-product")
    await expect(product.locator(".variant-price")).to_have_text("¥18.50")
    await box.locator("#zone-name").fill("Jing'an")
    await box.locator("#zone-areas").fill("200040, Jing'an")
    await box.locator("#zone-windows").fill("11:00-13:00x20, 17:00-19:00x30")
    await box.locator("#zone-add").click()
    chips = box.locator(".zone-window-text")
    await expect(chips).to_have_text(["11:00–13:00 ×20", "17:00–19:00 ×30"])
    # a window changed, one added, one deleted: each asks the server, then redraws
    await box.locator(".zone-window-edit").first.click()
    await dev.locator(".dialog-body input.field").fill("11:00-13:00x25")
    await dev.locator(".dialog-body input.field").press("Enter")
    await expect(chips).to_have_text(["11:00–13:00 ×25", "17:00–19:00 ×30"])
    await box.locator(".zone-window-add").click()
    await dev.locator(".dialog-body input.field").fill("19:00-21:00x10")
    await dev.locator(".dialog-body input.field").press("Enter")
    await expect(chips).to_have_text(["11:00–13:00 ×25", "17:00–19:00 ×30", "19:00–21:00 ×10"])
    await box.locator(".zone-window", has_text="17:00").locator(".zone-window-delete").click()
    await dev.locator(".dialog-body .btn-danger").click()
    await expect(chips).to_have_text(["11:00–13:00 ×25", "19:00–21:00 ×10"])
    await shot(dev, "desktop-shop-console")
    storefront = await dev_sdk.call("GET", f"/api/v1/shops/{sid}")
    assert [p["name"] for p in storefront["products"]] == ["Beef noodles"]
    assert storefront["products"][0]["variants"][0]["price"] == 1850
    no_page_errors(dev)
