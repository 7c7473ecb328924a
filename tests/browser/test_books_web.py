"""Books' web pages beyond reading: a merchant makes a serialized work and publishes its
first chapter on the shop's works page, and a reader reads it; a bought PDF e-book opens
in the app's reader (drawn by the vendored pdf.js under the shell's unchanged CSP); and a
reader asks for a refund of a chapter on their purchases page, the shop grants it on its
works page, and the money is back (balances through the API)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import ConsoleMessage, Page, expect

from microletter.client import Client
from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, shot
from tests.conftest import PASSWORD, MakeClient
from tests.support.platform import new_account
from tests.support.rest import uid

pytestmark = pytest.mark.settings(operators=("root",))


async def open_shop(clients: MakeClient) -> tuple[Client, Client, int]:
    """The developer `dev` with a shop, and the operator."""
    root, dev = await clients("root"), await clients("dev")
    sid = int((await new_account(dev, "Night Press"))["account"]["id"])
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{sid}/shop", {"name": "Night Press", "time_zone": "UTC"}
    )
    return root, dev, sid


async def funded_reader(clients: MakeClient, root: Client) -> Client:
    reader = await clients("reader")
    await root.admin_adjust(uid(reader), 1000, "welcome", "fund-reader")
    await reader.set_pay_password(PASSWORD, "123456")
    return reader


async def balance(person: Client) -> int:
    return int((await person.call("GET", "/api/v1/wallet"))["balance"])


async def confirm(page: Page) -> None:
    """Say yes in the open dialog (its button is primary, or red for a refund)."""
    await page.get_by_role("dialog").locator(".btn-primary, .btn-danger").click()


async def test_a_merchant_publishes_a_chapter_and_a_reader_reads_it(
    open_app: OpenApp, clients: MakeClient
) -> None:
    root, dev, sid = await open_shop(clients)
    await funded_reader(clients, root)
    shop = await open_app(DESKTOP)
    await login(shop, "dev")
    # Me → Shop money → the shop → Books
    await shop.goto(f"/#/merchant/{sid}")
    await shop.locator(".merchant-books-link").click()
    await expect(shop.locator(".merchant-works .list-empty")).to_be_visible()
    await shop.locator(".new-work").click()
    form = shop.locator(".merchant-work-form")
    await form.locator(".work-title-input").fill("The Long Night")
    await form.locator(".work-author").fill("Li Wen")
    await form.locator(".work-description").fill("A city without dawn.")
    await form.locator(".work-free").fill("1")
    await form.locator(".work-chapter-price").fill("0.20")
    await form.locator(".work-price").fill("15")
    await form.locator(".save-work").click()
    # the work's page: its terms as saved, no chapters yet
    await expect(shop.get_by_role("heading", name="The Long Night")).to_be_visible()
    works = (await dev.call("GET", f"/api/v1/shops/{sid}/works"))["works"]
    assert [
        (w["title"], w["free_chapters"], w["chapter_price"], w["work_price"]) for w in works
    ] == [("The Long Night", 1, 20, 1500)]
    wid = int(works[0]["id"])
    await expect(shop.locator(".merchant-chapters .list-empty")).to_be_visible()
    # write and publish the first chapter
    await shop.locator(".chapter-title-input").fill("The Storm")
    await shop.locator(".chapter-text").fill("Rain came at noon.\n\nNobody left the tea house.")
    await shop.locator(".publish-chapter").click()
    await confirm(shop)
    await expect(shop.locator(".merchant-chapter")).to_have_count(1)
    await expect(shop.locator(".merchant-chapter .chapter-title")).to_have_text("1. The Storm")
    await expect(shop.locator(".merchant-chapter .chapter-state")).to_have_text("Free")
    # a change of terms: the whole work's price taken away
    await shop.locator(".merchant-work-form .work-price").fill("")
    await shop.locator(".merchant-work-form .save-work").click()
    await expect(shop.locator(".toast").last).to_have_text("Saved")
    found = (await dev.call("GET", f"/api/v1/books/works/{wid}"))["work"]
    assert (found["work_price"], found["chapters"]) == (None, 1)
    await shot(shop, "desktop-merchant-books-work")
    # the reader finds it and reads the chapter
    reader = await open_app(PHONE)
    await login(reader, "reader")
    await reader.goto(f"/#/books/{wid}")
    await expect(reader.locator(".book-title")).to_have_text("The Long Night")
    await reader.locator(".book-read").click()
    await expect(reader.locator(".reader-title")).to_have_text("1. The Storm")
    await expect(reader.locator(".reader-text")).to_contain_text("Nobody left the tea house.")
    # the shop's list shows the work with its chapter
    await shop.goto(f"/#/merchant/{sid}/books")
    row = shop.locator(f'.merchant-work[data-work="{wid}"]')
    await expect(row.locator(".work-chapters")).to_have_text("Chapters: 1")
    await expect(row.locator(".work-sales")).to_have_text("Sold: 0 · ¥0.00")
    no_page_errors(shop, reader)


def pdf_of(pages: int) -> bytes:
    """A small PDF of `pages` pages, each a blue square and a line of text."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        content = (
            f"0 0 1 rg 50 500 200 200 re f BT /F1 24 Tf 50 450 Td (Page {i + 1}) Tj ET"
        ).encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 800] /Contents {4 + 2 * i} 0 R"
            f" /Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


