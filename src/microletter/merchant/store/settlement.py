"""Settlement (units of work, both databases): a paid order's money, or a chapter
purchase's, moves once from the shop's pending account to the merchant's balance, what
the credit line owes first.

Lock order (PostgreSQL): a job's row, the order (or the purchase), the shop's credit
line, then the wallet accounts in id order (`post`). Every check is made before the first
write, so the job's handler may answer "already done" by returning: a settlement job run
twice settles once.
"""

from __future__ import annotations

from microletter.books import PurchaseNotFound, load_purchase, mark_purchase_settled
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.merchant.errors import AlreadySettled, NotSettleable
from microletter.merchant.rules import CREDIT_POOL, ORDER, PURCHASE, Settled, split_settlement
from microletter.ports import Reader, Tx
from microletter.shop import (
    PENDING,
    OrderId,
    OrderNotFound,
    ShopId,
    Status,
    load_order,
    mark_settled,
)
from microletter.wallet import (
    SETTLEMENT,
    SYSTEM_OWNER,
    Posting,
    Result,
    account,
    hold_withdrawal,
    post,
    run_once,
    spend_token,
)

SETTLEABLE = (Status.DELIVERED, Status.FULFILLED, Status.RETURN_REQUESTED, Status.RETURNED)
COLS = "order_id, amount, repaid, transaction_id, settled_at, kind"  # order_id: or a purchase's


async def lock_line(tx: Tx, shop_id: ShopId) -> int:
    """What the shop's credit line owes, its row locked until commit (made on first use)."""
    await tx.execute(
        "INSERT INTO merchant_lines (shop_id, owed, drawn_at) VALUES ($1, 0, NULL)"
        " ON CONFLICT (shop_id) DO NOTHING",
        shop_id,
    )
    owed = await tx.fetchval("SELECT owed FROM merchant_lines WHERE shop_id=$1 FOR UPDATE", shop_id)
    return int(owed)


async def settle(tx: Tx, subject: int, now: Instant) -> Settled:
    """Settle the order, or the chapter purchase, `subject` names now: AlreadySettled if
    it was, NotSettleable unless it was delivered or fulfilled and not refunded (nothing
    moves either way). OrderNotFound if it names neither."""
    try:
        order = await load_order(tx, subject, lock=True)
    except OrderNotFound:
        try:
            return await settle_purchase(tx, subject, now)
        except PurchaseNotFound:
            raise OrderNotFound(order_id=subject) from None
    oid = OrderId(order.id)
    if order.settled:
        raise AlreadySettled(order_id=oid)
    if order.status not in SETTLEABLE:
        raise NotSettleable(order_id=oid, status=order.status)
    done = await _pay_out(tx, ShopId(order.shop_id), order.total, oid, ORDER, now)
    if not await mark_settled(tx, oid, done.transaction_id):  # locked: only a bug gets here
        raise AlreadySettled(order_id=oid)
    return done


async def settle_purchase(tx: Tx, pid: int, now: Instant) -> Settled:
    """Settle a chapter (or whole-work) purchase now, as a fulfilled order: AlreadySettled
    if it was, NotSettleable once refunded (nothing moves either way)."""
    bought = await load_purchase(tx, pid, lock=True)
    if bought.settled:
        raise AlreadySettled(purchase_id=pid)
    if bought.refunded:
        raise NotSettleable(purchase_id=pid, status=bought.status)
    done = await _pay_out(tx, ShopId(bought.shop_id), bought.amount, pid, PURCHASE, now)
    if not await mark_purchase_settled(tx, pid, done.transaction_id):  # locked: a bug
        raise AlreadySettled(purchase_id=pid)
    return done


async def _pay_out(
    tx: Tx, shop: ShopId, amount: int, subject: int, kind: str, now: Instant
) -> Settled:
    """`amount` leaves the shop's pending account: what its credit line owes first, the
    rest to the merchant's balance; the settlement's row (and the repayment's)."""
    owed = await lock_line(tx, shop)
    repaid, kept = split_settlement(amount, owed)
    legs = [Posting(await account(tx, PENDING, shop, now), -amount)]
    if kept:
        legs.append(Posting(await account(tx, SETTLEMENT, shop, now), kept))
    if repaid:
        legs.append(Posting(await account(tx, CREDIT_POOL, SYSTEM_OWNER, now), repaid))
    ref = f"shop-order:{subject}" if kind == ORDER else f"books-purchase:{subject}"
    moved = await post(tx, "merchant.settle", legs, now, ref=ref)
    await tx.execute(
        f"INSERT INTO merchant_settlements (shop_id, {COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        shop,
        subject,
        amount,
        repaid,
        moved.id,
        now,
        kind,
    )
    if repaid:
        await record_repayment(tx, shop, repaid, subject, moved.id, now)
    return Settled(subject, amount, repaid, moved.id, now, kind)


async def record_repayment(
    tx: Tx, shop: ShopId, amount: int, oid: int | None, tid: int, now: Instant
) -> None:
    await tx.execute("UPDATE merchant_lines SET owed=owed-$2 WHERE shop_id=$1", shop, amount)
    await tx.execute(
        "INSERT INTO merchant_repayments (id, shop_id, amount, order_id, transaction_id,"
        " created_at) VALUES ($1,$2,$3,$4,$5,$6)",
        tx.new_id(now),
        shop,
        amount,
        oid,
        tid,
        now,
    )


async def settle_job(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The scheduler's SETTLE_JOB: settle the order (`order_id`) or the chapter purchase
    (`purchase_id`), or nothing if it was settled or refunded meanwhile (a job run twice
    settles once)."""
    oid, pid = payload.get("order_id"), payload.get("purchase_id")
    try:
        if isinstance(oid, int):
            await settle(tx, OrderId(oid), now)
        elif isinstance(pid, int):
            await settle_purchase(tx, pid, now)
    except (AlreadySettled, NotSettleable):
        return  # raised before any write: nothing to undo


async def sales_since(db: Reader, shop: ShopId, since: Instant) -> int:
    """The shop's settled sales since `since` (what its credit limit is a share of)."""
    total = await db.fetchval(
        "SELECT COALESCE(sum(amount), 0) FROM merchant_settlements"
        " WHERE shop_id=$1 AND settled_at >= $2",
        shop,
        since,
    )
    return int(total)


async def settlements(
    db: Reader, shop: ShopId, before: int | None, limit: int = 50
) -> list[Settled]:
    rows = await db.fetch(
        f"SELECT {COLS} FROM merchant_settlements WHERE shop_id=$1 AND order_id < $2"
        " ORDER BY order_id DESC LIMIT $3",
        shop,
        before if before is not None else 1 << 62,
        limit,
    )
    return [Settled(int(r[0]), int(r[1]), int(r[2]), int(r[3]), Instant(r[4]), r[5]) for r in rows]


async def withdraw(
    tx: Tx,
    owner: UserId,
    shop: ShopId,
    amount: int,
    key: str,
    fingerprint: str,
    token_hash: str,
    now: Instant,
) -> tuple[Result, bool]:
    """The shop's owner withdraws `amount` of the merchant's balance through the
    wallet's provider, once per (owner, key), with their payment token:
    InsufficientFunds beyond the balance. A rejected withdrawal comes back to the
    owner's wallet (the wallet's rule for every withdrawal)."""

    async def work() -> Result:
        await spend_token(tx, owner, token_hash, now)
        source = await account(tx, SETTLEMENT, shop, now)
        return {"request_id": await hold_withdrawal(tx, owner, amount, source, now)}

    return await run_once(tx, owner, key, fingerprint, now, work)
