"""The shop's side of chapter purchases (units of work, both databases): each purchase's
settlement is scheduled when it is made (the merchant room's SETTLE_JOB settles it and
records it here), the staff list the shop's purchases, and refund one.

A refund takes the purchase's row lock first (as the settlement does), so a refund and a
settlement of one purchase go one after the other: a refund before the settlement takes
the money from pending and cancels the job; one after takes it from the merchant's
balance, never below zero. Then `post` locks the accounts in id order.
"""

from __future__ import annotations

from microletter.books.errors import PurchaseRefundExceedsBalance
from microletter.books.rules import PAGE, Purchase
from microletter.books.store.rows import PURCHASE_COLS, load_purchase, purchase_of
from microletter.core.events import CollectionChanged
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Tx
from microletter.shop import PENDING, SETTLE_JOB
from microletter.storage import cancel_job, schedule_job
from microletter.wallet import SETTLEMENT, Posting, account, balance_of, post, wallet_of


def settle_key(pid: int) -> str:
    return f"{SETTLE_JOB}:purchase:{pid}"


async def schedule_settlement(tx: Tx, pid: int, settle_ms: int, now: Instant) -> None:
    """The purchase's money moves from pending to the merchant's balance `settle_ms`
    from now (the merchant room's SETTLE_JOB), once per purchase."""
    due = Instant(now + settle_ms)
    await schedule_job(tx, SETTLE_JOB, settle_key(pid), {"purchase_id": pid}, due, now)


async def mark_purchase_settled(tx: Tx, pid: int, settled_tx: int) -> bool:
    """Record the transaction that settled the purchase (the merchant room's), once:
    False if it was settled or refunded before."""
    return bool(
        await tx.execute(
            "UPDATE books_purchases SET release_tx=$2 WHERE id=$1 AND release_tx IS NULL"
            " AND refund_tx IS NULL",
            pid,
            settled_tx,
        )
    )


async def refund(tx: Tx, pid: int, actor: UserId, now: Instant) -> tuple[Purchase, bool]:
    """Give the purchase's money back to its reader, once: (the purchase, whether it was
    refunded now). From pending before its settlement, from the merchant's balance after
    it (PurchaseRefundExceedsBalance if that is lower: nothing moves)."""
    found = await load_purchase(tx, pid, lock=True)
    if found.refunded:
        return found, False
    if found.settled:
        source = SETTLEMENT
        held = await balance_of(tx, SETTLEMENT, found.shop_id)
        if held < found.amount:
            raise PurchaseRefundExceedsBalance(purchase_id=pid, balance=held, total=found.amount)
    else:
        source = PENDING
        await cancel_job(tx, settle_key(pid), now)
    moved = await post(
        tx,
        "books.refund",
        [
            Posting(await account(tx, source, found.shop_id, now), -found.amount),
            Posting(await wallet_of(tx, found.user_id, now), found.amount),
        ],
        now,
        actor=actor,
        ref=f"books-purchase:{pid}",
    )
    await tx.execute("UPDATE books_purchases SET refund_tx=$2 WHERE id=$1", pid, moved.id)
    tx.append([(found.user_id, CollectionChanged("bookshelf"))], now)
    return await load_purchase(tx, pid), True


async def purchases_of_shop(
    db: Reader, shop_id: int, before: int | None, limit: int = PAGE
) -> list[Purchase]:
    """The shop's chapter and work purchases, newest first (`before`: an id to page on)."""
    rows = await db.fetch(
        f"SELECT {PURCHASE_COLS} FROM books_purchases p WHERE p.shop_id=$1 AND p.id < $2"
        " ORDER BY p.id DESC LIMIT $3",
        shop_id,
        before if before is not None else 1 << 62,
        limit,
    )
    return [purchase_of(r) for r in rows]


async def sales_of_shop(db: Reader, shop_id: int) -> list[tuple[int, int, int, int]]:
    """Each of the shop's works that sold: (work id, purchases not refunded, what they
    brought, purchases refunded). Reads every purchase of the shop (its index by shop):
    a merchant's page, not a hot path."""
    rows = await db.fetch(
        "SELECT work_id, SUM(CASE WHEN refund_tx IS NULL THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN refund_tx IS NULL THEN amount ELSE 0 END),"
        " SUM(CASE WHEN refund_tx IS NULL THEN 0 ELSE 1 END)"
        " FROM books_purchases WHERE shop_id=$1 GROUP BY work_id ORDER BY work_id",
        shop_id,
    )
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
