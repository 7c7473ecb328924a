"""The books room's values and rules, pure: serialized works, their chapters, who may
read which chapter, what a purchase costs, what the reader is offered at the end of what
they may read, and the reading session's spending limit. No I/O, no clock.

Theory of operation (reading a serialized work). A work belongs to a shop and has
chapters numbered 1, 2, ... as they are published. Chapters 1..free_chapters are free;
each later chapter costs `chapter_price`, and the whole work, if it has a `work_price`,
may be bought at once (every chapter, published or still to come).

    may read chapter n  ⇔  n <= free_chapters  or  the work is bought  or  n is bought

At the end of what the reader may read they are offered the next chapter (if it is
published) and the whole work (if it has a price). A purchase is one ledger transaction:
the buyer's wallet → the shop's pending account. Buying is done with a payment token
(one purchase) or within a *reading session*: a payment token spent once, when the
session opens, for a spending limit the reader set; every purchase in the session adds
its price to the session's `spent` by a guarded UPDATE that refuses to pass the limit.
Auto-purchase is the client buying the next chapter in its session as the reader reaches
it, so it stops at the limit (`books.spending_limit_reached`) with nothing charged.

A purchase is fulfilled at once, so it schedules its settlement as a digital order does
(SETTLE_JOB, the merchant room's, `settle_after` later: pending → the credit line, then
the merchant's balance). The shop's staff may refund it, as an order: from pending
before settlement (which then never runs), from the balance after it, never below zero.
A refunded purchase is owned no more and may be bought again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from microletter.books.errors import (
    ChapterAlreadyBought,
    ChapterFree,
    ChapterLocked,
    ChapterTextInvalid,
    PriceChanged,
    SpendingLimitInvalid,
    WorkAlreadyBought,
    WorkNotForSale,
)
from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue

WorkId = NewType("WorkId", int)
ShopId = NewType("ShopId", UserId)

WHOLE = 0  # the purchase of the whole work (a chapter purchase names its number)
MAX_TITLE = 100
MAX_DESCRIPTION = 2000
MAX_CHAPTER_TEXT = 100_000  # characters
MAX_CHAPTERS = 10_000
MAX_FREE = 10_000
MAX_LIMIT = 10**12  # a reading session's spending limit, minor units
SESSION_MS = 2 * 3600 * 1000  # a reading session lasts two hours
PAGE = 50
MAX_REASON = 500  # characters of a refund request's reason
NOTICE_BATCH = 200  # readers told of a new chapter per run of the notice job


@dataclass(frozen=True, slots=True)
class Work:
    id: WorkId
    shop_id: ShopId
    title: str
    author: str
    description: str
    free_chapters: int
    chapter_price: int
    work_price: int | None
    chapters: int  # how many are published
    created_at: Instant
    updated_at: Instant


@dataclass(frozen=True, slots=True)
class Chapter:
    work_id: WorkId
    number: int
    title: str
    text: str
    published_at: Instant


@dataclass(frozen=True, slots=True)
class Heading:
    """A chapter in the table of contents: no text."""

    number: int
    title: str
    chars: int
    published_at: Instant


@dataclass(frozen=True, slots=True)
class Ownership:
    """What a reader owns of a work: the whole work, or some chapters."""

    whole: bool
    chapters: frozenset[int]


NOTHING = Ownership(False, frozenset())


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a reader is in a work, and their auto-purchase setting (synced)."""

    work_id: WorkId
    chapter: int
    position: int  # per mille of the chapter
    auto_purchase: bool
    spending_limit: int
    added_at: Instant
    updated_at: Instant


@dataclass(frozen=True, slots=True)
class Purchase:
    """A chapter (or the whole work: WHOLE) bought: its money waits in the shop's pending
    account until settled to the merchant's balance; a refund takes it back (from
    pending, or from the balance once settled) and the reader no longer owns it."""

    id: int
    user_id: UserId
    work_id: WorkId
    shop_id: ShopId
    chapter: int
    amount: int
    created_at: Instant
    settled: bool
    refund_tx: int | None

    @property
    def refunded(self) -> bool:
        return self.refund_tx is not None

    @property
    def status(self) -> str:
        return "refunded" if self.refunded else "settled" if self.settled else "pending"


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """A reader's request that the shop refund a purchase: open until the staff refund
    the purchase (granted) or decline it; one per purchase."""

    purchase_id: int
    reason: str
    created_at: Instant
    declined_at: Instant | None

    def state(self, purchase: Purchase) -> str:
        """open, granted (the purchase was refunded) or declined."""
        if purchase.refunded:
            return "granted"
        return "open" if self.declined_at is None else "declined"


@dataclass(frozen=True, slots=True)
class Offer:
    """What the reader is offered at the end of what they may read."""

    next_chapter: int | None  # published, not theirs: its price
    chapter_price: int
    work_price: int | None  # None: no whole-work price, or already theirs


# --- checks of input ---


