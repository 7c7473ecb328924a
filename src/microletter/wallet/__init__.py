"""The wallet, a feature room: a double-entry ledger in integer minor units of one
currency, payment passwords and tokens, operators' credits and debits, statements and
receipts, transfers in one-to-one chats, and reconciliation (docs/wallet.md).

rules.py and errors.py (pure), store/ (units of work: ledger, once, payments, transfers;
`WalletStore`), actions.py, routes.py and wire.py. app.py builds it on the one database,
mounts its routes and registers its scheduler jobs.

How another room moves money (red packets, merchant payments, ...): inside ITS OWN unit of
work (`async def fn(tx: Tx, ...)`, run by its store's `writes(...)`), so the money and
the room's rows commit or roll back together:

    from microletter.wallet import (
        ESCROW, SYSTEM_OWNER, Posting, account, post, run_once, spend_token, wallet_of,
    )

    async def send_packet(tx, me, amount, key, fingerprint, token_hash, now):
        async def work():
            await spend_token(tx, me, token_hash, now)   # the payer's payment token
            moved = await post(
                tx,
                "redpacket.send",                          # the transaction's kind
                [Posting(await wallet_of(tx, me, now), -amount),
                 Posting(await account(tx, ESCROW, SYSTEM_OWNER, now), amount)],
                now,
                actor=me, memo="greeting", ref=f"redpacket:{packet_id}",
            )
            ...                                            # the room's own rows
            return {"transaction_id": moved.id}            # JSON: kept with the key
        return await run_once(tx, me, key, fingerprint, now, work)

- `post` checks the postings (two or more, distinct accounts, non-zero ints, summing to
  zero) and raises InsufficientFunds if any account but funding would go below zero;
  raise anything and the whole unit of work rolls back, so nothing moved.
- `run_once` makes the request idempotent per (user, key): a replay returns the first
  result (and False); the same key with another `fingerprint` (rules.fingerprint of the
  request, secrets left out) raises IdempotencyKeyReused.
- Check amounts with `check_amount(value, most)` before (a positive int, never a float).
- A room's own system accounts: `account(tx, "mykind", owner, now)` (made on first use;
  only FUNDING may go below zero). Lock order on PostgreSQL: the key's row, the token's
  row, a job's row, the conversation, then `post` locks the accounts in id order.
- Work to do later (an expiry): `schedule_job(tx, kind, key, payload, due_at, now)` from
  microletter.storage in the same unit of work, and a `JobKind(kind, handler)` given to
  the scheduler in app.py (actions/scheduler.py).
- `reconcile` (a read) checks the whole ledger; corrections are `reverse(tx, tid, ...)`.
- Money of a room's own account leaving through the provider (a merchant's withdrawal):
  `hold_withdrawal(tx, user, amount, source, now)` makes `user`'s withdrawal request
  with the money taken from `source` (see store/funding.py).
"""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.actions.scheduler import JobKind
from microletter.gateway.api import Router
from microletter.wallet.actions import Wallet, WalletSettings, hash_token, reconcile, sweep
from microletter.wallet.errors import (
    AmountInvalid,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentTokenExpired,
    PaymentTokenInvalid,
)
from microletter.wallet.routes import routers
from microletter.wallet.rules import (
    ESCROW,
    FEES,
    FUNDING,
    REFUNDS,
    SETTLEMENT,
    SYSTEM_OWNER,
    USER,
    AccountId,
    Currency,
    FundingId,
    Line,
    Posting,
    Reconciliation,
    Transaction,
    TransactionId,
    check_amount,
    check_key,
    fingerprint,
)
from microletter.wallet.store import WalletStore
from microletter.wallet.store.funding import hold_withdrawal
from microletter.wallet.store.ledger import (
    account,
    accounts_of,
    new_accounts,
    post,
    post_many,
    reverse,
    wallet_of,
)
from microletter.wallet.store.ledger import balance as balance_of
from microletter.wallet.store.ledger import reconcile as reconcile_ledger
from microletter.wallet.store.ledger import statement as statement_of
from microletter.wallet.store.once import Result, run_once
from microletter.wallet.store.payments import spend_token
from microletter.wallet.store.transfers import EXPIRY_JOB, expire_transfer

__all__ = [
    "AmountInvalid",
    "AmountTooLarge",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyReused",
    "PaymentTokenExpired",
    "PaymentTokenInvalid",
    "Result",
    "check_key",
    "hash_token",
    "ESCROW",
    "FEES",
    "FUNDING",
    "JOBS",
    "REFUNDS",
    "SETTLEMENT",
    "SYSTEM_OWNER",
    "USER",
    "AccountId",
    "Currency",
    "FundingId",
    "InsufficientFunds",
    "Line",
    "Posting",
    "Reconciliation",
    "Transaction",
    "TransactionId",
    "Wallet",
    "WalletSettings",
    "WalletStore",
    "account",
    "accounts_of",
    "balance_of",
    "check_amount",
    "fingerprint",
    "hold_withdrawal",
    "mount",
    "new_accounts",
    "open_room",
    "post",
    "post_many",
    "reconcile",
    "reconcile_ledger",
    "reverse",
    "routers",
    "run_once",
    "spend_token",
    "statement_of",
    "sweep",
    "wallet_of",
]

# The scheduler's jobs of this room (app.py registers them).
JOBS = (JobKind(EXPIRY_JOB, expire_transfer),)


def mount(app: web.Application, room: Wallet) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, settings: WalletSettings) -> Wallet:
    return Wallet(ctx, WalletStore(ctx.store.db), settings)
