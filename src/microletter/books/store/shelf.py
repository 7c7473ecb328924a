"""Readers' shelves (units of work, both databases): what is on them, where the reader
is in each work, and their auto-purchase setting. Every change appends a `collection`
event (`bookshelf`) to the reader's own log, so their other devices fetch it again."""

from __future__ import annotations

from microletter.books.rules import PAGE, Ownership, Progress, Work, WorkId
from microletter.books.store.purchases import _shelve
from microletter.books.store.rows import (
    SHELF_COLS,
    WORK_COLS,
    load_ownership,
    load_work,
    progress_of,
    work_of,
)
from microletter.core.events import CollectionChanged
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Tx


async def shelve(tx: Tx, me: UserId, wid: WorkId, now: Instant) -> None:
    await load_work(tx, wid)
    await _shelve(tx, me, wid, now)
    tx.append([(me, CollectionChanged("bookshelf"))], now)


async def unshelve(tx: Tx, me: UserId, wid: WorkId, now: Instant) -> None:
    gone = await tx.execute("DELETE FROM books_shelf WHERE user_id=$1 AND work_id=$2", me, wid)
    if gone:
        tx.append([(me, CollectionChanged("bookshelf"))], now)


async def save_progress(
    tx: Tx,
    me: UserId,
    wid: WorkId,
    chapter: int | None,
    position: int | None,
    auto_purchase: bool | None,
    spending_limit: int | None,
    now: Instant,
) -> Progress:
    """Where I am in a work and/or my auto-purchase setting (the work is shelved)."""
    work = await load_work(tx, wid)
    await _shelve(tx, me, wid, now)
    if chapter is not None:
        chapter = max(1, min(chapter, max(work.chapters, 1)))
    await tx.execute(
        "UPDATE books_shelf SET chapter=COALESCE($3, chapter), position=COALESCE($4, position),"
        " auto_purchase=COALESCE($5, auto_purchase), spending_limit=COALESCE($6, spending_limit),"
        " updated_at=$7 WHERE user_id=$1 AND work_id=$2",
        me,
        wid,
        chapter,
        position,
        auto_purchase,
        spending_limit,
        now,
    )
    tx.append([(me, CollectionChanged("bookshelf"))], now)
    found = await progress(tx, me, wid)
    assert found is not None  # shelved above
    return found


# --- reads ---


async def progress(db: Reader, me: UserId, wid: WorkId) -> Progress | None:
    row = await db.fetchrow(
        f"SELECT {SHELF_COLS} FROM books_shelf s WHERE s.user_id=$1 AND s.work_id=$2", me, wid
    )
    return None if row is None else progress_of(row)


async def shelf(db: Reader, me: UserId) -> list[tuple[Work, Progress]]:
    rows = await db.fetch(
        f"SELECT {WORK_COLS}, {SHELF_COLS} FROM books_shelf s JOIN books_works w"
        " ON w.id=s.work_id WHERE s.user_id=$1 ORDER BY s.updated_at DESC LIMIT $2",
        me,
        PAGE,
    )
    return [(work_of(r), progress_of(r, 11)) for r in rows]


async def ownership(db: Reader, me: UserId, wid: WorkId) -> Ownership:
    return await load_ownership(db, me, wid)
