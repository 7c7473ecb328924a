"""The books room's columns and how a row becomes a value (shared by its units of work)."""

from __future__ import annotations

from microletter.books.errors import PurchaseNotFound, WorkNotFound
from microletter.books.rules import (
    NOTHING,
    WHOLE,
    Heading,
    Ownership,
    Progress,
    Purchase,
    ShopId,
    Work,
    WorkId,
)
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Row

WORK_COLS = (
    "w.id, w.shop_id, w.title, w.author, w.description, w.free_chapters, w.chapter_price,"
    " w.work_price, w.chapters, w.created_at, w.updated_at"
)
SHELF_COLS = (
    "s.work_id, s.chapter, s.position, s.auto_purchase, s.spending_limit, s.added_at, s.updated_at"
)

PURCHASE_COLS = (
    "p.id, p.user_id, p.work_id, p.shop_id, p.chapter, p.amount, p.created_at, p.release_tx,"
    " p.refund_tx"
)


def work_of(r: Row) -> Work:
    return Work(
        WorkId(r[0]),
        ShopId(UserId(r[1])),
        r[2],
        r[3],
        r[4],
        int(r[5]),
        int(r[6]),
        None if r[7] is None else int(r[7]),
        int(r[8]),
        Instant(r[9]),
        Instant(r[10]),
    )


def progress_of(r: Row, at: int = 0) -> Progress:
    return Progress(
        WorkId(r[at]),
        int(r[at + 1]),
        int(r[at + 2]),
        bool(r[at + 3]),
        int(r[at + 4]),
        Instant(r[at + 5]),
        Instant(r[at + 6]),
    )


async def load_work(db: Reader, wid: int, *, lock: bool = False) -> Work:
    tail = " FOR UPDATE" if lock else ""
    row = await db.fetchrow(f"SELECT {WORK_COLS} FROM books_works w WHERE w.id=$1{tail}", wid)
    if row is None:
        raise WorkNotFound(work_id=wid)
    return work_of(row)


def purchase_of(r: Row) -> Purchase:
    return Purchase(
        int(r[0]),
        UserId(r[1]),
        WorkId(r[2]),
        ShopId(UserId(r[3])),
        int(r[4]),
        int(r[5]),
        Instant(r[6]),
        r[7] is not None,
        None if r[8] is None else int(r[8]),
    )


async def load_purchase(db: Reader, pid: int, *, lock: bool = False) -> Purchase:
    """The purchase (PurchaseNotFound); `lock`: its row until commit (PostgreSQL)."""
    tail = " FOR UPDATE" if lock else ""
    row = await db.fetchrow(
        f"SELECT {PURCHASE_COLS} FROM books_purchases p WHERE p.id=$1{tail}", pid
    )
    if row is None:
        raise PurchaseNotFound(purchase_id=pid)
    return purchase_of(row)


async def load_ownership(db: Reader, me: UserId, wid: int) -> Ownership:
    """What the reader owns of the work: their purchases not refunded."""
    rows = await db.fetch(
        "SELECT chapter FROM books_purchases WHERE user_id=$1 AND work_id=$2 AND refund_tx IS NULL",
        me,
        wid,
    )
    if not rows:
        return NOTHING
    numbers = {int(r[0]) for r in rows}
    return Ownership(WHOLE in numbers, frozenset(numbers - {WHOLE}))


async def load_headings(db: Reader, wid: int) -> list[Heading]:
    rows = await db.fetch(
        "SELECT number, title, chars, published_at FROM books_chapters WHERE work_id=$1"
        " ORDER BY number",
        wid,
    )
    return [Heading(int(r[0]), r[1], int(r[2]), Instant(r[3])) for r in rows]
