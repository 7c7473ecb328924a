"""The shop's catalog as its console edits it, and product cards, on both backends: a
clerk renames, moves and takes products off sale, adds variants and renames categories
(each refusal with its code, nobody else's shop); a product shared into a chat is a
`product` card that the other person opens and buys from."""

from __future__ import annotations

from typing import Any

from tests.conftest import MakeClient, befriend
from tests.integration import test_shop
from tests.integration.test_shop import (
    Setup,
    balance,
    checkout,
    funded,
    operators,
    reconciled,
    windows,
)
from tests.support.rest import fails, uid

Json = dict[str, Any]
shop = test_shop.shop  # the fixture: a shop with staff, a product and a zone


@operators
async def test_a_clerk_edits_products_variants_and_categories(shop: Setup) -> None:
    s = shop
    base = f"/api/v1/shops/{s.shop_id}"
    pid = s.tea["id"]
    edited = await s.clerk.call(
        "PATCH", f"{base}/products/{pid}", {"name": "Longjing 2026", "description": "Spring"}
    )
    product = edited["product"]
    assert (product["name"], product["description"], product["active"]) == (
        "Longjing 2026",
        "Spring",
        True,
    )
    assert edited["currency"] == {"code": "CNY", "exponent": 2}
    assert product["category_id"] is not None
    moved = await s.clerk.call("PATCH", f"{base}/products/{pid}", {"no_category": True})
    assert moved["product"]["category_id"] is None and moved["product"]["name"] == "Longjing 2026"
    await fails(
        s.clerk.call("PATCH", f"{base}/products/{pid}", {"category_id": 12345}),
        "shop.category_not_found",
        404,
    )
    await fails(
        s.clerk.call("PATCH", f"{base}/products/{pid}", {"name": " "}), "invalid_input", 400
    )

    grown = await s.clerk.call(
        "POST",
        f"{base}/products/{pid}/variants",
        {"sku": "LJ-250", "name": "250 g", "price": 20000, "stock": 4},
    )
    assert [v["sku"] for v in grown["product"]["variants"]] == ["LJ-50", "LJ-100", "LJ-250"]
    await fails(
        s.clerk.call(
            "POST", f"{base}/products/{pid}/variants", {"sku": "LJ-50", "price": 1, "stock": 1}
        ),
        "shop.sku_taken",
        409,
    )
    await fails(
        s.clerk.call(
            "POST", f"{base}/products/{pid}/variants", {"sku": "X-1", "price": 1.5, "stock": 1}
        ),
        "wallet.amount_invalid",
        400,
    )

    cats = (await s.buyer.call("GET", base))["categories"]
    renamed = await s.clerk.call(
        "PATCH", f"{base}/categories/{cats[0]['id']}", {"name": "Green teas"}
    )
    assert renamed == {"id": cats[0]["id"], "name": "Green teas", "position": 0}
    await fails(
        s.clerk.call("PATCH", f"{base}/categories/999", {"name": "x"}),
        "shop.category_not_found",
        404,
    )

    # off sale: gone from the storefront, still in the staff's catalog
    await s.clerk.call("PATCH", f"{base}/products/{pid}", {"active": False})
    assert (await s.buyer.call("GET", base))["products"] == []
    catalog = await s.dev.call("GET", f"{base}/catalog")
    assert [(p["id"], p["active"]) for p in catalog["products"]] == [(pid, False)]
    # a courier, a buyer: not the catalog's keepers
    for person in (s.courier, s.buyer):
        await fails(person.call("GET", f"{base}/catalog"), "shop.not_staff", 403)
        await fails(
            person.call("PATCH", f"{base}/products/{pid}", {"active": True}),
            "shop.not_staff",
            403,
        )


