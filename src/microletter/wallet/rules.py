"""The wallet's values and rules, pure: amounts, the currency, accounts, postings and
their invariants, payment passwords, idempotency keys, transfers. No I/O, no clock.

Theory of operation (the ledger). Money lives in *accounts*: each user's wallet and the
system's own (funding, escrow, settlement, fees, refunds; later rooms add kinds). Every
movement is one *transaction* of two or more *postings*, signed integers of minor units on
distinct accounts, which sum to zero: money is never made or lost, only moved. Funding is
the one account that may go below zero: an operator's credit moves money from it, so its
balance is minus everything ever put into the system. Postings are never changed; a
mistake is undone by a new transaction with the opposite postings (`reversal`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NewType

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.wallet.errors import (
    AmountInvalid,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    PayPasswordInvalid,
)

AccountId = NewType("AccountId", int)
TransactionId = NewType("TransactionId", int)
TransferId = NewType("TransferId", int)

# Account kinds. A string, so that a later room adds its own (say "redpacket") without
# touching this list; only FUNDING may go below zero.
USER = "user"  # a person's wallet, owner = their user id
FUNDING = "funding"  # where operators' credits come from (and debits go back to)
ESCROW = "escrow"  # money on its way: sent transfers not yet accepted
SETTLEMENT = "settlement"  # a merchant's takings, owner = the merchant's id
FEES = "fees"
REFUNDS = "refunds"
WITHDRAWALS = "withdrawals"  # money asked out, held until the provider pays it or not
SYSTEM_OWNER = 0  # the owner of the system's own accounts

SAFE_INTEGER = 2**53 - 1  # the largest amount a JavaScript client reads exactly
PAGE = 50  # statement lines per page
MAX_NOTE = 100  # characters of a transfer's note or a memo line
MAX_REASON = 500
KEY = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, no spaces
PAY_PASSWORD = re.compile(r"[0-9]{6}")

# Currencies by ISO 4217 code, with their exponent (digits after the decimal point).
EXPONENTS = {
    "CNY": 2,
    "HKD": 2,
    "TWD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CHF": 2,
    "SGD": 2,
    "AUD": 2,
    "CAD": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
}


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int

    @classmethod
    def of(cls, code: str) -> Currency:
        """The server's currency by its ISO code (ValueError for one we don't know)."""
        code = code.strip().upper()
        if code not in EXPONENTS:
            raise ValueError(f"unknown currency {code!r}; known: {', '.join(sorted(EXPONENTS))}")
        return cls(code, EXPONENTS[code])

    def format(self, minor: int) -> str:
        """`1234` → `12.34` (CNY): for notes and logs, never parsed back."""
        sign, minor = ("-" if minor < 0 else ""), abs(minor)
        if self.exponent == 0:
            return f"{sign}{minor}"
        whole, part = divmod(minor, 10**self.exponent)
        return f"{sign}{whole}.{part:0{self.exponent}d}"


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a transaction: `amount` (signed minor units) onto `account_id`;
    positive adds to its balance, negative takes from it."""

    account_id: AccountId
    amount: int


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored posting, with the account's balance right after it."""

    transaction_id: TransactionId
    line: int
    account_id: AccountId
    amount: int
    balance_after: int


@dataclass(frozen=True, slots=True)
class Transaction:
    id: TransactionId
    kind: str  # credit, debit, transfer.send, transfer.accept, ..., reversal
    actor_id: UserId | None  # who asked (None: the server, e.g. an expiry)
    memo: str
    ref: str | None  # what it belongs to, e.g. "transfer:<id>"
    reverses: TransactionId | None
    created_at: Instant
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Account:
    id: AccountId
    kind: str
    owner_id: int
    balance: int


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a statement: what one transaction did to one account."""

    transaction_id: TransactionId
    kind: str
    amount: int
    balance_after: int
    memo: str
    ref: str | None
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Something reconcile found wrong: `what` (unbalanced, balance, negative, total)."""

    what: str
    subject: int  # a transaction id or an account id (0 for the total)
    expected: int
    found: int


