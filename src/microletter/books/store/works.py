"""Works and chapters (units of work, both databases): a shop's staff make works and
publish chapters; a published chapter schedules its readers' notices (notices.py)."""

from __future__ import annotations

from microletter.books.errors import ChapterNotFound, WorkNotFound
from microletter.books.rules import (
    MAX_CHAPTERS,
    PAGE,
    Chapter,
    Heading,
    ShopId,
    Work,
    WorkId,
)
from microletter.books.store.notices import schedule_notices
from microletter.books.store.rows import WORK_COLS, load_headings, load_work, work_of
from microletter.core.errors import TooLarge
from microletter.core.models import Instant
from microletter.ports import Reader, Tx


async def save_work(
    tx: Tx,
    wid: WorkId | None,
    shop_id: ShopId,
    title: str,
    author: str,
    description: str,
    free_chapters: int,
    chapter_price: int,
    work_price: int | None,
    now: Instant,
) -> Work:
    """Make a work (wid None) or change one of this shop's (WorkNotFound otherwise)."""
    if wid is None:
        wid = WorkId(tx.new_id(now))
        await tx.execute(
            "INSERT INTO books_works (id, shop_id, title, author, description, free_chapters,"
            " chapter_price, work_price, chapters, created_at, updated_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,0,$9,$9)",
            wid,
            shop_id,
            title,
            author,
            description,
            free_chapters,
            chapter_price,
            work_price,
            now,
        )
        return await load_work(tx, wid)
    work = await load_work(tx, wid, lock=True)
    if work.shop_id != shop_id:
        raise WorkNotFound(work_id=wid)  # not this shop's: as if there were none
    await tx.execute(
        "UPDATE books_works SET title=$2, author=$3, description=$4, free_chapters=$5,"
        " chapter_price=$6, work_price=$7, updated_at=$8 WHERE id=$1",
        wid,
        title,
        author,
        description,
        free_chapters,
        chapter_price,
        work_price,
        now,
    )
    return await load_work(tx, wid)


async def publish_chapter(
    tx: Tx, shop_id: ShopId, wid: WorkId, title: str, text: str, shop_name: str, now: Instant
) -> Heading:
    """The work's next chapter, published now; its readers' notices are scheduled in
    the same transaction (sent by the notice job, in batches)."""
    work = await load_work(tx, wid, lock=True)
    if work.shop_id != shop_id:
        raise WorkNotFound(work_id=wid)
    number = work.chapters + 1
    if number > MAX_CHAPTERS:
        raise TooLarge("The work has too many chapters.", max_items=MAX_CHAPTERS)
    await tx.execute(
        "INSERT INTO books_chapters (work_id, number, title, text, chars, published_at)"
        " VALUES ($1,$2,$3,$4,$5,$6)",
        wid,
        number,
        title,
        text,
        len(text),
        now,
    )
    await tx.execute(
        "UPDATE books_works SET chapters=$2, updated_at=$3 WHERE id=$1", wid, number, now
    )
    heading = Heading(number, title, len(text), now)
    await schedule_notices(tx, work, number, shop_name, 0, now)
    return heading


# --- reads ---


async def work(db: Reader, wid: WorkId) -> Work:
    return await load_work(db, wid)


async def works_of_shop(db: Reader, shop_id: ShopId) -> list[Work]:
    rows = await db.fetch(
        f"SELECT {WORK_COLS} FROM books_works w WHERE w.shop_id=$1 ORDER BY w.id DESC LIMIT $2",
        shop_id,
        PAGE,
    )
    return [work_of(r) for r in rows]


async def headings(db: Reader, wid: WorkId) -> list[Heading]:
    return await load_headings(db, wid)


async def chapter(db: Reader, wid: WorkId, number: int) -> Chapter:
    row = await db.fetchrow(
        "SELECT title, text, published_at FROM books_chapters WHERE work_id=$1 AND number=$2",
        wid,
        number,
    )
    if row is None:
        raise ChapterNotFound(work_id=wid, chapter=number)
    return Chapter(wid, number, row[0], row[1], Instant(row[2]))
