"""The credit line (units of work, both databases): a draw from the credit pool into the
merchant's balance, and repayments from the balance back to the pool. The line's row
(`merchant_lines`) is locked first, so two draws at once on PostgreSQL cannot both
find it open; then `post` locks the accounts in id order.
"""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.merchant.errors import CreditPoolShort
from microletter.merchant.rules import (
    CREDIT_POOL,
    TRAILING_MS,
    CreditLine,
    Terms,
    check_draw,
    check_repay,
    line_of,
)
from microletter.merchant.store.settlement import lock_line, record_repayment, sales_since
from microletter.ports import Reader, Tx
from microletter.shop import ShopId
from microletter.storage import snapshot
from microletter.wallet import (
    SETTLEMENT,
    SYSTEM_OWNER,
    Posting,
    Result,
    account,
    balance_of,
    post,
    run_once,
)


@snapshot
async def credit_line(db: Reader, shop: ShopId, terms: Terms, now: Instant) -> CreditLine:
    """The line as the merchant sees it before a draw: its limit, fee and what is owed."""
    row = await db.fetchrow("SELECT owed, drawn_at FROM merchant_lines WHERE shop_id=$1", shop)
    owed, drawn_at = (0, None) if row is None else (int(row[0]), row[1])
    sales = await sales_since(db, shop, Instant(now - TRAILING_MS))
    return line_of(sales, owed, terms, None if drawn_at is None else Instant(drawn_at))


async def draw(
    tx: Tx,
    actor: UserId,
    shop: ShopId,
    amount: int,
    terms: Terms,
    key: str,
    fingerprint: str,
    now: Instant,
) -> tuple[Result, bool]:
    """Lend `amount` from the credit pool to the merchant's balance, once per (actor,
    key): CreditLineInUse while anything is owed, CreditOverLimit above the limit,
    CreditPoolShort if the pool cannot lend it; the line then owes amount + fee."""

    async def work() -> Result:
        owed = await lock_line(tx, shop)
        sales = await sales_since(tx, shop, Instant(now - TRAILING_MS))
        owes = check_draw(line_of(sales, owed, terms), amount)
        if await balance_of(tx, CREDIT_POOL, SYSTEM_OWNER) < amount:
            raise CreditPoolShort(amount=amount)
        moved = await post(
            tx,
            "merchant.credit_draw",
            [
                Posting(await account(tx, CREDIT_POOL, SYSTEM_OWNER, now), -amount),
                Posting(await account(tx, SETTLEMENT, shop, now), amount),
            ],
            now,
            actor=actor,
            ref=f"merchant-credit:{shop}",
        )
        await tx.execute(
            "UPDATE merchant_lines SET owed=$2, drawn_at=$3 WHERE shop_id=$1", shop, owes, now
        )
        did = tx.new_id(now)
        await tx.execute(
            "INSERT INTO merchant_draws (id, shop_id, amount, fee, actor_id, transaction_id,"
            " created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            did,
            shop,
            amount,
            owes - amount,
            actor,
            moved.id,
            now,
        )
        return {"draw_id": did, "transaction_id": moved.id, "owed": owes}

    return await run_once(tx, actor, key, fingerprint, now, work)


async def repay(
    tx: Tx,
    actor: UserId,
    shop: ShopId,
    amount: int | None,
    key: str,
    fingerprint: str,
    now: Instant,
) -> tuple[Result, bool]:
    """Repay `amount` (None: all that is owed) from the merchant's balance, once per
    (actor, key): NothingOwed, or InsufficientFunds beyond the balance."""

    async def work() -> Result:
        owed = await lock_line(tx, shop)
        take = check_repay(owed, amount)
        moved = await post(
            tx,
            "merchant.credit_repay",
            [
                Posting(await account(tx, SETTLEMENT, shop, now), -take),
                Posting(await account(tx, CREDIT_POOL, SYSTEM_OWNER, now), take),
            ],
            now,
            actor=actor,
            ref=f"merchant-credit:{shop}",
        )
        await record_repayment(tx, shop, take, None, moved.id, now)
        return {"transaction_id": moved.id, "owed": owed - take}

    return await run_once(tx, actor, key, fingerprint, now, work)