def check_title(value: str, field: str = "title") -> str:
    line = " ".join(value.split())
    if not line:
        raise InvalidInput(f"{field} is needed.", field=field)
    if len(line) > MAX_TITLE:
        raise TooLarge(f"{field} is too long.", field=field, max_length=MAX_TITLE)
    return line


def check_description(value: str) -> str:
    text = value.strip()
    if len(text) > MAX_DESCRIPTION:
        raise TooLarge("description is too long.", field="description", max_length=MAX_DESCRIPTION)
    return text


def check_chapter(title: str, text: str) -> tuple[str, str]:
    """A chapter's title and text: text kept as written (line breaks are paragraphs),
    stripped of surrounding space, within MAX_CHAPTER_TEXT characters, no NUL."""
    line = " ".join(title.split())
    if not line or len(line) > MAX_TITLE:
        raise ChapterTextInvalid(field="title", max_length=MAX_TITLE)
    body = text.replace("\r\n", "\n").strip()
    if not body or len(body) > MAX_CHAPTER_TEXT or "\x00" in body:
        raise ChapterTextInvalid(field="text", max_length=MAX_CHAPTER_TEXT)
    return line, body


def check_count(value: object, field: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InvalidInput(f"{field} is a whole number from 0 to {most}.", field=field)
    return value


def check_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise SpendingLimitInvalid(max_limit=MAX_LIMIT)
    return value


def check_reason(value: str) -> str:
    """A refund request's reason: optional, one paragraph, within MAX_REASON characters."""
    text = " ".join(value.split())
    if len(text) > MAX_REASON:
        raise TooLarge("reason is too long.", field="reason", max_length=MAX_REASON)
    return text


def check_position(value: object) -> int:
    return check_count(value, "position", 1000)


# --- reading and buying ---


def is_free(work: Work, number: int) -> bool:
    return number <= work.free_chapters


def can_read(work: Work, number: int, owned: Ownership) -> bool:
    return is_free(work, number) or owned.whole or number in owned.chapters


def check_readable(work: Work, number: int, owned: Ownership) -> None:
    if not can_read(work, number, owned):
        raise ChapterLocked(
            work_id=work.id, chapter=number, price=work.chapter_price, work_price=work.work_price
        )


def price_of(work: Work, chapter: int, owned: Ownership, confirmed: int | None) -> int:
    """What buying `chapter` (WHOLE: the whole work) costs this reader; refuses what
    they own or what is free, and a price other than the one they confirmed."""
    if owned.whole:
        if chapter == WHOLE:
            raise WorkAlreadyBought(work_id=work.id)
        raise ChapterAlreadyBought(work_id=work.id, chapter=chapter)
    if chapter == WHOLE:
        if work.work_price is None:
            raise WorkNotForSale(work_id=work.id)
        price = work.work_price
    else:
        if is_free(work, chapter):
            raise ChapterFree(work_id=work.id, chapter=chapter)
        if chapter in owned.chapters:
            raise ChapterAlreadyBought(work_id=work.id, chapter=chapter)
        price = work.chapter_price
    if confirmed is not None and confirmed != price:
        raise PriceChanged(work_id=work.id, price=price)
    return price


def last_readable(work: Work, owned: Ownership) -> int:
    """The last chapter of the unbroken run 1..n this reader may read (0: none)."""
    n = 0
    while n < work.chapters and can_read(work, n + 1, owned):
        n += 1
    return n


def offer(work: Work, owned: Ownership, after: int) -> Offer:
    """At the end of chapter `after`: the next chapter to buy (if published and not
    readable) and the whole work (if it has a price and is not theirs)."""
    nxt = after + 1
    buy_next = nxt if nxt <= work.chapters and not can_read(work, nxt, owned) else None
    whole = None if owned.whole else work.work_price
    return Offer(buy_next, work.chapter_price, whole)


def within_limit(limit: int, spent: int, price: int) -> bool:
    """Whether a reading session with `spent` of `limit` may still pay `price`."""
    return spent + price <= limit


def notice_data(work: Work, chapter: Heading, shop_name: str) -> dict[str, JsonValue]:
    """A new chapter's notice, a template card: {template_id, title, text, url, fields}."""
    return {
        "template_id": "books.chapter_published",
        "title": work.title,
        "text": f"{chapter.number}. {chapter.title}",
        "url": f"#/books/{work.id}/read/{chapter.number}",
        "fields": {
            "work_id": {"value": str(work.id), "color": ""},
            "chapter": {"value": str(chapter.number), "color": ""},
            "shop": {"value": shop_name, "color": ""},
        },
    }


EBOOK_TYPES = {"application/pdf": "pdf", "application/epub+zip": "epub"}


def ebook_format(mime: str, name: str) -> str | None:
    """`pdf` or `epub` for an e-book file (by its type, else its name), None otherwise."""
    found = EBOOK_TYPES.get(mime.split(";")[0].strip().lower())
    if found is not None:
        return found
    lower = name.lower()
    return "pdf" if lower.endswith(".pdf") else "epub" if lower.endswith(".epub") else None