BLUE_PIXELS = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let blue = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 2] > 200 && data[i] < 60 && data[i + 1] < 60) blue++;
  }
  return blue;
}"""


async def test_a_pdf_e_book_opens_in_the_reader(open_app: OpenApp, clients: MakeClient) -> None:
    root, dev, sid = await open_shop(clients)
    reader = await funded_reader(clients, root)
    pdf: Any = await dev.upload(pdf_of(2), "file", "night.pdf")
    made: Any = await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/products",
        {
            "name": "The Long Night (PDF)",
            "kind": "digital",
            "file": pdf["id"],
            "variants": [{"sku": "NIGHT-PDF", "price": 300, "stock": 10}],
        },
    )
    vid = made["product"]["variants"][0]["id"]
    await reader.call("PUT", f"/api/v1/shops/{sid}/cart/{vid}", {"quantity": 1})
    token = await reader.payment_token("123456")
    await reader.call(
        "POST", f"/api/v1/shops/{sid}/checkout", {"idempotency_key": "e1", "payment_token": token}
    )
    page = await open_app(PHONE)
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    await login(page, "reader")
    await page.goto("/#/books")
    await page.locator(f'.ebook[data-product="{made["product"]["id"]}"]').click()
    # the same reader: the first page drawn on a canvas, with its place in the book
    await expect(page.get_by_role("heading", name="The Long Night (PDF)")).to_be_visible()
    canvas = page.locator(".ebook-page")
    await expect(canvas).to_have_attribute("data-page", "1")
    await expect(page.locator(".ebook-where")).to_have_text("Page 1 of 2")
    assert await canvas.evaluate(BLUE_PIXELS) > 1000  # the page's blue square was drawn
    await expect(page.locator(".ebook-prev")).to_be_disabled()
    await shot(page, "phone-books-pdf")
    await page.locator(".ebook-next").click()
    await expect(canvas).to_have_attribute("data-page", "2")
    await expect(page.locator(".ebook-where")).to_have_text("Page 2 of 2")
    await expect(page.locator(".ebook-next")).to_be_disabled()
    # the original can still be saved, for another viewer
    async with page.expect_download() as saving:
        await page.locator(".ebook-download").click()
    assert (await saving.value).suggested_filename == "night.pdf"
    # no frame, no plugin and nothing the shell's policy had to refuse
    assert await page.locator("iframe, object, embed").count() == 0
    assert refused == []
    no_page_errors(page)


async def test_a_refund_asked_on_the_web_is_granted_and_moves_the_money_back(
    open_app: OpenApp, clients: MakeClient
) -> None:
    root, dev, sid = await open_shop(clients)
    reader = await funded_reader(clients, root)
    work: Any = await dev.call(
        "POST",
        f"/api/v1/shops/{sid}/works",
        {"title": "The Long Night", "free_chapters": 1, "chapter_price": 100},
    )
    wid = int(work["work"]["id"])
    for n in (1, 2):
        await dev.call(
            "POST",
            f"/api/v1/books/works/{wid}/chapters",
            {"title": f"Chapter {n}", "text": f"The night of chapter {n}."},
        )
    token = await reader.payment_token("123456")
    bought: Any = await reader.call(
        "POST",
        f"/api/v1/books/works/{wid}/chapters/2/purchase",
        {"idempotency_key": "c2", "payment_token": token},
    )
    pid = bought["purchase_id"]
    assert await balance(reader) == 900
    shop_money = f"/api/v1/merchant/shops/{sid}"
    assert (await dev.call("GET", shop_money))["pending"] == 100

    # the reader: Bookshelf → My purchases → ask for a refund, with a reason
    page = await open_app(PHONE)
    await login(page, "reader")
    await page.goto("/#/books")
    await page.locator(".book-purchases-link").click()
    mine = page.locator(f'.book-purchase[data-purchase="{pid}"]')
    await expect(mine.locator(".purchase-what")).to_have_text("The Long Night · Chapter 2")
    await mine.locator(".ask-refund").click()
    await page.locator(".dialog-body textarea").fill("Bought the wrong chapter")
    await confirm(page)
    await expect(mine).to_have_attribute("data-request", "open")
    await expect(mine.locator(".refund-state")).to_have_text("Refund asked")
    await expect(mine.locator(".ask-refund")).to_have_count(0)

    # the shop (in Chinese): the request with its reason, granted by the refund
    shop = await open_app(DESKTOP, locale="zh-CN")
    await login(shop, "dev")
    await shop.goto(f"/#/merchant/{sid}/books")
    row = shop.locator(f'.merchant-purchase[data-purchase="{pid}"]')
    await expect(row).to_have_attribute("data-request", "open")
    await expect(row.locator(".refund-request")).to_contain_text("Bought the wrong chapter")
    await expect(shop.locator(".merchant-work .work-sales")).to_have_text("已售：1 · ¥1.00")
    await shot(shop, "desktop-merchant-books-refund-zh")
    await row.locator(".refund-purchase").click()
    await confirm(shop)
    await expect(row).to_have_attribute("data-status", "refunded")
    await expect(row).to_have_attribute("data-request", "granted")
    await expect(shop.locator(".merchant-work .work-sales")).to_have_text("已售：0 · ¥0.00")

    # the money is back, from the shop's pending money; the chapter is the reader's no more
    assert await balance(reader) == 1000
    assert (await dev.call("GET", shop_money))["pending"] == 0
    view: Any = await reader.call("GET", f"/api/v1/books/works/{wid}")
    assert [c["owned"] for c in view["chapters"]] == [False, False]
    ledger = await root.call("GET", "/api/v1/admin/wallet/reconcile")
    assert ledger["ok"], ledger
    await page.reload()
    await expect(mine).to_have_attribute("data-status", "refunded")
    await expect(mine.locator(".refund-state")).to_have_text("Refund granted")
    no_page_errors(page, shop)
