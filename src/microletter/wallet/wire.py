"""The wallet's request and reply bodies (msgspec). Amounts are ints of minor units; a
request's `amount` is decoded as whatever JSON it is and judged by rules.check_amount,
so a float or a string gets `wallet.amount_invalid` rather than a generic error."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Key = Annotated[str, Meta(max_length=200)]


class CurrencyWire(Struct):
    code: str
    exponent: int


class WalletReply(Struct):
    balance: int
    currency: CurrencyWire
    has_pay_password: bool
    locked_until: int | None


class LineWire(Struct):
    transaction_id: int
    kind: str
    amount: int
    balance_after: int
    memo: str
    ref: str | None
    created_at: int


class StatementReply(Struct):
    lines: list[LineWire]
    currency: CurrencyWire


class StatementQuery(Struct, forbid_unknown_fields=True):
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None


class EntryWire(Struct):
    account_id: int
    account_kind: str
    amount: int
    balance_after: int | None  # only for your own account (operators: every one)


class ReceiptWire(Struct):
    id: int
    kind: str
    amount: int  # what it did to your wallet (0 if it did not touch it)
    memo: str
    ref: str | None
    actor_id: int | None
    reverses: int | None
    created_at: int
    entries: list[EntryWire]


class ReceiptReply(Struct):
    transaction: ReceiptWire
    currency: CurrencyWire
    replayed: bool = False


class PayPasswordBody(Struct, forbid_unknown_fields=True):
    login_password: Annotated[str, Meta(max_length=1024)]
    pay_password: Any


class VerifyBody(Struct, forbid_unknown_fields=True):
    pay_password: Any


class TokenReply(Struct):
    payment_token: str
    expires_at: int


class AdjustBody(Struct, forbid_unknown_fields=True):
    amount: Any
    reason: Annotated[str, Meta(max_length=2000)]
    idempotency_key: Any = None


class TransferBody(Struct, forbid_unknown_fields=True):
    amount: Any
    idempotency_key: Any = None
    payment_token: Annotated[str, Meta(max_length=200)] | None = None
    note: Annotated[str, Meta(max_length=1000)] = ""


class SettleBody(Struct, forbid_unknown_fields=True):
    idempotency_key: Any = None


class TransferWire(Struct):
    id: int
    conversation_id: int
    seq: int
    sender_id: int
    recipient_id: int
    amount: int
    note: str
    status: str
    created_at: int
    expires_at: int
    settled_at: int | None


class TransferReply(Struct):
    transfer: TransferWire
    currency: CurrencyWire
    replayed: bool = False


class MismatchWire(Struct):
    what: str
    subject: int
    expected: int
    found: int


class ReconcileReply(Struct):
    ok: bool
    transactions: int
    postings: int
    accounts: int
    mismatches: list[MismatchWire]


class FundingBody(Struct, forbid_unknown_fields=True):
    amount: Any
    idempotency_key: Any = None
    payment_token: Annotated[str, Meta(max_length=200)] | None = None  # withdrawals


class DecideBody(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=2000)]
    idempotency_key: Any = None


class FundingWire(Struct):
    id: int
    user_id: int
    direction: str
    amount: int
    status: str
    created_at: int
    decided_at: int | None
    transaction_id: int | None


class FundingReply(Struct):
    request: FundingWire
    currency: CurrencyWire
    next: dict[str, Any] | None = None
    replayed: bool = False


class FundingListReply(Struct):
    requests: list[FundingWire]
    currency: CurrencyWire


class FundingQuery(Struct, forbid_unknown_fields=True):
    status: Annotated[str, Meta(pattern="^(pending|approved|rejected)$")] | None = None
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None  # a request's id: older ones
    limit: Annotated[int, Meta(ge=1, le=100)] = 100
