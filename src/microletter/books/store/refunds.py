"""Readers' refund requests (units of work, both databases): a reader asks, once per
purchase; the shop's staff grant the request by refunding the purchase (sales.refund) or
decline it. The purchase's row is locked first, as a refund and a settlement lock it, so
a request and a refund of one purchase go one after the other: a request never lands on
a purchase refunded a moment before."""

from __future__ import annotations

from microletter.books.errors import (
    PurchaseAlreadyRefunded,
    PurchaseNotFound,
    RefundAlreadyRequested,
    RefundRequestNotFound,
)
from microletter.books.rules import PAGE, Purchase, RefundRequest
from microletter.books.store.rows import PURCHASE_COLS, load_purchase, purchase_of
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Row, Tx

REQUEST_COLS = "r.purchase_id, r.reason, r.created_at, r.declined_at"


def request_of(r: Row, at: int = 0) -> RefundRequest:
    declined = r[at + 3]
    return RefundRequest(
        int(r[at]), r[at + 1], Instant(r[at + 2]), None if declined is None else Instant(declined)
    )


async def ask_refund(tx: Tx, me: UserId, pid: int, reason: str, now: Instant) -> RefundRequest:
    """My request that the shop refund my purchase `pid`: PurchaseNotFound if it is not
    mine, PurchaseAlreadyRefunded, RefundAlreadyRequested (one per purchase, declined or
    not)."""
    found = await load_purchase(tx, pid, lock=True)
    if found.user_id != me:
        raise PurchaseNotFound(purchase_id=pid)
    if found.refunded:
        raise PurchaseAlreadyRefunded(purchase_id=pid)
    made = await tx.execute(
        "INSERT INTO books_refund_requests (purchase_id, user_id, shop_id, reason, created_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (purchase_id) DO NOTHING",
        pid,
        me,
        found.shop_id,
        reason,
        now,
    )
    if not made:
        raise RefundAlreadyRequested(purchase_id=pid)
    return RefundRequest(pid, reason, now, None)


async def decline_refund(tx: Tx, pid: int, actor: UserId, now: Instant) -> RefundRequest:
    """Decline the open request for `pid` (the caller checked the staff):
    RefundRequestNotFound if there is none open (none, declined, or the purchase was
    refunded: granted)."""
    found = await load_purchase(tx, pid, lock=True)
    row = await tx.fetchrow(
        f"SELECT {REQUEST_COLS} FROM books_refund_requests r WHERE r.purchase_id=$1", pid
    )
    if row is None or found.refunded or row[3] is not None:
        raise RefundRequestNotFound(purchase_id=pid)
    await tx.execute(
        "UPDATE books_refund_requests SET declined_at=$2, declined_by=$3 WHERE purchase_id=$1",
        pid,
        now,
        actor,
    )
    return RefundRequest(pid, row[1], Instant(row[2]), now)


async def requests_for(db: Reader, pids: list[int]) -> dict[int, RefundRequest]:
    """The refund requests of these purchases, by purchase id."""
    if not pids:
        return {}
    marks = ",".join(f"${i}" for i in range(1, len(pids) + 1))
    rows = await db.fetch(
        f"SELECT {REQUEST_COLS} FROM books_refund_requests r WHERE r.purchase_id IN ({marks})",
        *pids,
    )
    return {int(r[0]): request_of(r) for r in rows}


async def purchases_of_reader(
    db: Reader, me: UserId, before: int | None, limit: int = PAGE
) -> list[tuple[Purchase, str, RefundRequest | None]]:
    """My chapter and work purchases, newest first, each with its work's title and my
    refund request (`before`: an id to page on)."""
    rows = await db.fetch(
        f"SELECT {PURCHASE_COLS}, w.title, {REQUEST_COLS} FROM books_purchases p"
        " JOIN books_works w ON w.id=p.work_id"
        " LEFT JOIN books_refund_requests r ON r.purchase_id=p.id"
        " WHERE p.user_id=$1 AND p.id < $2 ORDER BY p.id DESC LIMIT $3",
        me,
        before if before is not None else 1 << 62,
        limit,
    )
    width = PURCHASE_COLS.count(",") + 1
    return [
        (
            purchase_of(r),
            r[width],
            None if r[width + 1] is None else request_of(r, width + 1),
        )
        for r in rows
    ]
