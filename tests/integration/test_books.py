"""Serialized works end to end, on both backends: a shop's clerk publishes a work's
chapters; a reader reads the free ones, meets the paid one, buys it (and the whole work),
with every refusal moving nothing; a reading session spends the payment password once and
stops at its spending limit; progress reaches the reader's other device; a new chapter is
a notice to its buyers and shelvers, followers in their chat with the shop, others in
their service notifications; and bought e-books are listed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from microletter.app import Server
from microletter.client import ApiError, Client
from tests.conftest import PASSWORD, MakeClient
from tests.support.clock import Clock
from tests.support.platform import follow, new_account
from tests.support.rest import fails, uid

Json = dict[str, Any]
pytestmark = pytest.mark.settings(operators=("root",))


@dataclass
class Setup:
    dev: Client
    clerk: Client
    root: Client
    reader: Client
    shop_id: int
    work: Json


async def funded(clients: MakeClient, root: Client, name: str, amount: int) -> Client:
    person = await clients(name)
    await root.admin_adjust(uid(person), amount, "welcome", f"fund-{name}")
    await person.set_pay_password(PASSWORD, "123456")
    return person


async def publish(s: Setup, n: int) -> Json:
    reply: Json = await s.clerk.call(
        "POST",
        f"/api/v1/books/works/{s.work['id']}/chapters",
        {"title": f"Chapter {n}", "text": f"The text of chapter {n}.\n\nA second paragraph."},
    )
    chapter: Json = reply["chapter"]
    return chapter


@pytest.fixture
async def books(clients: MakeClient, server: Server) -> Setup:
    root = await clients("root")
    dev = await clients("dev")
    account = (await new_account(dev, "Night Press"))["account"]
    sid = int(account["id"])
    await dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{sid}/shop",
        {"name": "Night Press", "time_zone": "Asia/Shanghai"},
    )
    clerk = await clients("clerk")
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{sid}/shop/staff/{uid(clerk)}", {"role": "clerk"}
    )
    made = await clerk.call(
        "POST",
        f"/api/v1/shops/{sid}/works",
        {
            "title": "The Long Night",
            "author": "Li Wen",
            "free_chapters": 2,
            "chapter_price": 100,
            "work_price": 500,
        },
    )
    reader = await funded(clients, root, "reader", 10_000)
    s = Setup(dev, clerk, root, reader, sid, made["work"])
    for n in range(1, 5):
        await publish(s, n)
    return s


async def balance(person: Client) -> int:
    return int((await person.call("GET", "/api/v1/wallet"))["balance"])


async def reconciled(root: Client) -> None:
    result = await root.call("GET", "/api/v1/admin/wallet/reconcile")
    assert result["ok"], result


async def buy(person: Client, wid: int, n: int | None, key: str, **pay: Any) -> Json:
    if "payment_token" not in pay and "session" not in pay:
        pay["payment_token"] = await person.payment_token("123456")
    path = f"/api/v1/books/works/{wid}" + (f"/chapters/{n}" if n else "") + "/purchase"
    reply: Json = await person.call("POST", path, {"idempotency_key": key, **pay})
    return reply


async def test_a_reader_reads_the_free_chapters_then_buys_the_next_and_the_whole_work(
    books: Setup,
) -> None:
    s, wid = books, books.work["id"]
    view = await s.reader.call("GET", f"/api/v1/books/works/{wid}")
    assert [(c["number"], c["free"], c["owned"]) for c in view["chapters"]] == [
        (1, True, False),
        (2, True, False),
        (3, False, False),
        (4, False, False),
    ]
    assert view["readable"] == 2 and view["offer"] == {
        "next_chapter": 3,
        "chapter_price": 100,
        "work_price": 500,
    }
    first = await s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/1")
    assert (
        first["text"].startswith("The text of chapter 1.")
        and first["offer"]["next_chapter"] is None
    )
    second = await s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/2")
    assert second["offer"]["next_chapter"] == 3  # the end of the free chapters: the offer
    locked = await fails(
        s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/3"), "books.chapter_locked", 403
    )
    assert locked.details["price"] == 100 and locked.details["work_price"] == 500
    bought = await buy(s.reader, wid, 3, "c3")
    assert bought["amount"] == 100 and not bought["replayed"]
    assert await balance(s.reader) == 10_000 - 100
    third = await s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/3")
    assert third["title"] == "Chapter 3" and third["offer"]["next_chapter"] == 4
    # the same key again: the same purchase; a new key for the same chapter: refused
    again = await buy(s.reader, wid, 3, "c3")
    assert again["replayed"] and again["purchase_id"] == bought["purchase_id"]
    await fails(buy(s.reader, wid, 3, "c3-again"), "books.chapter_already_bought", 409)
    await fails(buy(s.reader, wid, 1, "c1"), "books.chapter_free", 409)
    await fails(buy(s.reader, wid, 9, "c9"), "books.chapter_not_found", 404)
    await fails(buy(s.reader, wid, 4, "c4", price=90), "books.price_changed", 409)
    assert await balance(s.reader) == 10_000 - 100  # nothing moved by any refusal
    # the whole work: every chapter, the ones to come too
    whole = await buy(s.reader, wid, None, "w")
    assert whole["amount"] == 500 and whole["chapter"] == 0
    await fails(buy(s.reader, wid, 4, "c4"), "books.chapter_already_bought", 409)
    await fails(buy(s.reader, wid, None, "w2"), "books.work_already_bought", 409)
    await publish(s, 5)
    assert (await s.reader.call("GET", f"/api/v1/books/works/{wid}/chapters/5"))["title"]
    view = await s.reader.call("GET", f"/api/v1/books/works/{wid}")
    assert view["owns_work"] and view["readable"] == 5 and view["offer"]["work_price"] is None
    assert await balance(s.reader) == 10_000 - 600
    # the money is the shop's, pending; the ledger balances
    await reconciled(s.root)
    shelf = await s.reader.call("GET", "/api/v1/books/shelf")
    assert [w["work"]["id"] for w in shelf["works"]] == [wid]  # a purchase shelves the work


async def test_racing_purchases_of_one_chapter_charge_once(books: Setup) -> None:
    """End to end, five at once: one is charged. (Their overlap is up to the scheduler;
    tests/contract/test_books_race.py forces it, and fails without the shelf row lock.)"""
    s, wid = books, books.work["id"]
    await s.reader.call("PUT", f"/api/v1/books/shelf/{wid}")  # the row the purchases lock
    tokens = [await s.reader.payment_token("123456") for _ in range(5)]
    outcomes = await asyncio.gather(
        *(buy(s.reader, wid, 3, f"race{i}", payment_token=t) for i, t in enumerate(tokens)),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, dict)]
    lost = [o for o in outcomes if isinstance(o, ApiError)]
    assert len(won) == 1 and len(lost) == 4, outcomes
    assert {e.code for e in lost} == {"books.chapter_already_bought"}
    assert await balance(s.reader) == 10_000 - 100
    await reconciled(s.root)


async def test_a_reading_session_asks_the_password_once_and_stops_at_its_limit(
    books: Setup, server: Server
) -> None:
    s, wid = books, books.work["id"]
    clock = Clock(server)
    token = await s.reader.payment_token("123456")
    opened = await s.reader.call(
        "POST",
        f"/api/v1/books/works/{wid}/sessions",
        {"payment_token": token, "spending_limit": 250},
    )
    session = opened["session"]
    # the token was spent by the session: it buys nothing more by itself
    await fails(
        buy(s.reader, wid, 3, "t", payment_token=token), "wallet.payment_token_invalid", 403
    )
    await buy(s.reader, wid, 3, "a3", session=session)
    await buy(s.reader, wid, 4, "a4", session=session)
    left = await s.reader.call("GET", "/api/v1/books/session", session=session)
    assert (left["spending_limit"], left["spent"]) == (250, 200)
    await publish(s, 5)
    stopped = await fails(
        buy(s.reader, wid, 5, "a5", session=session), "books.spending_limit_reached", 409
    )
    assert stopped.details["spent"] == 200 and stopped.details["price"] == 100
    assert await balance(s.reader) == 10_000 - 200
    # another reader cannot use it; after two hours it is gone
    other = await s.clerk.call("GET", "/api/v1/wallet")
    assert other["balance"] == 0
    await fails(
        s.clerk.call(
            "POST",
            f"/api/v1/books/works/{wid}/chapters/5/purchase",
            {"idempotency_key": "x", "session": session},
        ),
        "books.session_invalid",
        403,
    )
    clock.advance(2 * 3600_000 + 1)
    await fails(buy(s.reader, wid, 5, "a5b", session=session), "books.session_invalid", 403)
    await fails(
        s.reader.call(
            "POST",
            f"/api/v1/books/works/{wid}/sessions",
            {"payment_token": token, "spending_limit": -1},
        ),
        "books.spending_limit_invalid",
        400,
    )
    await reconciled(s.root)


async def test_progress_and_the_auto_purchase_setting_reach_the_readers_other_device(
    books: Setup, server: Server
) -> None:
    s, wid = books, books.work["id"]
    phone = Client(server.url)
    try:
        await phone.login("reader", PASSWORD)
        cursor = (await phone.state())["cursor"]
        saved = await s.reader.call(
            "PUT",
            f"/api/v1/books/shelf/{wid}/progress",
            {"chapter": 2, "position": 400, "auto_purchase": True, "spending_limit": 300},
        )
        assert saved["progress"]["chapter"] == 2
        shelf = await phone.call("GET", "/api/v1/books/shelf")
        p = shelf["works"][0]["progress"]
        assert (p["chapter"], p["position"], p["auto_purchase"], p["spending_limit"]) == (
            2,
            400,
            True,
            300,
        )
        events = (await phone.changes(cursor))["events"]
        assert [e["data"] for e in events if e["kind"] == "collection"] == [{"name": "bookshelf"}]
        # the phone opens the chapter where the other device left it
        opened = await phone.call("GET", f"/api/v1/books/works/{wid}/chapters/2")
        assert opened["position"] == 400
        other = await phone.call("GET", f"/api/v1/books/works/{wid}/chapters/1")
        assert other["position"] is None
        await fails(
            s.reader.call("PUT", f"/api/v1/books/shelf/{wid}/progress", {"position": 2000}),
            "invalid_input",
            400,
        )
        await s.reader.call("DELETE", f"/api/v1/books/shelf/{wid}")
        assert (await phone.call("GET", "/api/v1/books/shelf"))["works"] == []
    finally:
        await phone.close()


async def test_a_new_chapter_is_a_notice_to_buyers_and_shelvers_followers_or_not(
    books: Setup, clients: MakeClient, server: Server
) -> None:
    s, wid = books, books.work["id"]
    assert server.scheduler is not None
    await server.scheduler.run_due()  # the notices of the chapters before anyone read
    fan = await clients("fan")
    cid = await follow(fan, s.shop_id)
    await fan.call("PUT", f"/api/v1/books/shelf/{wid}")
    await buy(s.reader, wid, 3, "n3")  # a buyer who does not follow
    await clients("bystander")
    await publish(s, 5)
    assert await server.scheduler.run_due() == 1
    notice = [m for m in await fan.history(cid) if m["kind"] == "template"]
    assert [m["data"]["text"] for m in notice] == ["5. Chapter 5"]
    assert notice[0]["data"]["url"] == f"#/books/{wid}/read/5"
    # the buyer who does not follow hears it in their service notifications, from the
    # shop's account and naming it; they have no conversation with the account
    views = await s.reader.conversations()
    assert [v for v in views if v["conversation"]["kind"] == "official"] == []
    [service] = [v["conversation"]["id"] for v in views if v["conversation"]["kind"] == "service"]
    found = [m for m in await s.reader.history(service) if m["kind"] == "template"]
    assert [m["data"]["title"] for m in found] == ["The Long Night"]
    assert found[0]["sender_id"] == s.shop_id
    assert found[0]["data"]["source"]["key"] == f"account:{s.shop_id}"
    # run again: nobody is told twice
    assert await server.scheduler.run_due() == 0


async def test_only_the_shops_staff_publish_and_chapters_are_checked(
    books: Setup, clients: MakeClient
) -> None:
    s, wid = books, books.work["id"]
    stranger = await clients("stranger")
    await fails(
        stranger.call("POST", f"/api/v1/books/works/{wid}/chapters", {"title": "x", "text": "y"}),
        "shop.not_staff",
        403,
    )
    await fails(
        s.clerk.call(
            "POST",
            f"/api/v1/books/works/{wid}/chapters",
            {"title": "Big", "text": "x" * 100_001},
        ),
        "books.chapter_text_invalid",
        400,
    )
    await fails(
        s.clerk.call("POST", f"/api/v1/books/works/{wid}/chapters", {"title": " ", "text": "y"}),
        "books.chapter_text_invalid",
        400,
    )
    await fails(
        s.clerk.call(
            "POST",
            f"/api/v1/shops/{s.shop_id}/works",
            {"title": "Float", "chapter_price": 1.5},
        ),
        "wallet.amount_invalid",
        400,
    )
    # another shop's owner cannot change this shop's work through their own shop
    other = int((await new_account(s.dev, "Other Press"))["account"]["id"])
    await s.dev.call(
        "PUT", f"/api/v1/developer/accounts/{other}/shop", {"name": "Other", "time_zone": "UTC"}
    )
    await fails(
        s.dev.call(
            "PUT", f"/api/v1/shops/{other}/works/{wid}", {"title": "Mine", "chapter_price": 1}
        ),
        "books.work_not_found",
        404,
    )
    listed = await stranger.call("GET", f"/api/v1/shops/{s.shop_id}/works")
    assert [w["chapters"] for w in listed["works"]] == [4]


async def test_bought_e_books_are_listed_with_their_format(books: Setup) -> None:
    s = books
    pdf = await s.dev.upload(b"%PDF-1.4 a novel", "file", "novel.pdf")
    made = await s.dev.call(
        "POST",
        f"/api/v1/shops/{s.shop_id}/products",
        {
            "name": "Novel (PDF)",
            "kind": "digital",
            "file": pdf["id"],
            "variants": [{"sku": "NOVEL", "price": 300, "stock": 10}],
        },
    )
    vid = made["product"]["variants"][0]["id"]
    assert (await s.reader.call("GET", "/api/v1/books/ebooks"))["ebooks"] == []
    await s.reader.call("PUT", f"/api/v1/shops/{s.shop_id}/cart/{vid}", {"quantity": 1})
    token = await s.reader.payment_token("123456")
    await s.reader.call(
        "POST",
        f"/api/v1/shops/{s.shop_id}/checkout",
        {"idempotency_key": "e1", "payment_token": token},
    )
    found = (await s.reader.call("GET", "/api/v1/books/ebooks"))["ebooks"]
    assert [(e["name"], e["format"], e["file"]["id"]) for e in found] == [
        ("Novel (PDF)", "pdf", pdf["id"])
    ]
    assert pdf["id"] in (await s.reader.media_urls([pdf["id"]]))["urls"]
