"""Readers' refund requests, on both backends: a reader lists their purchases and asks the
shop to refund one, once, with a reason; the shop's staff see the request beside the
purchase and grant it (the refund: the money back, the chapter no longer owned) or
decline it (nothing moves); every refusal has its code and moves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.client import Client
from tests.integration.test_books import Setup, balance, books, buy, reconciled
from tests.support.rest import fails

__all__ = ["books"]  # the fixture, from the books tests

Json = dict[str, Any]
pytestmark = pytest.mark.settings(operators=("root",))


async def mine(person: Client) -> list[Json]:
    found: list[Json] = (await person.call("GET", "/api/v1/books/purchases"))["purchases"]
    return found


async def ask(person: Client, pid: int, reason: str = "") -> Json:
    reply: Json = await person.call(
        "POST", f"/api/v1/books/purchases/{pid}/refund_request", {"reason": reason}
    )
    return reply


async def shop_view(s: Setup) -> dict[int, Json]:
    found = await s.clerk.call("GET", f"/api/v1/shops/{s.shop_id}/purchases")
    return {int(p["id"]): p for p in found["purchases"]}


async def test_a_reader_asks_and_the_shop_grants_the_refund(books: Setup) -> None:
    s, wid = books, books.work["id"]
    c3 = await buy(s.reader, wid, 3, "c3")
    pid = int(c3["purchase_id"])
    listed = await mine(s.reader)
    assert [(p["id"], p["title"], p["chapter"], p["amount"], p["status"]) for p in listed] == [
        (pid, "The Long Night", 3, 100, "bought")
    ]
    assert listed[0]["refund_request"] is None
    made = await ask(s.reader, pid, "  Bought   by mistake ")
    assert made["refund_request"]["state"] == "open"
    assert made["refund_request"]["reason"] == "Bought by mistake"
    # once per purchase
    await fails(ask(s.reader, pid), "books.refund_already_requested", 409)
    # the shop sees it beside the purchase
    seen = (await shop_view(s))[pid]["refund_request"]
    assert (seen["state"], seen["reason"]) == ("open", "Bought by mistake")
    sales = f"/api/v1/shops/{s.shop_id}/work_sales"
    assert (await s.clerk.call("GET", sales))["sales"] == [
        {"work_id": wid, "purchases": 1, "amount": 100, "refunded": 0}
    ]
    await fails(s.reader.call("GET", sales), "shop.not_staff", 403)
    # granted: the refund moves the money back and the request reads granted
    before = await balance(s.reader)
    await s.clerk.call("POST", f"/api/v1/books/purchases/{pid}/refund")
    assert await balance(s.reader) == before + 100
    assert (await s.clerk.call("GET", sales))["sales"] == [
        {"work_id": wid, "purchases": 0, "amount": 0, "refunded": 1}
    ]
    listed = await mine(s.reader)
    assert (listed[0]["status"], listed[0]["refund_request"]["state"]) == ("refunded", "granted")
    # nothing is left to decline, and a refunded purchase is not asked for again
    await fails(
        s.clerk.call("POST", f"/api/v1/books/purchases/{pid}/refund_request/decline"),
        "books.refund_request_not_found",
        404,
    )
    await fails(ask(s.reader, pid), "books.purchase_refunded", 409)
    await reconciled(s.root)


async def test_the_shop_declines_and_refusals_move_nothing(books: Setup) -> None:
    s, wid = books, books.work["id"]
    whole = await buy(s.reader, wid, None, "w")
    pid = int(whole["purchase_id"])
    money = await balance(s.reader)
    # only the buyer may ask; only the shop's staff may decline
    stranger = s.dev  # the shop's owner is not the buyer
    await fails(ask(stranger, pid), "books.purchase_not_found", 404)
    await fails(ask(s.reader, 999_999), "books.purchase_not_found", 404)
    await fails(ask(s.reader, pid, "x" * 501), "invalid_input.too_large", 413)
    await fails(
        s.clerk.call("POST", f"/api/v1/books/purchases/{pid}/refund_request/decline"),
        "books.refund_request_not_found",
        404,
    )
    await ask(s.reader, pid, "")
    await fails(
        s.reader.call("POST", f"/api/v1/books/purchases/{pid}/refund_request/decline"),
        "shop.not_staff",
        403,
    )
    declined = await s.clerk.call("POST", f"/api/v1/books/purchases/{pid}/refund_request/decline")
    assert declined["refund_request"]["state"] == "declined"
    assert declined["refund_request"]["declined_at"] is not None
    listed = await mine(s.reader)
    assert (listed[0]["status"], listed[0]["refund_request"]["state"]) == ("bought", "declined")
    assert (await shop_view(s))[pid]["refund_request"]["state"] == "declined"
    # declined is final for the reader; nothing moved, and the work is still theirs
    await fails(ask(s.reader, pid), "books.refund_already_requested", 409)
    assert await balance(s.reader) == money
    assert (await s.reader.call("GET", f"/api/v1/books/works/{wid}"))["owns_work"]
    # the staff may still refund it later: the request then reads granted
    await s.clerk.call("POST", f"/api/v1/books/purchases/{pid}/refund")
    assert (await mine(s.reader))[0]["refund_request"]["state"] == "granted"
    # a refunded purchase that was never asked about cannot be asked about
    again = await buy(s.reader, wid, 3, "c3")
    await s.clerk.call("POST", f"/api/v1/books/purchases/{again['purchase_id']}/refund")
    await fails(ask(s.reader, int(again["purchase_id"])), "books.purchase_refunded", 409)
    await reconciled(s.root)
