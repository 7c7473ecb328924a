"""The merchant room's values and rules, pure: the terms an operator sets (settlement
delay, cover premium and claim, the credit line's share and fee), the credit line's
limit and what a settlement repays. No I/O, no clock.

Theory of operation (the merchant's money). A paid order's money waits in the shop's
pending account, as does a chapter purchase's (the books room). SETTLE_JOB, scheduled
by the shop at delivery (goods) or checkout (digital), and by the books room at each
purchase (fulfilled at once), moves it `settle_after` later:

    pending ──settle──▶ credit pool   (what the credit line still owes, first)
                   └──▶ settlement    (the rest: the merchant's balance, withdrawable)

A credit line lends from the credit pool (which operators fund) into the balance: up
to `share_percent` of the last 90 days' settled sales, while nothing is owed (one draw
at a time; owed = amount + fixed fee). Settlements repay it; so may the merchant, from
the balance. Owing nothing, the line is open again.

Return-shipping cover: a premium paid at checkout into the cover pool (operators fund
it too). A covered order that comes back (`returned`) has one claim: `claim_amount`
from the pool to the buyer, paid at once if the pool can, else `waiting` until it can.
"""

from __future__ import annotations

from dataclasses import dataclass

from microletter.core.errors import InvalidInput
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.merchant.errors import (
    CreditLineInUse,
    CreditOverLimit,
    NothingOwed,
    PoolInvalid,
)

CREDIT_POOL = "merchant.credit_pool"  # the system's: what credit lines lend
TRAILING_MS = 90 * 86_400_000  # the sales a credit line's limit is a share of
WAITING, PAID = "waiting", "paid"
COVER, CREDIT = "cover", "credit"  # the pools an operator funds
ORDER, PURCHASE = "order", "purchase"  # what a settlement settled
DAY_MS = 86_400_000
SAFE_INTEGER = 2**53 - 1  # the largest amount a JavaScript client reads exactly
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Terms:
    """What the operator sets (MICROLETTER_MERCHANT_*)."""

    settle_after_ms: int = 7 * DAY_MS
    cover_premium: int = 300  # minor units per covered order (0: cover not offered)
    claim_amount: int = 1200  # paid to the buyer for a covered return
    credit_share_percent: int = 20  # of 90 days of settled sales
    credit_fee: int = 500  # fixed, per draw


@dataclass(frozen=True, slots=True)
class CreditLine:
    sales: int  # settled in the last 90 days
    limit: int  # what may be drawn now (0 while anything is owed)
    owed: int
    fee: int
    share_percent: int
    drawn_at: Instant | None

    @property
    def open(self) -> bool:
        return self.owed == 0


@dataclass(frozen=True, slots=True)
class Claim:
    order_id: int
    shop_id: int
    buyer_id: UserId
    amount: int
    status: str  # waiting, paid
    transaction_id: int | None
    created_at: Instant
    paid_at: Instant | None


@dataclass(frozen=True, slots=True)
class Settled:
    order_id: int  # the order's id, or the chapter purchase's (kind)
    amount: int
    repaid: int  # of it, to the credit line
    transaction_id: int
    settled_at: Instant
    kind: str = "order"  # ORDER, PURCHASE


@dataclass(frozen=True, slots=True)
class Finding:
    """A disagreement reconcile found between the room's rows and the ledger."""

    what: str  # pending, cover_pool, credit_pool, credit_line, settlement
    subject: int  # a shop, an order, or 0 for a system pool
    expected: int
    found: int


def credit_limit(sales: int, share_percent: int) -> int:
    """The most a line lends on `sales` (rounded down to the minor unit)."""
    return max(0, sales) * share_percent // 100


def line_of(sales: int, owed: int, terms: Terms, drawn_at: Instant | None = None) -> CreditLine:
    limit = credit_limit(sales, terms.credit_share_percent) if owed == 0 else 0
    return CreditLine(sales, limit, owed, terms.credit_fee, terms.credit_share_percent, drawn_at)


def check_draw(line: CreditLine, amount: int) -> int:
    """What the draw of `amount` will owe (amount + the fee): CreditLineInUse while
    anything is owed, CreditOverLimit above the limit."""
    if not line.open:
        raise CreditLineInUse(owed=line.owed)
    if amount > line.limit:
        raise CreditOverLimit(amount=amount, limit=line.limit, sales=line.sales)
    return amount + line.fee


def check_repay(owed: int, amount: int | None) -> int:
    """What a repayment takes from the balance: `amount`, or everything owed."""
    if owed == 0 or (amount is not None and amount > owed):
        raise NothingOwed(owed=owed)
    return owed if amount is None else amount


def split_settlement(total: int, owed: int) -> tuple[int, int]:
    """(to the credit line, to the balance) of an order's `total`."""
    repaid = min(max(owed, 0), total)
    return repaid, total - repaid


def check_pool(pool: str) -> str:
    if pool not in (COVER, CREDIT):
        raise PoolInvalid(pool=pool)
    return pool


def check_reason(reason: str) -> str:
    """An operator's reason for funding a pool (the audit log): needed, one line."""
    line = " ".join(reason.split())
    if not line or len(line) > MAX_REASON:
        raise InvalidInput(f"A reason is 1-{MAX_REASON} characters.", field="reason")
    return line
