"""The wallet's actions: the only writers of money. Each checks its input with rules.py,
runs one unit of work (the ledger's checks inside it), then publishes after commit.

Paying is two steps: `verify_pay_password` (argon2id, off the event loop, counted
against the lock) gives a short-lived payment token; the payment spends it inside its own
transaction. So the argon2 cost is paid once per payment flow, not on the money path.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.actions.moderation import access_operator
from microletter.core.errors import BadCredentials
from microletter.core.events import Outcome
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant, JsonValue, Principal
from microletter.core.moderation import is_operator
from microletter.wallet import rules
from microletter.wallet.errors import (
    PaymentTokenInvalid,
    PayPasswordWrong,
    WalletLocked,
    WalletTransactionNotFound,
)
from microletter.wallet.provider import FundingProvider, OperatorApproval
from microletter.wallet.rules import (
    USER,
    WITHDRAWAL,
    Account,
    AccountId,
    Currency,
    FundingId,
    FundingRequest,
    Line,
    Reconciliation,
    Transaction,
    TransactionId,
    Transfer,
    TransferId,
)
from microletter.wallet.store import WalletStore
from microletter.wallet.store.once import Result

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WalletSettings:
    currency: Currency = field(default_factory=lambda: Currency.of("CNY"))
    max_amount: int = 5_000_000  # minor units in one payment (50,000.00 CNY)
    token_ms: int = 5 * 60_000  # a payment token's life
    lock_ms: int = 3 * 3600_000  # payments locked after too many wrong passwords
    attempts: int = 5  # wrong payment passwords in a row before the lock
    transfer_expiry_ms: int = 24 * 3600_000  # an unaccepted transfer is refunded after
    key_ms: int = 48 * 3600_000  # idempotency keys are kept at least this long


@dataclass(frozen=True, slots=True)
class Overview:
    balance: int
    currency: Currency
    has_pay_password: bool
    locked_until: Instant | None


@dataclass
class Wallet:
    """The room as app.py builds it: the core's context, the room's store, its settings
    and the top-up/withdrawal provider."""

    ctx: Context
    store: WalletStore
    settings: WalletSettings
    provider: FundingProvider = field(default_factory=OperatorApproval)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def overview(room: Wallet, me: Principal) -> Overview:
    now = room.ctx.clock()
    balance = await room.store.balance(USER, me.user_id)
    pay = await room.store.pay_password(me.user_id)
    locked = pay is not None and pay[2] > now
    return Overview(
        balance,
        room.settings.currency,
        pay is not None,
        Instant(pay[2]) if pay is not None and locked else None,
    )


async def _is_operator(room: Wallet, me: Principal) -> bool:
    user = await room.ctx.store.user(me.user_id)
    return is_operator(user.username, room.ctx.operators)


async def statement(
    room: Wallet, me: Principal, before: int | None, user_id: UserId | None = None
) -> list[Line]:
    """My wallet's movements, newest first; an operator may ask for anyone's."""
    owner = me.user_id
    if user_id is not None and user_id != me.user_id:
        await access_operator(room.ctx, me)
        await room.ctx.store.user(user_id)  # UserNotFound
        owner = user_id
    return await room.store.statement(USER, owner, before)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A transaction as one person sees it: `mine` is their wallet's id, `operator`
    whether they see every account's balance."""

    transaction: Transaction
    accounts: dict[AccountId, Account]
    mine: AccountId | None
    operator: bool


async def receipt(room: Wallet, me: Principal, tid: TransactionId) -> Receipt:
    """A transaction that moved money in or out of my wallet (an operator: any)."""
    found = await room.store.transaction(tid)
    mine = await room.store.find_account(USER, me.user_id)
    mine_id = None if mine is None else mine.id
    ids = [e.account_id for e in found.entries]
    operator = await _is_operator(room, me)
    if mine_id not in ids and not operator:
        raise WalletTransactionNotFound(transaction_id=tid)
    return Receipt(found, await room.store.accounts_by_id(ids), mine_id, operator)


async def set_pay_password(room: Wallet, me: Principal, login_password: str, new: str) -> None:
    """Set or change the payment password: the login password proves it is me."""
    new = rules.check_pay_password(new)
    stored = await room.ctx.store.password_hash(me.user_id)
    if not await room.ctx.passwords.verify(stored, login_password):
        raise BadCredentials("The login password is wrong.")
    hashed = await room.ctx.passwords.hash(new)
    await room.store.set_pay_password(me.user_id, hashed, room.ctx.clock())
    log.info("wallet.pay_password_set", extra={"user_id": me.user_id})


async def verify_pay_password(room: Wallet, me: Principal, password: str) -> tuple[str, Instant]:
    """A payment token (and when it expires) for the right payment password. Every
    wrong one counts; the last allowed locks payments (WalletLocked)."""
    password = rules.check_pay_password(password)
    s, now = room.settings, room.ctx.clock()
    hashed, until = await room.store.begin_attempt(
        me.user_id, now, most=s.attempts, lock_ms=s.lock_ms
    )
    if hashed is None:
        raise WalletLocked(locked_until=until)
    right = await room.ctx.passwords.verify(hashed, password)
    token = "mlp_" + secrets.token_urlsafe(24)
    left = await room.store.end_attempt(
        me.user_id,
        right,
        now,
        most=s.attempts,
        lock_ms=s.lock_ms,
        token_hash=hash_token(token),
        token_ms=s.token_ms,
    )
    if right:
        return token, Instant(now + s.token_ms)
    log.info("wallet.pay_password_wrong", extra={"user_id": me.user_id, "left": left})
    if left <= 0:
        raise WalletLocked(locked_until=now + s.lock_ms)
    raise PayPasswordWrong(attempts_left=left)


