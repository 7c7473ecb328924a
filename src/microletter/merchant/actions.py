"""The merchant room's actions: the only writers of settlements, credit lines, claims and
pools. Each finds who is asking (the shop's owner decides about money; the owner and
clerks see it; the buyer files their claim; operators fund pools and settle early),
checks its input with rules.py, and runs one unit of work, in which the money moves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from microletter.actions.context import Context
from microletter.actions.moderation import access_operator
from microletter.core.errors import InvalidInput
from microletter.core.models import Instant, JsonValue, Principal
from microletter.merchant import rules
from microletter.merchant.rules import (
    CREDIT_POOL,
    WAITING,
    Claim,
    CreditLine,
    Finding,
    Settled,
    Terms,
)
from microletter.merchant.store import MerchantStore
from microletter.shop import (
    CATALOG,
    COVER_POOL,
    OWNER,
    PENDING,
    OrderId,
    ShopId,
    ShopRoom,
    access_order,
    access_staff,
)
from microletter.wallet import (
    SETTLEMENT,
    SYSTEM_OWNER,
    FundingId,
    Line,
    PaymentTokenInvalid,
    Wallet,
    check_amount,
    check_key,
    fingerprint,
    hash_token,
)

log = logging.getLogger(__name__)
STATEMENTS = {"balance": SETTLEMENT, "pending": PENDING}


@dataclass
class MerchantRoom:
    """The room as app.py builds it: the core's context, its store, the shop room (its
    orders and staff), the wallet (its ledger and provider) and the operator's terms."""

    ctx: Context
    store: MerchantStore
    shop: ShopRoom
    wallet: Wallet
    terms: Terms

    @property
    def currency(self) -> str:
        return self.wallet.settings.currency.code


@dataclass(frozen=True, slots=True)
class Overview:
    """What the merchant view shows: pending and settled money, the credit line."""

    pending: int
    balance: int
    line: CreditLine
    terms: Terms


async def overview(room: MerchantRoom, me: Principal, shop_id: ShopId) -> Overview:
    await access_staff(room.shop, me, shop_id, CATALOG)
    w = room.wallet.store
    line = await room.store.credit_line(shop_id, room.terms, room.ctx.clock())
    return Overview(
        await w.balance(PENDING, shop_id), await w.balance(SETTLEMENT, shop_id), line, room.terms
    )


async def statement(
    room: MerchantRoom, me: Principal, shop_id: ShopId, which: str, before: int | None
) -> list[Line]:
    """The movements of the shop's balance (`balance`) or of its `pending` money."""
    await access_staff(room.shop, me, shop_id, CATALOG)
    kind = STATEMENTS.get(which)
    if kind is None:
        raise InvalidInput("A statement is of the balance or of pending.", field="account")
    return await room.wallet.store.statement(kind, shop_id, before)


async def settlements(
    room: MerchantRoom, me: Principal, shop_id: ShopId, before: int | None
) -> list[Settled]:
    await access_staff(room.shop, me, shop_id, CATALOG)
    return await room.store.settlements(shop_id, before)


async def draw(
    room: MerchantRoom, me: Principal, shop_id: ShopId, amount: object, key: object
) -> tuple[CreditLine, JsonValue, bool]:
    """Draw on the shop's credit line (its owner): the line after, the draw, and
    whether it is new (a replay of `key` moves nothing)."""
    await access_staff(room.shop, me, shop_id, (OWNER,))
    minor = check_amount(amount, room.wallet.settings.max_amount)
    key = check_key(key)
    fp = fingerprint("merchant.draw", {"shop": shop_id, "amount": minor})
    now = room.ctx.clock()
    result, first = await room.store.draw(me.user_id, shop_id, minor, room.terms, key, fp, now)
    if first:
        log.info("merchant.credit_drawn", extra={"shop_id": shop_id, "amount": minor})
    return await room.store.credit_line(shop_id, room.terms, now), result, first


async def repay(
    room: MerchantRoom, me: Principal, shop_id: ShopId, amount: object | None, key: object
) -> tuple[CreditLine, bool]:
    """Repay the line from the shop's balance (its owner): all that is owed, or `amount`."""
    await access_staff(room.shop, me, shop_id, (OWNER,))
    minor = None if amount is None else check_amount(amount, rules.SAFE_INTEGER)
    key = check_key(key)
    fp = fingerprint("merchant.repay", {"shop": shop_id, "amount": minor})
    now = room.ctx.clock()
    _, first = await room.store.repay(me.user_id, shop_id, minor, key, fp, now)
    return await room.store.credit_line(shop_id, room.terms, now), first


