"""Return-shipping cover and the pools (units of work, both databases): a covered,
returned order's one claim, paid from the cover pool at once if it can, else waiting
(oldest first) until an operator's funding or the next sweep can pay it; and operators'
fundings of the cover and credit pools, each a ledger posting with its reason.

The pool's balance is read before its posting (nothing is ever posted that the pool
cannot pay, so a claim that cannot be paid simply waits). On PostgreSQL two claims may
read the same balance; the second's `post` then refuses (InsufficientFunds) and its
transaction rolls back: the job runs again later, and its claim then waits.
"""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.merchant.errors import ClaimExists, ClaimNotDue, ClaimNotFound, NotCovered
from microletter.merchant.rules import COVER, CREDIT_POOL, PAID, WAITING, Claim
from microletter.ports import Reader, Row, Tx
from microletter.shop import COVER_POOL, OrderId, ShopId, Status, load_order
from microletter.wallet import (
    FUNDING,
    SYSTEM_OWNER,
    Posting,
    Result,
    account,
    balance_of,
    post,
    run_once,
    wallet_of,
)

COLS = "order_id, shop_id, buyer_id, amount, status, transaction_id, created_at, paid_at"


async def file_claim(
    tx: Tx, oid: OrderId, amount: int, now: Instant, *, returned: bool = False
) -> Claim:
    """The order's claim, made once (ClaimExists after), paid now if the pool can.
    NotCovered without cover; ClaimNotDue before the shop confirmed the return
    (`returned`: the caller knows it did, as the RETURNED_JOB does)."""
    order = await load_order(tx, oid, lock=True)
    if not order.covered:
        raise NotCovered(order_id=oid)
    if await tx.fetchval("SELECT 1 FROM merchant_claims WHERE order_id=$1", oid) is not None:
        raise ClaimExists(order_id=oid)
    if order.status != Status.RETURNED and not returned:
        raise ClaimNotDue(order_id=oid, status=order.status)
    await tx.execute(
        f"INSERT INTO merchant_claims ({COLS}) VALUES ($1,$2,$3,$4,$5,NULL,$6,NULL)",
        oid,
        order.shop_id,
        order.buyer_id,
        amount,
        WAITING,
        now,
    )
    await _pay_if_can(tx, oid, order.buyer_id, amount, now)
    return await claim(tx, oid)


async def _pay_if_can(tx: Tx, oid: int, buyer: UserId, amount: int, now: Instant) -> bool:
    if await balance_of(tx, COVER_POOL, SYSTEM_OWNER) < amount:
        return False
    moved = await post(
        tx,
        "merchant.claim",
        [
            Posting(await account(tx, COVER_POOL, SYSTEM_OWNER, now), -amount),
            Posting(await wallet_of(tx, buyer, now), amount),
        ],
        now,
        ref=f"shop-order:{oid}",
    )
    await tx.execute(
        "UPDATE merchant_claims SET status=$2, transaction_id=$3, paid_at=$4"
        " WHERE order_id=$1 AND status=$5",
        oid,
        PAID,
        moved.id,
        now,
        WAITING,
    )
    return True


async def returned_job(tx: Tx, payload: dict[str, JsonValue], amount: int, now: Instant) -> None:
    """The scheduler's RETURNED_JOB: the returned order's claim (nothing if it exists)."""
    oid = payload.get("order_id")
    if not isinstance(oid, int):
        return
    try:
        await file_claim(tx, OrderId(oid), amount, now, returned=True)
    except (ClaimExists, NotCovered):
        return  # raised before any write


async def pay_waiting(tx: Tx, now: Instant, limit: int = 100) -> int:
    """Pay waiting claims, oldest first, while the pool can: how many were paid."""
    rows = await tx.fetch(
        "SELECT order_id, buyer_id, amount FROM merchant_claims WHERE status=$1"
        " ORDER BY created_at, order_id LIMIT $2",
        WAITING,
        limit,
    )
    paid = 0
    for r in rows:
        if not await _pay_if_can(tx, int(r[0]), UserId(r[1]), int(r[2]), now):
            break
        paid += 1
    return paid


async def fund_pool(
    tx: Tx,
    operator: UserId,
    pool: str,
    amount: int,
    reason: str,
    key: str,
    fingerprint: str,
    now: Instant,
) -> tuple[Result, bool]:
    """An operator puts `amount` into the cover or credit pool (from funding, with a
    reason), once per (operator, key); a funded cover pool pays waiting claims."""

    async def work() -> Result:
        kind = COVER_POOL if pool == COVER else CREDIT_POOL
        moved = await post(
            tx,
            "merchant.pool_fund",
            [
                Posting(await account(tx, FUNDING, SYSTEM_OWNER, now), -amount),
                Posting(await account(tx, kind, SYSTEM_OWNER, now), amount),
            ],
            now,
            actor=operator,
            memo=reason[:100],
            ref=f"merchant-pool:{pool}",
        )
        await tx.execute(
            "INSERT INTO merchant_pool_fundings (id, pool, amount, reason, operator_id,"
            " transaction_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            tx.new_id(now),
            pool,
            amount,
            reason,
            operator,
            moved.id,
            now,
        )
        paid = await pay_waiting(tx, now) if pool == COVER else 0
        return {"transaction_id": moved.id, "claims_paid": paid}

    return await run_once(tx, operator, key, fingerprint, now, work)


def _claim_of(r: Row) -> Claim:
    return Claim(
        int(r[0]),
        ShopId(r[1]),
        UserId(r[2]),
        int(r[3]),
        r[4],
        None if r[5] is None else int(r[5]),
        Instant(r[6]),
        None if r[7] is None else Instant(r[7]),
    )


async def claim(db: Reader, oid: int) -> Claim:
    row = await db.fetchrow(f"SELECT {COLS} FROM merchant_claims WHERE order_id=$1", oid)
    if row is None:
        raise ClaimNotFound(order_id=oid)
    return _claim_of(row)


async def claims(
    db: Reader, status: str | None, buyer: UserId | None, shop: ShopId | None, limit: int = 100
) -> list[Claim]:
    """Claims newest first: by status (operators), a buyer's, or a shop's."""
    rows = await db.fetch(
        f"SELECT {COLS} FROM merchant_claims WHERE ($1::text IS NULL OR status=$1)"
        " AND ($2::bigint IS NULL OR buyer_id=$2) AND ($3::bigint IS NULL OR shop_id=$3)"
        " ORDER BY order_id DESC LIMIT $4",
        status,
        buyer,
        shop,
        limit,
    )
    return [_claim_of(r) for r in rows]