async def adjust(
    room: Wallet, me: Principal, user_id: UserId, amount: object, debit: bool, reason: str, key: str
) -> tuple[Transaction, bool]:
    """An operator credits (or debits) a wallet, with a reason for the audit log. The
    transaction, and False if this was a replay of `key`."""
    operator = await access_operator(room.ctx, me)
    minor = rules.check_amount(amount, rules.SAFE_INTEGER)
    reason, key = rules.check_reason(reason), rules.check_key(key)
    await room.ctx.store.user(user_id)  # UserNotFound
    signed = -minor if debit else minor
    fp = rules.fingerprint("adjust", {"user": user_id, "amount": signed, "reason": reason})
    result, first = await room.store.adjust(
        operator.id, user_id, signed, reason, key, fp, room.ctx.clock()
    )
    tid = TransactionId(_int(result, "transaction_id"))
    if first:  # the audit log: who moved how much to whom, and why
        log.info(
            "wallet.adjusted",
            extra={
                "operator_id": operator.id,
                "target_id": user_id,
                "amount": signed,
                "reason": reason,
                "transaction_id": tid,
            },
        )
    return await room.store.transaction(tid), first


async def send_transfer(
    room: Wallet,
    me: Principal,
    cid: ConversationId,
    amount: object,
    note: str,
    key: str,
    payment_token: str | None,
) -> tuple[Transfer, bool]:
    """Send money to the other person of a one-to-one chat (a card in the chat)."""
    s = room.settings
    minor = rules.check_amount(amount, s.max_amount)
    note, key = rules.check_note(note), rules.check_key(key)
    if not payment_token:
        raise PaymentTokenInvalid()
    fp = rules.fingerprint("transfer", {"cid": cid, "amount": minor, "note": note})
    outcome: Outcome[tuple[Result, bool]] = await room.store.send_transfer(
        me.user_id,
        cid,
        minor,
        note,
        s.currency.code,
        key,
        fp,
        hash_token(payment_token),
        room.ctx.clock(),
        s.transfer_expiry_ms,
    )
    await room.ctx.publish(outcome)
    result, first = outcome.value
    tid = TransferId(_int(result, "transfer_id"))
    return await room.store.transfer(me.user_id, tid), first


async def settle_transfer(
    room: Wallet, me: Principal, tid: TransferId, action: str, key: str
) -> tuple[Transfer, bool]:
    """The recipient accepts or returns a transfer (`action`: accept, return)."""
    key = rules.check_key(key)
    fp = rules.fingerprint(action, {"transfer": tid})
    outcome = await room.store.settle_transfer(me.user_id, tid, action, key, fp, room.ctx.clock())
    await room.ctx.publish(outcome)
    return await room.store.transfer(me.user_id, tid), outcome.value[1]


async def request_funding(
    room: Wallet,
    me: Principal,
    direction: str,
    amount: object,
    key: str,
    payment_token: str | None,
) -> tuple[FundingRequest, dict[str, JsonValue], bool]:
    """Ask the provider for a top-up or a withdrawal (a withdrawal needs a payment token
    and holds the money at once): the request, what to do next, and whether it is new."""
    minor = rules.check_amount(amount, room.settings.max_amount)
    key = rules.check_key(key)
    if direction == WITHDRAWAL and not payment_token:
        raise PaymentTokenInvalid()
    fp = rules.fingerprint(direction, {"amount": minor})
    token = hash_token(payment_token) if direction == WITHDRAWAL and payment_token else None
    result, first = await room.store.request_funding(
        me.user_id, direction, minor, key, fp, token, room.ctx.clock()
    )
    found = await room.store.funding_request(me.user_id, FundingId(_int(result, "request_id")))
    return found, await room.provider.started(found), first


async def decide_funding(
    room: Wallet, me: Principal, rid: FundingId, approve: bool, reason: str, key: str
) -> tuple[FundingRequest, bool]:
    """An operator approves or rejects a request (the built-in provider)."""
    operator = await access_operator(room.ctx, me)
    reason, key = rules.check_reason(reason), rules.check_key(key)
    fp = rules.fingerprint("decide", {"request": rid, "approve": approve})
    result, first = await room.store.decide_funding(
        operator.id, rid, approve, reason, key, fp, room.ctx.clock()
    )
    if first:
        log.info(
            "wallet.funding_decided",
            extra={
                "operator_id": operator.id,
                "request_id": rid,
                "approve": approve,
                "reason": reason,
            },
        )
    return await room.store.funding_request(None, rid), first


async def funding_requests(
    room: Wallet,
    me: Principal,
    status: str | None,
    everyone: bool = False,
    limit: int = 100,
    before: int | None = None,
) -> list[FundingRequest]:
    """Mine, or everyone's (operators), newest first: `limit` older than `before`."""
    if everyone:
        await access_operator(room.ctx, me)
    who = None if everyone else me.user_id
    return await room.store.funding_requests(who, status, limit, before)


async def transfer(room: Wallet, me: Principal, tid: TransferId) -> Transfer:
    return await room.store.transfer(me.user_id, tid)


async def reconcile(room: Wallet, me: Principal | None = None) -> Reconciliation:
    """Check the whole ledger (an operator asking, or the server itself: `me` None)."""
    if me is not None:
        await access_operator(room.ctx, me)
    return await room.store.reconcile()


async def sweep(room: Wallet, now: Instant) -> None:
    """Forget idempotency keys and payment tokens past their time (the scheduler's)."""
    await room.store.forget_keys(Instant(now - room.settings.key_ms))
    await room.store.forget_tokens(Instant(now - 3600_000))


def _int(result: Result, name: str) -> int:
    value = result[name]
    assert isinstance(value, int)  # our own result, written by the store
    return value
