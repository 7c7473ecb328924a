"""A new chapter's notices (units of work, both databases): everyone who bought the
work (or a chapter of it) or has it on their shelf gets a template card from the shop's
account, in their conversation with the account.

A follower of the account gets it in that conversation, as WeChat does. Anyone else
would get it in their *service notifications*; microletter has no such conversation yet,
so it goes to the same conversation with the account, opened without following (as the
shop's order cards are): `via` in the job's log says which it would have been.

The notices are sent by a scheduler job, NOTICE_BATCH readers a run in user id order;
a run that fills its batch schedules the next one after its last reader, so a work with
many readers never makes one huge transaction, and a crash resumes where it stopped.
"""

from __future__ import annotations

import logging

from microletter.books.rules import NOTICE_BATCH, Heading, Work, notice_data
from microletter.books.store.rows import load_headings, load_work
from microletter.core.ids import UserId
from microletter.core.messages import Draft
from microletter.core.models import Instant, JsonValue, MessageKind
from microletter.platform import open_conversation
from microletter.ports import Tx
from microletter.storage import post_message, schedule_job

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


async def is_following(tx: Tx, account_id: UserId, uid: UserId) -> bool:
    found = await tx.fetchval(
        "SELECT following FROM oa_followers WHERE account_id=$1 AND user_id=$2", account_id, uid
    )
    return bool(found)


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
    for uid in readers:
        if uid == work.shop_id:
            continue
        following = await is_following(tx, work.shop_id, uid)
        cid = await open_conversation(tx, work.shop_id, uid, now)
        ref = f"books:{work.id}:{number}:{uid}"
        await post_message(
            tx, Draft(cid, work.shop_id, ref, MessageKind.TEMPLATE, None, data=data), now
        )
        log.info(
            "books.notice_sent",
            extra={
                "work_id": work.id,
                "chapter": number,
                "user_id": uid,
                "via": "account" if following else "service_fallback",
            },
        )
    if len(readers) == NOTICE_BATCH:
        await schedule_notices(tx, work, number, shop_name, readers[-1], now)
