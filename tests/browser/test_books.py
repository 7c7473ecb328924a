"""Books in the browser: a reader reads the free chapters of a serialized work, reaches
the paid one, buys it with the payment password and reads on; and with auto-purchase on,
reading on buys chapter after chapter with the password asked once, and stops at the
spending limit with a note, nothing charged past it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from microletter.client import Client
from tests.browser.conftest import PHONE, OpenApp, login, no_page_errors, shot
from tests.conftest import PASSWORD, MakeClient
from tests.support.platform import new_account
from tests.support.rest import uid

pytestmark = pytest.mark.settings(operators=("root",))


async def serial(clients: MakeClient, chapters: int) -> tuple[Client, int]:
    """A shop's work (2 free chapters, ¥1.00 a chapter, ¥5.00 the whole work) with
    `chapters` chapters, and a reader with ¥10.00 and the payment password 123456."""
    root, dev = await clients("root"), await clients("dev")
    sid = int((await new_account(dev, "Night Press"))["account"]["id"])
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{sid}/shop", {"name": "Night Press", "time_zone": "UTC"}
    )
    work: Any = await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/works",
        {"title": "The Long Night", "free_chapters": 2, "chapter_price": 100, "work_price": 500},
    )
    wid = int(work["work"]["id"])
    for n in range(1, chapters + 1):
        await dev.call(
            "POST",
            f"/api/v1/books/works/{wid}/chapters",
            {"title": f"Chapter {n}", "text": f"The night of chapter {n}.\n\nIt went on."},
        )
    reader = await clients("reader")
    await root.admin_adjust(uid(reader), 1000, "welcome", "fund-reader")
    await reader.set_pay_password(PASSWORD, "123456")
    return reader, wid


async def balance(person: Client) -> int:
    return int((await person.call("GET", "/api/v1/wallet"))["balance"])


async def pay(page: Page) -> None:
    await page.locator(".pay-password").fill("123456")
    await page.locator(".pay-confirm").click()


async def test_reading_into_a_paid_chapter_and_buying_it(
    open_app: OpenApp, clients: MakeClient
) -> None:
    reader, wid = await serial(clients, 4)
    page = await open_app(PHONE)
    await login(page, "reader")
    await page.goto(f"/#/books/{wid}")
    await expect(page.locator(".book-title")).to_have_text("The Long Night")
    await expect(page.locator(".book-chapter")).to_have_count(4)
    await page.locator(".book-read").click()
    await expect(page.locator(".reader-title")).to_have_text("1. Chapter 1")
    await page.locator(".next-chapter").click()
    await expect(page.locator(".reader-title")).to_have_text("2. Chapter 2")
    # the end of the free chapters: the next one and the whole work are offered
    await expect(page.locator(".reader-offer")).to_contain_text("¥5.00")
    await page.locator(".next-chapter").click()
    await expect(page.locator(".locked-text")).to_be_visible()
    await expect(page.locator(".buy-chapter")).to_contain_text("¥1.00")
    await expect(page.locator(".buy-work")).to_contain_text("¥5.00")
    await shot(page, "phone-books-locked")
    await page.locator(".buy-chapter").click()
    await pay(page)
    await expect(page.locator(".reader-title")).to_have_text("3. Chapter 3")
    await expect(page.locator(".reader-text")).to_contain_text("The night of chapter 3.")
    assert await balance(reader) == 900
    # the shelf has it, with where the reader is
    await page.goto("/#/books")
    await expect(page.locator(".shelf-title")).to_have_text("The Long Night")
    await expect(page.locator(".shelf-progress")).to_have_text("Chapter 3 of 4")
    no_page_errors(page)


async def test_auto_purchase_stops_at_the_spending_limit(
    open_app: OpenApp, clients: MakeClient
) -> None:
    reader, wid = await serial(clients, 6)
    page = await open_app(PHONE)
    await login(page, "reader")
    await page.goto(f"/#/books/{wid}")
    await page.locator(".auto-purchase").check()
    await page.locator(".spending-limit").fill("2.00")
    await page.locator(".save-auto").click()
    await expect(page.locator(".toast").last).to_have_text("Saved")
    await page.goto(f"/#/books/{wid}/read/2")
    await expect(page.locator(".reader-title")).to_have_text("2. Chapter 2")
    # chapter 3: the password once, for the reading session; bought
    await page.locator(".next-chapter").click()
    await pay(page)
    await expect(page.locator(".reader-title")).to_have_text("3. Chapter 3")
    # chapter 4: bought in the session, no password
    await page.locator(".next-chapter").click()
    await expect(page.locator(".reader-title")).to_have_text("4. Chapter 4")
    await expect(page.locator(".pay-password")).to_have_count(0)
    assert await balance(reader) == 800
    # chapter 5 would pass ¥2.00: auto-purchase stops, nothing charged
    await page.locator(".next-chapter").click()
    await expect(page.locator(".limit-reached")).to_be_visible()
    await expect(page.locator(".buy-chapter")).to_be_visible()
    await shot(page, "phone-books-limit-reached")
    assert await balance(reader) == 800
    view = await reader.call("GET", f"/api/v1/books/works/{wid}")
    assert [c["owned"] for c in view["chapters"]] == [False, False, True, True, False, False]
    no_page_errors(page)