@dataclass(frozen=True, slots=True)
class Reconciliation:
    transactions: int
    postings: int
    accounts: int
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


class TransferStatus:
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    REFUNDED = "refunded"  # not accepted in time: back to the sender by the scheduler


@dataclass(frozen=True, slots=True)
class Transfer:
    id: TransferId
    conversation_id: ConversationId
    seq: int
    sender_id: UserId
    recipient_id: UserId
    amount: int
    note: str
    status: str
    created_at: Instant
    expires_at: Instant
    settled_at: Instant | None


FundingId = NewType("FundingId", int)
TOPUP, WITHDRAWAL = "topup", "withdrawal"


@dataclass(frozen=True, slots=True)
class FundingRequest:
    """A top-up or a withdrawal, through a provider (the built-in one: an operator
    approves it). `status`: pending, approved, rejected."""

    id: FundingId
    user_id: UserId
    direction: str
    amount: int
    status: str
    created_at: Instant
    decided_at: Instant | None
    decided_by: UserId | None
    transaction_id: TransactionId | None


def check_amount(value: object, most: int) -> int:
    """An amount as a client sent it: a positive int of minor units, at most `most`.
    Floats are refused even when whole (1.0): money is never a float, anywhere."""
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "fractional" if isinstance(value, float) else "not_integer"
        raise AmountInvalid(field="amount", reason=kind)
    if value <= 0:
        raise AmountInvalid(field="amount", reason="not_positive")
    if value > min(most, SAFE_INTEGER):
        raise AmountTooLarge(field="amount", max_amount=min(most, SAFE_INTEGER))
    return value


def check_postings(postings: Sequence[Posting]) -> tuple[Posting, ...]:
    """The postings of one transaction: two or more, on distinct accounts, none zero,
    summing to zero. Returned in account order (the lock order of their rows)."""
    if len(postings) < 2:
        raise ValueError("a transaction has at least two postings")
    if len({p.account_id for p in postings}) != len(postings):
        raise ValueError("a transaction posts to each account at most once")
    for p in postings:
        if isinstance(p.amount, bool) or not isinstance(p.amount, int) or p.amount == 0:
            raise ValueError(f"a posting is a non-zero int, not {p.amount!r}")
    if sum(p.amount for p in postings) != 0:
        raise ValueError("the postings of a transaction sum to zero")
    return tuple(sorted(postings, key=lambda p: p.account_id))


def reversal_of(entries: Sequence[Entry]) -> list[Posting]:
    """The postings that undo a transaction."""
    return [Posting(e.account_id, -e.amount) for e in entries]


def check_key(key: object) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise IdempotencyKeyInvalid(field="idempotency_key")
    return key


def fingerprint(operation: str, body: Mapping[str, object]) -> str:
    """What a request asked for, to tell a replay (same) from a reuse (different) of its
    idempotency key. Secrets (payment tokens) are left out by the caller."""
    text = operation + "|" + "|".join(f"{k}={body[k]!r}" for k in sorted(body))
    return hashlib.sha256(text.encode()).hexdigest()


def check_pay_password(password: object) -> str:
    if not isinstance(password, str) or not PAY_PASSWORD.fullmatch(password):
        raise PayPasswordInvalid(field="pay_password")
    return password


def check_note(note: str) -> str:
    line = " ".join(note.split())
    if len(line) > MAX_NOTE:
        raise TooLarge("The note is too long.", field="note", max_length=MAX_NOTE)
    return line


def check_reason(reason: str) -> str:
    """An operator's reason for a credit or debit: required (it goes to the audit log)."""
    text = reason.strip()
    if not text:
        raise InvalidInput("Say why (the reason goes to the audit log).", field="reason")
    if len(text) > MAX_REASON:
        raise TooLarge("The reason is too long.", field="reason", max_length=MAX_REASON)
    return text


def is_lockable(attempts: int, most: int) -> bool:
    """After `attempts` wrong payment passwords in a row, payments lock."""
    return attempts >= most
