"""Delivery zones and windows as the console edits them, on both backends: a clerk
renames a zone, changes the areas it serves, adds, moves, resizes and deletes windows,
and deletes zones; a window (or a zone) with orders still to be delivered is never
deleted or moved under them (`shop.window_has_orders`), even when the delete races the
checkouts that book it."""

from __future__ import annotations

import asyncio
from typing import Any

from microletter.client import ApiError
from tests.conftest import MakeClient
from tests.integration import test_shop
from tests.integration.test_shop import (
    Setup,
    checkout,
    funded,
    operators,
    put_cart,
    reconciled,
    windows,
)
from tests.support.rest import fails

Json = dict[str, Any]
shop = test_shop.shop  # the fixture: a shop with staff, a product and a zone


async def the_zone(s: Setup) -> Json:
    found: list[Json] = (await s.clerk.call("GET", f"/api/v1/shops/{s.shop_id}/zones"))["zones"]
    assert len(found) == 1
    return found[0]


@operators
async def test_a_clerk_edits_a_zone_and_its_windows(shop: Setup) -> None:
    s = shop
    base = f"/api/v1/shops/{s.shop_id}"
    zone = await the_zone(s)
    zid = zone["id"]
    renamed = await s.clerk.call(
        "PATCH", f"{base}/zones/{zid}", {"name": "Huangpu east", "areas": ["200002", "Bund"]}
    )
    assert renamed["zone"]["name"] == "Huangpu east"
    assert renamed["zone"]["areas"] == ["200002", "bund"]
    assert len(renamed["zone"]["windows"]) == 2  # untouched
    await fails(windows(s, s.buyer, "200001"), "shop.zone_not_served", 404)
    assert await windows(s, s.buyer, "200002")
    # another zone may not take an area this one serves
    other = await s.clerk.call(
        "POST",
        f"{base}/zones",
        {
            "name": "Pudong",
            "areas": ["200120"],
            "windows": [{"start": "09:00", "end": "10:00", "capacity": 5}],
        },
    )
    await fails(
        s.clerk.call("PATCH", f"{base}/zones/{other['zone']['id']}", {"areas": ["bund"]}),
        "shop.area_taken",
        409,
    )
    await fails(
        s.clerk.call("PATCH", f"{base}/zones/12345", {"name": "x"}), "shop.zone_not_found", 404
    )
    await fails(
        s.courier.call("PATCH", f"{base}/zones/{zid}", {"name": "x"}), "shop.not_staff", 403
    )
    await s.clerk.call("PATCH", f"{base}/zones/{zid}", {"areas": ["200001"]})

    # windows: add one, move it, resize it, refuse a second one at the same start
    grown = await s.clerk.call(
        "POST", f"{base}/zones/{zid}/windows", {"start": "15:00", "end": "17:00", "capacity": 3}
    )
    added = next(w for w in grown["zone"]["windows"] if w["start"] == "15:00")
    assert (added["end"], added["capacity"]) == ("17:00", 3)
    await fails(
        s.clerk.call(
            "POST", f"{base}/zones/{zid}/windows", {"start": "10:00", "end": "11:00", "capacity": 1}
        ),
        "shop.window_invalid",
        400,
    )
    moved = await s.clerk.call(
        "PATCH", f"{base}/windows/{added['id']}", {"start": "14:00", "capacity": 7}
    )
    after = next(w for w in moved["zone"]["windows"] if w["id"] == added["id"])
    assert (after["start"], after["end"], after["capacity"]) == ("14:00", "17:00", 7)
    offered = [w for w in await windows(s, s.buyer) if w["window_id"] == added["id"]]
    assert offered and offered[0]["start"] == "14:00" and offered[0]["left"] == 7
    await fails(
        s.clerk.call("PATCH", f"{base}/windows/{added['id']}", {"start": "10:00"}),
        "shop.window_invalid",
        400,
    )
    await fails(
        s.clerk.call("PATCH", f"{base}/windows/{added['id']}", {"capacity": 0}),
        "shop.window_invalid",
        400,
    )
    await fails(
        s.clerk.call("PATCH", f"{base}/windows/999", {"capacity": 2}), "shop.window_not_found", 404
    )
    # delete it: gone from the zone and from what checkout offers
    left = await s.clerk.call("DELETE", f"{base}/windows/{added['id']}")
    assert added["id"] not in [w["id"] for w in left["zone"]["windows"]]
    assert added["id"] not in [w["window_id"] for w in await windows(s, s.buyer)]
    # a zone keeps one window at least: its last one goes with the zone
    only = other["zone"]["windows"][0]["id"]
    await fails(s.clerk.call("DELETE", f"{base}/windows/{only}"), "shop.window_invalid", 400)
    remaining = await s.clerk.call("DELETE", f"{base}/zones/{other['zone']['id']}")
    assert [z["id"] for z in remaining["zones"]] == [zid]
    assert remaining["time_zone"] == "Asia/Shanghai"
    await fails(windows(s, s.buyer, "200120"), "shop.zone_not_served", 404)


