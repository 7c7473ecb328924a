"""Merchant shops end to end, on both backends: a shop opened from the console with its
staff, catalog and delivery zone; a purchase with delivery from the buyer's, the clerk's
and the courier's side, every change a card in the buyer's chat with the shop; a digital
purchase and its download; and every refusal with its stable code and nothing left
behind (no order without payment, no payment without its order and stock)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from microletter.app import Server
from microletter.client import ApiError, Client
from microletter.core.models import Instant
from tests.conftest import PASSWORD, MakeClient
from tests.support.clock import Clock
from tests.support.media import picture
from tests.support.platform import new_account
from tests.support.rest import fails, uid

Json = dict[str, Any]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 08:00 on 8 December 2026 in Shanghai: the 10:00 window is still to open
MORNING = Instant(int(datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI).timestamp() * 1000))
operators = pytest.mark.settings(operators=("root",))


@dataclass
class Setup:
    dev: Client
    shop_id: int
    clerk: Client
    courier: Client
    buyer: Client
    root: Client
    tea: Json  # a physical product: two variants
    clock: Clock


async def funded(clients: MakeClient, root: Client, name: str, amount: int) -> Client:
    person = await clients(name)
    if amount:
        await root.admin_adjust(uid(person), amount, "welcome", f"fund-{name}")
    await person.set_pay_password(PASSWORD, "123456")
    return person


@pytest.fixture
async def shop(clients: MakeClient, server: Server) -> Setup:
    clock = Clock(server, MORNING)
    root = await clients("root")
    dev = await clients("dev")
    account = (await new_account(dev, "Tea House"))["account"]
    sid = int(account["id"])
    opened = await dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{sid}/shop",
        {"name": "Tea House", "time_zone": "Asia/Shanghai", "description": "Teas"},
    )
    assert opened["shop"]["id"] == sid and opened["shop"]["time_zone"] == "Asia/Shanghai"
    clerk, courier = await clients("clerk"), await clients("courier")
    for person, role in ((clerk, "clerk"), (courier, "courier")):
        await dev.call(
            "PUT", f"/api/v1/developer/accounts/{sid}/shop/staff/{uid(person)}", {"role": role}
        )
    category = await clerk.call("POST", f"/api/v1/shops/{sid}/categories", {"name": "Green"})
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
                {"sku": "LJ-100", "name": "100 g", "price": 9000, "stock": 10},
            ],
        },
    )
    await clerk.call(
        "POST",
        f"/api/v1/shops/{sid}/zones",
        {
            "name": "Huangpu",
            "areas": ["200001", "Huangpu"],
            "windows": [
                {"start": "10:00", "end": "12:00", "capacity": 2},
                {"start": "19:00", "end": "21:00", "capacity": 20},
            ],
        },
    )
    buyer = await funded(clients, root, "buyer", 100_000)
    return Setup(dev, sid, clerk, courier, buyer, root, tea["product"], clock)


def sku(s: Setup, code: str) -> int:
    return int(next(v["id"] for v in s.tea["variants"] if v["sku"] == code))


async def put_cart(s: Setup, person: Client, code: str, quantity: int) -> Json:
    reply: Json = await person.call(
        "PUT", f"/api/v1/shops/{s.shop_id}/cart/{sku(s, code)}", {"quantity": quantity}
    )
    return reply


async def tea_guide(s: Setup) -> tuple[Json, int]:
    """A digital product (a PDF, 12.00, 100 in stock): its file as uploaded, its variant."""
    book = await s.dev.upload(b"%PDF-1.4 a tea guide", "file", "guide.pdf")
    made = await s.dev.call(
        "POST",
        f"/api/v1/shops/{s.shop_id}/products",
        {
            "name": "Tea guide",
            "kind": "digital",
            "file": book["id"],
            "variants": [{"sku": "GUIDE", "price": 1200, "stock": 100}],
        },
    )
    return book, int(made["product"]["variants"][0]["id"])


async def checkout(s: Setup, person: Client, key: str, window: Json | None, **extra: Any) -> Json:
    token = await person.payment_token("123456")
    body: Json = {"idempotency_key": key, "payment_token": token, **extra}
    if window is not None:
        body["delivery"] = {
            "area": "200001",
            "address": "1 Nanjing Road",
            "recipient": "Buyer",
            "phone": "138",
            "window_id": window["window_id"],
            "day": window["day"],
        }
    reply: Json = await person.call("POST", f"/api/v1/shops/{s.shop_id}/checkout", body)
    return reply


async def windows(s: Setup, person: Client, area: str = "200001") -> list[Json]:
    reply = await person.call("GET", f"/api/v1/shops/{s.shop_id}/windows", area=area)
    found: list[Json] = reply["windows"]
    return found


async def balance(person: Client) -> int:
    return int((await person.call("GET", "/api/v1/wallet"))["balance"])


async def order_messages(person: Client, cid: int) -> list[Json]:
    """The order cards the buyer got, oldest first: in their conversation with the shop
    (`cid`) if they follow it, else in their service notifications."""
    found = [m for m in await person.history(cid) if m["kind"] == "order"]
    for view in (await person.state())["conversations"]:
        if view["conversation"]["kind"] == "service":
            history = await person.history(view["conversation"]["id"])
            found += [m for m in history if m["kind"] == "order"]
    return sorted(found, key=lambda m: int(m["id"]))


async def cards(person: Client, cid: int) -> list[Json]:
    return [m["data"] for m in await order_messages(person, cid)]


async def reconciled(root: Client) -> None:
    result = await root.call("GET", "/api/v1/admin/wallet/reconcile")
    assert result["ok"], result


@operators
async def test_a_delivered_order_goes_from_the_buyer_to_the_clerk_and_the_courier(
    shop: Setup,
) -> None:
    s = shop
    storefront = await s.buyer.call("GET", f"/api/v1/shops/{s.shop_id}")
    assert [p["name"] for p in storefront["products"]] == ["Longjing"]
    assert storefront["products"][0]["pictures"][0]["kind"] == "image"
    # anyone may see a product's picture
    pic = storefront["products"][0]["pictures"][0]["id"]
    assert pic in (await s.buyer.media_urls([pic]))["urls"]
    cart = await put_cart(s, s.buyer, "LJ-50", 2)
    assert cart["total"] == 9600 and not cart["changed"]
    offered = await windows(s, s.buyer)
    # today's 10:00 and 19:00, then tomorrow's and the day after's, soonest first
    assert [(w["day"], w["start"]) for w in offered[:3]] == [
        ("2026-12-08", "10:00"),
        ("2026-12-08", "19:00"),
        ("2026-12-09", "10:00"),
    ]
    assert offered[0]["starts_at"] == MORNING + 2 * 3600_000 and offered[0]["left"] == 2
    placed = await checkout(s, s.buyer, "k1", offered[0])
    order = placed["order"]
    assert order["status"] == "paid" and order["total"] == 9600 and not placed["replayed"]
    assert order["delivery"]["starts_at"] == offered[0]["starts_at"]
    assert await balance(s.buyer) == 100_000 - 9600
    # the same key again: the same order, nothing moved twice
    again = await checkout(s, s.buyer, "k1", offered[0])
    assert again["replayed"] and again["order"]["id"] == order["id"]
    assert await balance(s.buyer) == 100_000 - 9600
    assert (await s.buyer.call("GET", f"/api/v1/shops/{s.shop_id}/cart"))["lines"] == []
    assert (await windows(s, s.buyer))[0]["left"] == 1
    oid, cid = order["id"], order["conversation_id"]
    # the courier may not pack; the clerk may; nobody may deliver what is not out
    await fails(s.courier.call("POST", f"/api/v1/shop/orders/{oid}/pack"), "shop.not_staff", 403)
    await fails(s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/deliver"), "shop.order_state", 409)
    await s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/pack")
    today = await s.courier.call("GET", f"/api/v1/shops/{s.shop_id}/deliveries/today")
    assert today["day"] == "2026-12-08" and today["time_zone"] == "Asia/Shanghai"
    first = today["runs"][0]
    assert first["window"]["start"] == "10:00" and [o["id"] for o in first["orders"]] == [oid]
    assert first["orders"][0]["delivery"]["address"] == "1 Nanjing Road"
    assert first["orders"][0]["conversation_id"] == cid  # the contact button
    await s.courier.call("POST", f"/api/v1/shop/orders/{oid}/dispatch")
    # the buyer cannot cancel what is on its way; the courier cannot refund
    await fails(s.buyer.call("POST", f"/api/v1/shop/orders/{oid}/cancel"), "shop.order_state", 409)
    done = await s.courier.call("POST", f"/api/v1/shop/orders/{oid}/deliver")
    assert done["order"]["status"] == "delivered"
    await fails(s.courier.call("POST", f"/api/v1/shop/orders/{oid}/refund"), "shop.not_staff", 403)
    # every change is a new card in the buyer's chat with the shop, from the shop
    seen = await cards(s.buyer, cid)
    assert [c["event"] for c in seen] == ["paid", "packed", "out_for_delivery", "delivered"]
    assert seen[0]["total"] == 9600 and seen[0]["items"][0]["quantity"] == 2
    assert seen[0]["window"]["time_zone"] == "Asia/Shanghai"
    # the buyer does not follow the shop: the cards are in their service notifications,
    # from the shop's account and naming it; the chat with the shop holds none
    messages = await order_messages(s.buyer, cid)
    assert {m["sender_id"] for m in messages} == {s.shop_id}
    assert {m["conversation_id"] for m in messages} != {cid}
    assert {m["data"]["source"]["key"] for m in messages} == {f"account:{s.shop_id}"}
    assert [m for m in await s.buyer.history(cid) if m["kind"] == "order"] == []
    # the buyer can write to the shop there
    await s.buyer.call(
        "POST",
        f"/api/v1/conversations/{cid}/messages",
        {"client_msg_id": "q1", "text": "Thanks!"},
    )
    # a refund after delivery takes the money back from the merchant's settlement
    refunded = await s.clerk.call("POST", f"/api/v1/shop/orders/{oid}/refund")
    assert refunded["order"]["status"] == "refunded"
    assert await balance(s.buyer) == 100_000
    assert (await cards(s.buyer, cid))[-1]["event"] == "refunded"
    await reconciled(s.root)


@operators
async def test_refusals_have_stable_codes_and_leave_nothing_behind(
    shop: Setup, clients: MakeClient
) -> None:
    s = shop
    offered = await windows(s, s.buyer)
    await fails(windows(s, s.buyer, "999999"), "shop.zone_not_served", 404)
    await fails(checkout(s, s.buyer, "e0", offered[0]), "shop.cart_empty", 400)
    await put_cart(s, s.buyer, "LJ-50", 4)  # 3 in stock
    await fails(checkout(s, s.buyer, "e1", offered[0]), "shop.out_of_stock", 409)
    await put_cart(s, s.buyer, "LJ-50", 1)
    await fails(checkout(s, s.buyer, "e2", None), "shop.delivery_missing", 400)
    # the price changes after the cart was filled: the buyer confirms the new total
    await s.clerk.call(
        "PATCH", f"/api/v1/shops/{s.shop_id}/variants/{sku(s, 'LJ-50')}", {"price": 5000}
    )
    assert (await s.buyer.call("GET", f"/api/v1/shops/{s.shop_id}/cart"))["changed"]
    changed = await fails(checkout(s, s.buyer, "e3", offered[0]), "shop.price_changed", 409)
    assert changed.details["total"] == 5000
    assert changed.details["changed"] == [{"variant_id": sku(s, "LJ-50"), "was": 4800, "now": 5000}]
    await fails(checkout(s, s.buyer, "e4", offered[0], total=4800), "shop.price_changed", 409)
    # nothing was taken by the refusals
    assert await balance(s.buyer) == 100_000
    assert (await windows(s, s.buyer))[0]["left"] == 2
    # a poor buyer: no order, no stock taken, no place taken
    poor = await funded(clients, s.root, "poor", 100)
    await put_cart(s, poor, "LJ-50", 1)
    await fails(checkout(s, poor, "p1", offered[0]), "wallet.insufficient_funds", 409)
    assert (await poor.call("GET", "/api/v1/shop/orders"))["orders"] == []
    confirmed = await checkout(s, s.buyer, "e5", offered[0], total=5000)
    assert confirmed["order"]["total"] == 5000
    # the window: 2 places; the buyer took one, a second buyer takes the last
    other = await funded(clients, s.root, "other", 100_000)
    await put_cart(s, other, "LJ-100", 1)
    await checkout(s, other, "o1", offered[0])
    third = await funded(clients, s.root, "third", 100_000)
    await put_cart(s, third, "LJ-100", 1)
    await fails(checkout(s, third, "t1", offered[0]), "shop.window_full", 409)
    assert offered[0]["window_id"] not in [
        w["window_id"] for w in await windows(s, third) if w["day"] == offered[0]["day"]
    ]
    # the stock left: 3 - 1 for the 50 g
    product = await s.buyer.call("GET", f"/api/v1/shops/{s.shop_id}/products/{s.tea['id']}")
    stock = {v["sku"]: v["stock"] for v in product["product"]["variants"]}
    assert stock == {"LJ-50": 2, "LJ-100": 9}
    # the buyer cancels while it is only paid: money, stock and the place come back
    oid = confirmed["order"]["id"]
    cancelled = await s.buyer.call("POST", f"/api/v1/shop/orders/{oid}/cancel")
    assert cancelled["order"]["status"] == "cancelled"
    assert await balance(s.buyer) == 100_000
    product = await s.buyer.call("GET", f"/api/v1/shops/{s.shop_id}/products/{s.tea['id']}")
    assert {v["sku"]: v["stock"] for v in product["product"]["variants"]}["LJ-50"] == 3
    assert (await windows(s, third))[0]["left"] == 1
    await fails(s.buyer.call("POST", f"/api/v1/shop/orders/{oid}/cancel"), "shop.order_state", 409)
    # staff of another shop: refused, for its orders and its lists
    rival_dev = await clients("rival")
    rival = (await new_account(rival_dev, "Rival Teas"))["account"]
    await rival_dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{rival['id']}/shop",
        {"name": "Rival", "time_zone": "Asia/Shanghai"},
    )
    await fails(
        rival_dev.call("POST", f"/api/v1/shop/orders/{oid}/refund"), "shop.order_not_found", 404
    )
    await fails(rival_dev.call("GET", f"/api/v1/shops/{s.shop_id}/orders"), "shop.not_staff", 403)
    await fails(
        s.courier.call("POST", f"/api/v1/shops/{s.shop_id}/categories", {"name": "x"}),
        "shop.not_staff",
        403,
    )
    await fails(
        s.dev.call(
            "PUT",
            f"/api/v1/developer/accounts/{s.shop_id}/shop",
            {"name": "x", "time_zone": "Mars/Olympus"},
        ),
        "shop.time_zone_invalid",
        400,
    )
    await reconciled(s.root)


@operators
async def test_a_digital_product_is_fulfilled_at_once_and_only_its_buyers_download_it(
    shop: Setup, clients: MakeClient
) -> None:
    s = shop
    book, vid = await tea_guide(s)
    assert (await s.buyer.media_urls([book["id"]]))["denied"] == [book["id"]]
    # this buyer follows the shop's account: its cards come in their chat with it
    await s.buyer.call("PUT", f"/api/v1/official-accounts/{s.shop_id}/follow", {})
    await s.buyer.call("PUT", f"/api/v1/shops/{s.shop_id}/cart/{vid}", {"quantity": 1})
    placed = await checkout(s, s.buyer, "d1", None)
    assert placed["order"]["status"] == "fulfilled" and placed["order"]["delivery"] is None
    assert book["id"] in (await s.buyer.media_urls([book["id"]]))["urls"]
    stranger = await clients("stranger")
    assert (await stranger.media_urls([book["id"]]))["denied"] == [book["id"]]
    cid = placed["order"]["conversation_id"]
    assert [c["event"] for c in await cards(s.buyer, cid)] == ["fulfilled"]
    assert [m["conversation_id"] for m in await order_messages(s.buyer, cid)] == [cid]
    # a refund takes the download away and the money back
    await s.clerk.call("POST", f"/api/v1/shop/orders/{placed['order']['id']}/refund")
    assert (await s.buyer.media_urls([book["id"]]))["denied"] == [book["id"]]
    assert await balance(s.buyer) == 100_000
    await reconciled(s.root)


@operators
async def test_a_missed_window_is_told_in_the_chat_and_a_new_one_can_be_chosen(
    shop: Setup, server: Server
) -> None:
    s = shop
    await put_cart(s, s.buyer, "LJ-100", 1)
    offered = await windows(s, s.buyer)
    placed = await checkout(s, s.buyer, "m1", offered[0])
    oid, cid = placed["order"]["id"], placed["order"]["conversation_id"]
    await put_cart(s, s.buyer, "LJ-100", 1)  # a second order in the same window
    second = (await checkout(s, s.buyer, "m2", offered[0]))["order"]["id"]
    assert server.scheduler is not None
    assert await server.scheduler.run_due() == 0  # the window has not closed
    s.clock.advance(4 * 3600_000 + 1)  # 12:00 has passed
    assert await server.scheduler.run_due() == 1  # one close job for the window's day
    told = [(c["order_id"], c["event"]) for c in await cards(s.buyer, cid)]
    assert told == [(oid, "paid"), (second, "paid"), (oid, "window_missed"),
                    (second, "window_missed")]  # fmt: skip
    later = [w for w in await windows(s, s.buyer) if w["start"] == "19:00"][0]
    moved = await s.buyer.call(
        "POST",
        f"/api/v1/shop/orders/{oid}/window",
        {"window_id": later["window_id"], "day": later["day"]},
    )
    assert moved["order"]["delivery"]["starts_at"] == later["starts_at"]
    assert (await cards(s.buyer, cid))[-1]["event"] == "rescheduled"
    await fails(
        s.buyer.call(
            "POST",
            f"/api/v1/shop/orders/{oid}/window",
            {"window_id": offered[0]["window_id"], "day": offered[0]["day"]},
        ),
        "shop.window_closed",
        409,
    )


@operators
async def test_one_cart_checked_out_twice_at_once_is_bought_once(shop: Setup) -> None:
    s = shop
    await put_cart(s, s.buyer, "LJ-100", 1)
    offered = await windows(s, s.buyer)

    async def attempt(key: str) -> str:
        try:
            await checkout(s, s.buyer, key, offered[0])
        except ApiError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(attempt("twice-a"), attempt("twice-b"))
    assert sorted(results) == ["ok", "shop.cart_empty"]
    assert await balance(s.buyer) == 100_000 - 9000
    await reconciled(s.root)
