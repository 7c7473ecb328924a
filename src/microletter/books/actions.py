"""The books room's actions: the only writers of works, chapters, purchases, reading
sessions and shelves. Each checks who is asking (a shop's owner or clerk for works and
chapters; the reader for their own shelf and purchases), checks its input with rules.py,
runs one unit of work, then publishes.

The payment password is checked by the wallet (`/wallet/pay-password/verify`), never
inside a transaction; its payment token is spent by one purchase, or once by a reading
session whose spending limit then bounds every purchase made with it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from microletter.actions.context import Context
from microletter.books import rules
from microletter.books.errors import ReadingSessionInvalid
from microletter.books.rules import (
    Chapter,
    Heading,
    Offer,
    Ownership,
    Progress,
    Purchase,
    RefundRequest,
    ShopId,
    Work,
    WorkId,
)
from microletter.books.store import BooksStore
from microletter.core.media import Media
from microletter.core.models import Instant, Principal
from microletter.shop import ShopId as ShopKey
from microletter.shop import ShopRoom, access_staff
from microletter.wallet import PaymentTokenInvalid, check_amount, check_key, fingerprint
from microletter.wallet import hash_token as hash_payment_token

log = logging.getLogger(__name__)


@dataclass
class BooksRoom:
    """The room as app.py builds it: the core's context, its store, and the shop room
    (works are a shop's; its staff keep them)."""

    ctx: Context
    store: BooksStore
    shops: ShopRoom

    @property
    def currency(self) -> str:
        return self.shops.currency

    @property
    def max_amount(self) -> int:
        return self.shops.wallet.settings.max_amount


def hash_session(token: str) -> str:
    return hashlib.sha256(b"books-session:" + token.encode()).hexdigest()


# --- the merchant: works and chapters ---


@dataclass(frozen=True, slots=True)
class WorkFields:
    title: str
    author: str
    description: str
    free_chapters: object
    chapter_price: object
    work_price: object | None


async def save_work(
    room: BooksRoom, me: Principal, shop_id: ShopId, wid: WorkId | None, f: WorkFields
) -> Work:
    """Make a serialized work of this shop (wid None) or change it (owner, clerk)."""
    await access_staff(room.shops, me, ShopKey(shop_id))
    chapter_price = 0 if f.chapter_price == 0 else check_amount(f.chapter_price, room.max_amount)
    work_price = None if f.work_price is None else check_amount(f.work_price, room.max_amount)
    saved = await room.store.save_work(
        wid,
        shop_id,
        rules.check_title(f.title),
        rules.check_title(f.author, "author") if f.author.strip() else "",
        rules.check_description(f.description),
        rules.check_count(f.free_chapters, "free_chapters", rules.MAX_FREE),
        chapter_price,
        work_price,
        room.ctx.clock(),
    )
    log.info("books.work_saved", extra={"work_id": saved.id, "shop_id": shop_id})
    return saved


async def publish_chapter(
    room: BooksRoom, me: Principal, wid: WorkId, title: str, text: str
) -> Heading:
    """Publish the work's next chapter (owner, clerk); its readers are told."""
    work = await room.store.work(wid)
    await access_staff(room.shops, me, ShopKey(work.shop_id))
    shop = await room.shops.store.shop(work.shop_id)
    checked_title, checked_text = rules.check_chapter(title, text)
    outcome = await room.store.publish_chapter(
        work.shop_id, wid, checked_title, checked_text, shop.name, room.ctx.clock()
    )
    await room.ctx.publish(outcome)
    log.info("books.chapter_published", extra={"work_id": wid, "chapter": outcome.value.number})
    return outcome.value


async def shop_works(room: BooksRoom, shop_id: ShopId) -> list[Work]:
    await room.shops.store.shop(shop_id)
    return await room.store.works_of_shop(shop_id)


# --- readers ---


@dataclass(frozen=True, slots=True)
class WorkView:
    """A work as one reader sees it: its contents, what they own, where they are."""

    work: Work
    headings: list[Heading]
    owned: Ownership
    progress: Progress | None
    readable: int  # the last chapter of 1..n they may read
    offer: Offer


async def view_work(room: BooksRoom, me: Principal, wid: WorkId) -> WorkView:
    work = await room.store.work(wid)
    owned = await room.store.ownership(me.user_id, wid)
    readable = rules.last_readable(work, owned)
    return WorkView(
        work,
        await room.store.headings(wid),
        owned,
        await room.store.progress(me.user_id, wid),
        readable,
        rules.offer(work, owned, readable),
    )


async def read_chapter(
    room: BooksRoom, me: Principal, wid: WorkId, number: int
) -> tuple[Work, Chapter, Offer]:
    """A chapter's text if I may read it (ChapterLocked otherwise, with its prices),
    and what I am offered at its end."""
    work = await room.store.work(wid)
    chapter = await room.store.chapter(wid, number)
    owned = await room.store.ownership(me.user_id, wid)
    rules.check_readable(work, number, owned)
    return work, chapter, rules.offer(work, owned, number)


async def position_in(room: BooksRoom, me: Principal, wid: WorkId, number: int) -> int | None:
    """Where I left this chapter (per mille), if my shelf says I am in it."""
    found = await room.store.progress(me.user_id, wid)
    return found.position if found is not None and found.chapter == number else None


async def open_session(
    room: BooksRoom, me: Principal, wid: WorkId, payment_token: str, limit: object
) -> tuple[str, Instant, int]:
    """A reading session for this work: the payment token spent once, for purchases up
    to `limit` within two hours. (its token, when it expires, the limit)"""
    if not payment_token:
        raise PaymentTokenInvalid()
    checked = rules.check_limit(limit)
    now = room.ctx.clock()
    token = "mlr_" + secrets.token_urlsafe(24)
    expires = Instant(now + rules.SESSION_MS)
    await room.store.open_session(
        me.user_id,
        wid,
        checked,
        hash_payment_token(payment_token),
        hash_session(token),
        expires,
        now,
    )
    return token, expires, checked


async def session_left(room: BooksRoom, me: Principal, session: str) -> tuple[int, int]:
    return await room.store.session_left(me.user_id, hash_session(session), room.ctx.clock())


@dataclass(frozen=True, slots=True)
class Bought:
    purchase_id: int
    transaction_id: int
    amount: int
    chapter: int
    replayed: bool


async def buy(
    room: BooksRoom,
    me: Principal,
    wid: WorkId,
    chapter: int,
    confirmed: object | None,
    key: str,
    payment_token: str | None,
    session: str | None,
) -> Bought:
    """Buy a chapter (WHOLE: the whole work) with a payment token or in a reading session;
    a replay of `key` returns the first purchase."""
    key = check_key(key)
    if (payment_token is None) == (session is None):
        raise ReadingSessionInvalid("Give a payment_token or a session, not both.")
    price = None if confirmed is None else check_amount(confirmed, room.max_amount)
    fp = fingerprint("books.buy", {"work": wid, "chapter": chapter, "price": price})
    outcome = await room.store.buy(
        me.user_id,
        wid,
        chapter,
        price,
        None if payment_token is None else hash_payment_token(payment_token),
        None if session is None else hash_session(session),
        key,
        fp,
        room.ctx.clock(),
        room.shops.settle_after_ms,
    )
    await room.ctx.publish(outcome)
    result, first = outcome.value
    if first:
        log.info("books.bought", extra={"work_id": wid, "chapter": chapter})
    return Bought(
        int(str(result["purchase_id"])),
        int(str(result["transaction_id"])),
        int(str(result["amount"])),
        int(str(result["chapter"])),
        not first,
    )


# --- the shop's side: its purchases and refunds ---


async def shop_purchases(
    room: BooksRoom, me: Principal, shop_id: ShopId, before: int | None
) -> list[Purchase]:
    """The shop's chapter and work purchases, newest first (owner, clerk)."""
    await access_staff(room.shops, me, ShopKey(shop_id))
    return await room.store.purchases_of_shop(shop_id, before)


async def refund_purchase(room: BooksRoom, me: Principal, pid: int) -> tuple[Purchase, bool]:
    """Refund a purchase to its reader (the shop's owner or clerk), who owns it no more:
    (the purchase, whether it was refunded now; a second time moves nothing)."""
    found = await room.store.purchase(pid)
    await access_staff(room.shops, me, ShopKey(found.shop_id))
    outcome = await room.store.refund(pid, me.user_id, room.ctx.clock())
    await room.ctx.publish(outcome)
    refunded, first = outcome.value
    if first:
        log.info("books.refunded", extra={"purchase_id": pid, "shop_id": found.shop_id})
    return refunded, first


async def shop_sales(
    room: BooksRoom, me: Principal, shop_id: ShopId
) -> list[tuple[int, int, int, int]]:
    """Each work's sales (owner, clerk): (work, purchases, amount, refunded)."""
    await access_staff(room.shops, me, ShopKey(shop_id))
    return await room.store.sales_of_shop(shop_id)


async def refund_requests(room: BooksRoom, found: list[Purchase]) -> dict[int, RefundRequest]:
    """The readers' refund requests of these purchases (listed to the staff beside them)."""
    return await room.store.refund_requests([p.id for p in found])


async def decline_refund(room: BooksRoom, me: Principal, pid: int) -> RefundRequest:
    """Say no to a reader's open refund request (the shop's owner or clerk); nothing moves.
    Granting it is refunding the purchase (refund_purchase)."""
    found = await room.store.purchase(pid)
    await access_staff(room.shops, me, ShopKey(found.shop_id))
    declined = await room.store.decline_refund(pid, me.user_id, room.ctx.clock())
    log.info("books.refund_declined", extra={"purchase_id": pid, "shop_id": found.shop_id})
    return declined


# --- the reader's side: their purchases and refund requests ---


async def my_purchases(
    room: BooksRoom, me: Principal, before: int | None
) -> list[tuple[Purchase, str, RefundRequest | None]]:
    """My purchases, newest first, with their works' titles and my refund requests."""
    return await room.store.purchases_of_reader(me.user_id, before)


async def ask_refund(room: BooksRoom, me: Principal, pid: int, reason: str) -> RefundRequest:
    """Ask the shop to refund my purchase, once, with an optional reason; the shop's staff
    see it beside the purchase and grant (refund) or decline it."""
    made = await room.store.ask_refund(
        me.user_id, pid, rules.check_reason(reason), room.ctx.clock()
    )
    log.info("books.refund_requested", extra={"purchase_id": pid})
    return made


async def shelf(room: BooksRoom, me: Principal) -> list[tuple[Work, Progress]]:
    return await room.store.shelf(me.user_id)


async def shelve(room: BooksRoom, me: Principal, wid: WorkId, on: bool) -> None:
    now = room.ctx.clock()
    outcome = (
        await room.store.shelve(me.user_id, wid, now)
        if on
        else await room.store.unshelve(me.user_id, wid, now)
    )
    await room.ctx.publish(outcome)


async def save_progress(
    room: BooksRoom,
    me: Principal,
    wid: WorkId,
    chapter: object | None,
    position: object | None,
    auto_purchase: bool | None,
    spending_limit: object | None,
) -> Progress:
    """Where I am and my auto-purchase setting, kept on my shelf and synced to my devices."""
    outcome = await room.store.save_progress(
        me.user_id,
        wid,
        None if chapter is None else rules.check_count(chapter, "chapter", rules.MAX_CHAPTERS),
        None if position is None else rules.check_position(position),
        auto_purchase,
        None if spending_limit is None else rules.check_limit(spending_limit),
        room.ctx.clock(),
    )
    await room.ctx.publish(outcome)
    return outcome.value


@dataclass(frozen=True, slots=True)
class Ebook:
    product_id: int
    shop_id: int
    name: str
    format: str | None  # pdf, epub; None: another kind of file (downloaded)
    file: Media


async def ebooks(room: BooksRoom, me: Principal) -> list[Ebook]:
    """The files of the digital products I hold: e-books (PDF, EPUB) first."""
    found = [
        Ebook(pid, sid, name, rules.ebook_format(m.mime, m.name), m)
        for pid, sid, name, m in await room.store.bought_files(me.user_id)
    ]
    return sorted(found, key=lambda e: e.format is None)


async def sweep(room: BooksRoom, now: Instant) -> None:
    """Forget reading sessions that ended over a day ago (the scheduler's chore)."""
    await room.store.forget_sessions(Instant(now - 86_400_000))