@operators
async def test_a_window_with_orders_to_deliver_is_neither_deleted_nor_moved(
    shop: Setup, clients: MakeClient
) -> None:
    s = shop
    base = f"/api/v1/shops/{s.shop_id}"
    zone = await the_zone(s)
    offered = (await windows(s, s.buyer))[0]
    wid = offered["window_id"]
    await put_cart(s, s.buyer, "LJ-100", 1)
    placed = await checkout(s, s.buyer, "z1", offered)
    oid = placed["order"]["id"]

    refused = await fails(
        s.clerk.call("DELETE", f"{base}/windows/{wid}"), "shop.window_has_orders", 409
    )
    assert refused.details == {"window_id": wid, "orders": 1}
    await fails(s.clerk.call("DELETE", f"{base}/zones/{zone['id']}"), "shop.window_has_orders", 409)
    await fails(
        s.clerk.call("PATCH", f"{base}/windows/{wid}", {"start": "09:00"}),
        "shop.window_has_orders",
        409,
    )
    # its capacity may change at any time: below the places taken, it only stops bookings
    await s.clerk.call("PATCH", f"{base}/windows/{wid}", {"capacity": 1})
    other = await funded(clients, s.root, "other", 100_000)
    await put_cart(s, other, "LJ-100", 1)
    await fails(checkout(s, other, "o1", offered), "shop.window_full", 409)
    # the order is still there, in its window, with its times
    kept = await s.clerk.call("GET", f"/api/v1/shop/orders/{oid}")
    assert kept["order"]["delivery"]["window_id"] == wid
    assert kept["order"]["delivery"]["starts_at"] == offered["starts_at"]
    # once it is delivered the window may go; the order keeps its window's times
    for person, action in ((s.clerk, "pack"), (s.courier, "dispatch"), (s.courier, "deliver")):
        await person.call("POST", f"/api/v1/shop/orders/{oid}/{action}")
    await s.clerk.call("DELETE", f"{base}/windows/{wid}")
    done = await s.buyer.call("GET", f"/api/v1/shop/orders/{oid}")
    assert done["order"]["status"] == "delivered"
    assert done["order"]["delivery"]["starts_at"] == offered["starts_at"]
    await reconciled(s.root)


@operators
async def test_deleting_a_window_while_buyers_book_it_loses_no_order(
    shop: Setup, clients: MakeClient
) -> None:
    """Buyers check out into a window while the clerk deletes it: each checkout either
    lands before the delete (which is then refused) or fails with window_not_found;
    no order still to be delivered is ever left in a deleted window."""
    s = shop
    base = f"/api/v1/shops/{s.shop_id}"
    zone = await the_zone(s)
    buyers = [await funded(clients, s.root, f"racer{i}", 100_000) for i in range(6)]
    await s.clerk.call("PATCH", f"{base}/variants/{test_shop.sku(s, 'LJ-100')}", {"stock": 100})
    for round_ in range(3):
        grown = await s.clerk.call(
            "POST",
            f"{base}/zones/{zone['id']}/windows",
            {"start": f"1{3 + round_}:00", "end": f"1{3 + round_}:30", "capacity": 100},
        )
        wid = next(w["id"] for w in grown["zone"]["windows"] if w["start"] == f"1{3 + round_}:00")
        opening = next(w for w in await windows(s, s.buyer) if w["window_id"] == wid)
        for person in buyers:
            await put_cart(s, person, "LJ-100", 1)

        *bought, deleted = await race(s, buyers, wid, opening, f"r{round_}")
        assert set(bought) <= {"ok", "shop.window_not_found"}, bought
        placed = bought.count("ok")
        if deleted == "deleted":
            orders = (await s.clerk.call("GET", f"{base}/orders"))["orders"]
            stranded = [
                o for o in orders if o["delivery"]["window_id"] == wid and o["status"] == "paid"
            ]
            assert stranded == [], stranded
            assert placed == 0, bought
        else:
            assert deleted == "shop.window_has_orders" and placed > 0, (deleted, bought)
        for person in buyers:  # empty carts for the next round
            await put_cart(s, person, "LJ-100", 0)
    await reconciled(s.root)


async def race(s: Setup, buyers: list[Any], wid: int, opening: Json, tag: str) -> list[str]:
    """Every buyer checks out into the window while the clerk deletes it: each one's
    outcome ("ok" or an error code), then the delete's ("deleted" or a code)."""

    async def buy(i: int) -> str:
        try:
            await checkout(s, buyers[i], f"{tag}-{i}", opening)
        except ApiError as exc:
            return exc.code
        return "ok"

    async def delete() -> str:
        await asyncio.sleep(0)
        try:
            await s.clerk.call("DELETE", f"/api/v1/shops/{s.shop_id}/windows/{wid}")
        except ApiError as exc:
            return exc.code
        return "deleted"

    return list(await asyncio.gather(*(buy(i) for i in range(len(buyers))), delete()))
