"""Settlement (units of work, both databases): a paid order's money moves once from the
shop's pending account to the merchant's balance, what the credit line owes first.

Lock order (PostgreSQL): a job's row, the order, the shop's credit line, then the wallet
accounts in id order (`post`). Every check is made before the first write, so the job's
handler may answer "already done" by returning: a settlement job run twice settles once.
"""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.merchant.errors import AlreadySettled, NotSettleable
from microletter.merchant.rules import CREDIT_POOL, Settled, split_settlement
from microletter.ports import Reader, Tx
from microletter.shop import PENDING, OrderId, ShopId, Status, load_order, mark_settled
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
COLS = "order_id, amount, repaid, transaction_id, settled_at"


async def lock_line(tx: Tx, shop_id: ShopId) -> int:
    """What the shop's credit line owes, its row locked until commit (made on first use)."""
    await tx.execute(
        "INSERT INTO merchant_lines (shop_id, owed, drawn_at) VALUES ($1, 0, NULL)"
        " ON CONFLICT (shop_id) DO NOTHING",
        shop_id,
    )
    owed = await tx.fetchval("SELECT owed FROM merchant_lines WHERE shop_id=$1 FOR UPDATE", shop_id)
    return int(owed)


async def settle(tx: Tx, oid: OrderId, now: Instant) -> Settled:
    """Settle the order now: AlreadySettled if it was, NotSettleable unless it was
    delivered or fulfilled and not refunded (nothing moves either way)."""
    order = await load_order(tx, oid, lock=True)
    if order.settled:
        raise AlreadySettled(order_id=oid)
    if order.status not in SETTLEABLE:
        raise NotSettleable(order_id=oid, status=order.status)
    shop = ShopId(order.shop_id)
    owed = await lock_line(tx, shop)
    repaid, kept = split_settlement(order.total, owed)
    legs = [Posting(await account(tx, PENDING, shop, now), -order.total)]
    if kept:
        legs.append(Posting(await account(tx, SETTLEMENT, shop, now), kept))
    if repaid:
        legs.append(Posting(await account(tx, CREDIT_POOL, SYSTEM_OWNER, now), repaid))
    moved = await post(tx, "merchant.settle", legs, now, ref=f"shop-order:{oid}")
    if not await mark_settled(tx, oid, moved.id):  # the row is locked: only a bug gets here
        raise AlreadySettled(order_id=oid)
    await tx.execute(
        f"INSERT INTO merchant_settlements (shop_id, {COLS}) VALUES ($1,$2,$3,$4,$5,$6)",
        shop,
        oid,
        order.total,
        repaid,
        moved.id,
        now,
    )
    if repaid:
        await record_repayment(tx, shop, repaid, oid, moved.id, now)
    return Settled(oid, order.total, repaid, moved.id, now)


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
    """The scheduler's SETTLE_JOB: settle the order, or nothing if it was settled or
    refunded meanwhile (a job run twice settles once)."""
    oid = payload.get("order_id")
    if not isinstance(oid, int):
        return
    try:
        await settle(tx, OrderId(oid), now)
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
    return [Settled(int(r[0]), int(r[1]), int(r[2]), int(r[3]), Instant(r[4])) for r in rows]


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