async def withdraw(
    room: MerchantRoom,
    me: Principal,
    shop_id: ShopId,
    amount: object,
    key: object,
    payment_token: str | None,
) -> tuple[int, dict[str, JsonValue], bool]:
    """Withdraw from the shop's balance through the wallet's provider (its owner, with
    their payment token): the request's id, what to do next, whether it is new."""
    await access_staff(room.shop, me, shop_id, (OWNER,))
    minor = check_amount(amount, room.wallet.settings.max_amount)
    key = check_key(key)
    if not payment_token:
        raise PaymentTokenInvalid()
    fp = fingerprint("merchant.withdraw", {"shop": shop_id, "amount": minor})
    result, first = await room.store.withdraw(
        me.user_id, shop_id, minor, key, fp, hash_token(payment_token), room.ctx.clock()
    )
    rid = result["request_id"]
    assert isinstance(rid, int)  # our own result
    found = await room.wallet.store.funding_request(me.user_id, FundingId(rid))
    if first:
        log.info("merchant.withdrawal", extra={"shop_id": shop_id, "request_id": rid})
    return rid, await room.wallet.provider.started(found), first


# --- cover ---


async def file_claim(room: MerchantRoom, me: Principal, oid: OrderId) -> Claim:
    """The claim of a covered, returned order (its buyer or the shop's staff; it is
    normally made when the return is confirmed): ClaimExists the second time."""
    await access_order(room.shop, me, oid)
    return await room.store.file_claim(oid, room.terms.claim_amount, room.ctx.clock())


async def my_claims(room: MerchantRoom, me: Principal) -> list[Claim]:
    return await room.store.claims(None, me.user_id, None)


async def shop_claims(room: MerchantRoom, me: Principal, shop_id: ShopId) -> list[Claim]:
    await access_staff(room.shop, me, shop_id, CATALOG)
    return await room.store.claims(None, None, shop_id)


# --- operators ---


@dataclass(frozen=True, slots=True)
class Pools:
    cover: int
    credit: int
    waiting: list[Claim]


async def pools(room: MerchantRoom, me: Principal) -> Pools:
    """The pools' balances and the claims waiting for the cover pool (operators)."""
    await access_operator(room.ctx, me)
    w = room.wallet.store
    waiting = await room.store.claims(WAITING, None, None)
    return Pools(
        await w.balance(COVER_POOL, SYSTEM_OWNER),
        await w.balance(CREDIT_POOL, SYSTEM_OWNER),
        waiting,
    )


async def fund_pool(
    room: MerchantRoom, me: Principal, pool: str, amount: object, reason: str, key: object
) -> tuple[JsonValue, bool]:
    """An operator funds the cover or credit pool, with a reason (the audit log); a
    funded cover pool pays the claims that were waiting."""
    operator = await access_operator(room.ctx, me)
    pool = rules.check_pool(pool)
    minor = check_amount(amount, rules.SAFE_INTEGER)
    reason, key = rules.check_reason(reason), check_key(key)
    fp = fingerprint("merchant.fund", {"pool": pool, "amount": minor, "reason": reason})
    result, first = await room.store.fund_pool(
        operator.id, pool, minor, reason, key, fp, room.ctx.clock()
    )
    if first:
        log.info(
            "merchant.pool_funded",
            extra={"operator_id": operator.id, "pool": pool, "amount": minor, "reason": reason},
        )
    return result, first


async def settle_now(room: MerchantRoom, me: Principal, oid: OrderId) -> Settled:
    """Settle an order, or a chapter purchase, before its day (operators):
    AlreadySettled the second time."""
    operator = await access_operator(room.ctx, me)
    done = await room.store.settle(oid, room.ctx.clock())
    log.info("merchant.settled_early", extra={"operator_id": operator.id, "order_id": oid})
    return done


async def reconcile(room: MerchantRoom, me: Principal | None = None) -> list[Finding]:
    """The room's rows against the ledger (an operator, or the server: `me` None)."""
    if me is not None:
        await access_operator(room.ctx, me)
    return await room.store.reconcile()


async def sweep(room: MerchantRoom, now: Instant) -> None:
    """Pay waiting claims the cover pool can pay now (the scheduler's, periodic)."""
    paid = await room.store.pay_waiting(now)
    if paid:
        log.info("merchant.claims_paid", extra={"claims": paid})
