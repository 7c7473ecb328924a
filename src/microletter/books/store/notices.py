"""A new chapter's notices (units of work, both databases): everyone who bought the
work (or a chapter of it) or has it on their shelf gets a template card from the shop's
account, through the platform's service notifications: a follower of the account in
their conversation with it, as WeChat does; anyone else in their *service
notifications*, unless they muted the account there. `via` in the job's log says which.

The notices are sent by a scheduler job, NOTICE_BATCH readers a run in user id order;
a run that fills its batch schedules the next one after its last reader, so a work with
many readers never makes one huge transaction, and a crash resumes where it stopped.
"""

from __future__ import annotations

import logging

from microletter.books.rules import NOTICE_BATCH, Heading, Work, notice_data
from microletter.books.store.rows import load_headings, load_work
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue, MessageKind
from microletter.platform import Notice, Source, account_source, send_notice
from microletter.ports import Tx
from microletter.storage import schedule_job

log = logging.getLogger(__name__)
NOTICE_JOB = "books.chapter_published"


async def schedule_notices(
    tx: Tx, work: Work, number: int, shop_name: str, after: int, now: Instant
) -> None:
    payload: dict[str, JsonValue] = {
        "work_id": work.id,
        "chapter": number,
        "shop_name": shop_name,
        "after": after,
    }
    await schedule_job(
        tx, NOTICE_JOB, f"{NOTICE_JOB}:{work.id}:{number}:{after}", payload, now, now
    )


async def readers_after(tx: Tx, work: Work, after: int, limit: int) -> list[UserId]:
    """Who bought the work or has it on their shelf, after user id `after`."""
    rows = await tx.fetch(
        "SELECT user_id FROM (SELECT user_id FROM books_purchases WHERE work_id=$1"
        " AND refund_tx IS NULL"
        " UNION SELECT user_id FROM books_shelf WHERE work_id=$1) r"
        " WHERE user_id > $2 ORDER BY user_id LIMIT $3",
        work.id,
        after,
        limit,
    )
    return [UserId(int(r[0])) for r in rows]


async def send_notices(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The notice job: one batch of readers told of the chapter, the next batch scheduled."""
    wid, number, after = payload["work_id"], payload["chapter"], payload.get("after", 0)
    assert isinstance(wid, int) and isinstance(number, int) and isinstance(after, int)
    work = await load_work(tx, wid)
    heading: Heading | None = next(
        (h for h in await load_headings(tx, wid) if h.number == number), None
    )
    if heading is None:
        return
    shop_name = str(payload.get("shop_name", ""))
    readers = await readers_after(tx, work, after, NOTICE_BATCH)
    data = notice_data(work, heading, shop_name)
    shop: Source = await account_source(tx, work.shop_id)
    for uid in readers:
        if uid == work.shop_id:
            continue
        ref = f"books:{work.id}:{number}:{uid}"
        notice = Notice(uid, shop, MessageKind.TEMPLATE, data, ref)
        via = await send_notice(tx, notice, now)
        log.info(
            "books.notice_sent",
            extra={
                "work_id": work.id,
                "chapter": number,
                "user_id": uid,
                "via": via.value,
            },
        )
    if len(readers) == NOTICE_BATCH:
        await schedule_notices(tx, work, number, shop_name, readers[-1], now)