@operators
async def test_a_clerk_deletes_categories_and_products_but_never_an_ordered_one(
    shop: Setup,
) -> None:
    s = shop
    base = f"/api/v1/shops/{s.shop_id}"
    pid = s.tea["id"]
    # a category goes; its products stay, in none
    cats = (await s.buyer.call("GET", base))["categories"]
    left = await s.clerk.call("DELETE", f"{base}/categories/{cats[0]['id']}")
    assert left == {"categories": []}
    product = await s.buyer.call("GET", f"{base}/products/{pid}")
    assert product["product"]["category_id"] is None
    await fails(s.clerk.call("DELETE", f"{base}/categories/999"), "shop.category_not_found", 404)
    # a product never ordered is deleted, and leaves the carts it was in
    made = await s.clerk.call(
        "POST",
        f"{base}/products",
        {"name": "Oolong", "variants": [{"sku": "OO-1", "price": 3000, "stock": 5}]},
    )
    oolong = made["product"]
    await s.buyer.call("PUT", f"{base}/cart/{oolong['variants'][0]['id']}", {"quantity": 1})
    for person in (s.courier, s.buyer):
        await fails(person.call("DELETE", f"{base}/products/{oolong['id']}"), "shop.not_staff", 403)
    gone = await s.clerk.call("DELETE", f"{base}/products/{oolong['id']}")
    assert (gone["deleted"], gone["product"]) == (True, None)
    await fails(
        s.buyer.call("GET", f"{base}/products/{oolong['id']}"), "shop.product_not_found", 404
    )
    assert (await s.buyer.call("GET", f"{base}/cart"))["lines"] == []
    assert [p["id"] for p in (await s.dev.call("GET", f"{base}/catalog"))["products"]] == [pid]
    await fails(
        s.clerk.call("DELETE", f"{base}/products/{oolong['id']}"), "shop.product_not_found", 404
    )
    # a product with an order is only taken off sale: the order keeps its lines
    await s.buyer.call("PUT", f"{base}/cart/{s.tea['variants'][0]['id']}", {"quantity": 1})
    placed = await checkout(s, s.buyer, "d1", (await windows(s, s.buyer))[0])
    kept = await s.clerk.call("DELETE", f"{base}/products/{pid}")
    assert kept["deleted"] is False and kept["product"]["active"] is False
    assert (await s.buyer.call("GET", base))["products"] == []
    order = await s.buyer.call("GET", f"/api/v1/shop/orders/{placed['order']['id']}")
    assert [line["sku"] for line in order["order"]["lines"]] == ["LJ-50"]
    cancelled = await s.buyer.call("POST", f"/api/v1/shop/orders/{placed['order']['id']}/cancel")
    assert cancelled["order"]["status"] == "cancelled"  # its stock goes back to the kept row
    catalog = await s.dev.call("GET", f"{base}/catalog")
    assert [v["stock"] for v in catalog["products"][0]["variants"]] == [3, 10]
    await reconciled(s.root)


@operators
async def test_a_shared_product_card_is_opened_and_bought_by_the_other_person(
    shop: Setup, clients: MakeClient
) -> None:
    s = shop
    friend = await funded(clients, s.root, "friend", 50_000)
    cid = await befriend(s.buyer, friend)
    base = f"/api/v1/shops/{s.shop_id}"
    pid = s.tea["id"]
    body = {"conversation_id": cid, "client_msg_id": "share-1"}
    shared = (await s.buyer.call("POST", f"{base}/products/{pid}/share", body))["message"]
    assert shared["kind"] == "product" and shared["text"] is None
    data = shared["data"]
    assert data == {
        "shop_id": s.shop_id,
        "product_id": pid,
        "shop_name": "Tea House",
        "name": "Longjing",
        "kind": "physical",
        "price": 4800,
        "currency": "CNY",
        "picture": data["picture"],
    }
    assert data["picture"]["id"] == s.tea["pictures"][0]["id"]
    # the same client_msg_id again: the same message, no second card
    again = (await s.buyer.call("POST", f"{base}/products/{pid}/share", body))["message"]
    assert again["id"] == shared["id"]
    seen = [m for m in await friend.history(cid) if m["kind"] == "product"]
    assert [m["data"]["product_id"] for m in seen] == [pid]
    # the friend may fetch the card's picture, open the product and buy it from there
    assert data["picture"]["id"] in (await friend.media_urls([data["picture"]["id"]]))["urls"]
    opened = await friend.call("GET", f"{base}/products/{pid}")
    variant = opened["product"]["variants"][0]
    await friend.call("PUT", f"{base}/cart/{variant['id']}", {"quantity": 1})
    offered = await windows(s, friend)
    placed = await checkout(s, friend, "from-card", offered[0])
    assert placed["order"]["status"] == "paid" and placed["order"]["buyer_id"] == uid(friend)
    assert await balance(friend) == 50_000 - variant["price"]

    # not a member of the chat; a product off sale
    await fails(
        s.courier.call(
            "POST", f"{base}/products/{pid}/share", {"conversation_id": cid, "client_msg_id": "x"}
        ),
        "conversation.not_member",
        403,
    )
    await s.clerk.call("PATCH", f"{base}/products/{pid}", {"active": False})
    await fails(
        s.buyer.call(
            "POST", f"{base}/products/{pid}/share", {"conversation_id": cid, "client_msg_id": "y"}
        ),
        "shop.product_not_found",
        404,
    )
    await reconciled(s.root)
