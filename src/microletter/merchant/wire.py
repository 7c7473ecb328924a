"""The merchant room's request and reply bodies (msgspec). Amounts are ints of minor
units; a request's amount is decoded as whatever JSON it is and judged by the wallet's
money rules (never a float)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Short = Annotated[str, Meta(max_length=200)]
Reason = Annotated[str, Meta(max_length=1000)]


class CurrencyWire(Struct):
    code: str
    exponent: int


class CreditWire(Struct):
    sales_90d: int  # settled in the last 90 days
    share_percent: int
    limit: int  # what may be drawn now (0 while anything is owed)
    fee: int  # fixed, added to what a draw owes
    owed: int
    open: bool  # nothing owed: a draw may be made
    drawn_at: int | None


class TermsWire(Struct):
    settle_after_days: float
    cover_premium: int
    claim_amount: int


class FinanceReply(Struct):
    shop_id: int
    pending: int
    balance: int
    credit: CreditWire
    terms: TermsWire
    currency: CurrencyWire


class StatementQuery(Struct, forbid_unknown_fields=True):
    account: Short = "balance"  # balance, pending
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None


class StatementLineWire(Struct):
    transaction_id: int
    kind: str
    amount: int
    balance_after: int
    ref: str | None
    created_at: int


class StatementReply(Struct):
    account: str
    lines: list[StatementLineWire]
    currency: CurrencyWire


class SettlementWire(Struct):
    """One settlement: of an order (`order_id`) or of a chapter or whole-work purchase
    (`purchase_id`), as `kind` says."""

    kind: str  # order, purchase
    order_id: int | None
    purchase_id: int | None
    amount: int
    repaid: int  # to the credit line
    transaction_id: int
    settled_at: int


class SettlementsQuery(Struct, forbid_unknown_fields=True):
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None


class SettlementsReply(Struct):
    settlements: list[SettlementWire]
    currency: CurrencyWire


class SettlementReply(Struct):
    settlement: SettlementWire
    currency: CurrencyWire


class DrawBody(Struct, forbid_unknown_fields=True):
    amount: Any
    idempotency_key: Any = None


class RepayBody(Struct, forbid_unknown_fields=True):
    idempotency_key: Any = None
    amount: Any = None  # None: all that is owed


class CreditReply(Struct):
    credit: CreditWire
    currency: CurrencyWire
    replayed: bool = False


class WithdrawBody(Struct, forbid_unknown_fields=True):
    amount: Any
    idempotency_key: Any = None
    payment_token: Short | None = None


class WithdrawReply(Struct):
    request_id: int
    next: dict[str, Any]
    replayed: bool = False


class ClaimWire(Struct):
    order_id: int
    shop_id: int
    buyer_id: int
    amount: int
    status: str  # waiting, paid
    transaction_id: int | None
    created_at: int
    paid_at: int | None


class ClaimReply(Struct):
    claim: ClaimWire
    currency: CurrencyWire


class ClaimsReply(Struct):
    claims: list[ClaimWire]
    currency: CurrencyWire


class PoolsReply(Struct):
    cover: int
    credit: int
    waiting: list[ClaimWire]
    currency: CurrencyWire


class FundBody(Struct, forbid_unknown_fields=True):
    amount: Any
    reason: Reason
    idempotency_key: Any = None


class FundReply(Struct):
    transaction_id: int
    claims_paid: int
    replayed: bool = False


class FindingWire(Struct):
    what: str
    subject: int
    expected: int
    found: int


class MerchantReconcileReply(Struct):
    ok: bool
    findings: list[FindingWire]
