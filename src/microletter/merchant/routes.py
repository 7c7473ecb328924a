"""The merchant room's /api/v1 routes: a shop's money (pending, balance, statement,
settlements, the credit line, withdrawals, claims), a buyer's claims, and the operators'
pools, early settlement and reconcile."""

from __future__ import annotations

from microletter.core.errors import InvalidInput, NotOperator
from microletter.core.ids import UserId
from microletter.gateway.api import Call, Router
from microletter.merchant import actions
from microletter.merchant.actions import MerchantRoom
from microletter.merchant.errors import (
    AlreadySettled,
    ClaimExists,
    ClaimNotDue,
    CreditLineInUse,
    CreditOverLimit,
    CreditPoolShort,
    NotCovered,
    NothingOwed,
    NotSettleable,
    PoolInvalid,
)
from microletter.merchant.rules import DAY_MS, ORDER, Claim, CreditLine, Settled
from microletter.merchant.wire import (
    ClaimReply,
    ClaimsReply,
    ClaimWire,
    CreditReply,
    CreditWire,
    CurrencyWire,
    DrawBody,
    FinanceReply,
    FindingWire,
    FundBody,
    FundReply,
    MerchantReconcileReply,
    PoolsReply,
    RepayBody,
    SettlementReply,
    SettlementsQuery,
    SettlementsReply,
    SettlementWire,
    StatementLineWire,
    StatementQuery,
    StatementReply,
    TermsWire,
    WithdrawBody,
    WithdrawReply,
)
from microletter.shop import OrderId, OrderNotFound, ShopId
from microletter.wallet import (
    AmountInvalid,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentTokenExpired,
    PaymentTokenInvalid,
)

MONEY = [AmountInvalid, AmountTooLarge, IdempotencyKeyInvalid, IdempotencyKeyReused]


def as_shop(value: int) -> ShopId:
    return ShopId(UserId(value))


def credit_wire(c: CreditLine) -> CreditWire:
    return CreditWire(c.sales, c.share_percent, c.limit, c.fee, c.owed, c.open, c.drawn_at)


def settlement_wire(s: Settled) -> SettlementWire:
    order, purchase = (s.order_id, None) if s.kind == ORDER else (None, s.order_id)
    return SettlementWire(
        s.kind, order, purchase, s.amount, s.repaid, s.transaction_id, s.settled_at
    )


def claim_wire(c: Claim) -> ClaimWire:
    return ClaimWire(
        c.order_id,
        c.shop_id,
        c.buyer_id,
        c.amount,
        c.status,
        c.transaction_id,
        c.created_at,
        c.paid_at,
    )


def routers(room: MerchantRoom) -> list[Router]:
    settings = room.wallet.settings
    currency = CurrencyWire(settings.currency.code, settings.currency.exponent)
    router = Router("/api/v1", tags=["merchant"])

    @router.get("/merchant/shops/{shop_id}")
    async def get_merchant_finance(call: Call, shop_id: int) -> FinanceReply:
        """The shop's money (owner, clerk): `pending` (paid orders not yet settled),
        `balance` (settled, withdrawable), the credit line (its limit, fee and what is
        owed) and the operator's terms (days to settlement, cover premium and claim)."""
        o = await actions.overview(room, call.me, as_shop(shop_id))
        t = o.terms
        terms = TermsWire(t.settle_after_ms / DAY_MS, t.cover_premium, t.claim_amount)
        return FinanceReply(shop_id, o.pending, o.balance, credit_wire(o.line), terms, currency)

    @router.get("/merchant/shops/{shop_id}/statement", errors=[InvalidInput])
    async def get_merchant_statement(
        call: Call, shop_id: int, query: StatementQuery
    ) -> StatementReply:
        """The movements of the shop's `balance` or `pending` account, newest first."""
        lines = await actions.statement(
            room, call.me, as_shop(shop_id), query.account, query.before
        )
        wires = [
            StatementLineWire(
                x.transaction_id, x.kind, x.amount, x.balance_after, x.ref, x.created_at
            )
            for x in lines
        ]
        return StatementReply(query.account, wires, currency)

    @router.get("/merchant/shops/{shop_id}/settlements")
    async def get_settlements(
        call: Call, shop_id: int, query: SettlementsQuery
    ) -> SettlementsReply:
        """The shop's settlements, newest first: each settled order's total (`kind`
        order) or chapter purchase's amount (`kind` purchase) and the part of it that
        repaid the credit line."""
        found = await actions.settlements(room, call.me, as_shop(shop_id), query.before)
        return SettlementsReply([settlement_wire(s) for s in found], currency)

    @router.post(
        "/merchant/shops/{shop_id}/credit/draw",
        status=201,
        errors=[*MONEY, CreditOverLimit, CreditLineInUse, CreditPoolShort],
    )
    async def post_credit_draw(call: Call, shop_id: int, body: DrawBody) -> CreditReply:
        """Draw `amount` on the shop's credit line (its owner), once per
        `idempotency_key`: the line then owes amount + its fixed fee, repaid from later
        settlements before they reach the balance."""
        line, _, first = await actions.draw(
            room, call.me, as_shop(shop_id), body.amount, body.idempotency_key
        )
        return CreditReply(credit_wire(line), currency, not first)

    @router.post(
        "/merchant/shops/{shop_id}/credit/repay",
        errors=[*MONEY, NothingOwed, InsufficientFunds],
    )
    async def post_credit_repay(call: Call, shop_id: int, body: RepayBody) -> CreditReply:
        """Repay the line from the shop's balance (its owner): `amount`, or all owed."""
        line, first = await actions.repay(
            room, call.me, as_shop(shop_id), body.amount, body.idempotency_key
        )
        return CreditReply(credit_wire(line), currency, not first)

    @router.post(
        "/merchant/shops/{shop_id}/withdrawals",
        status=201,
        errors=[*MONEY, PaymentTokenInvalid, PaymentTokenExpired, InsufficientFunds],
    )
    async def post_merchant_withdrawal(
        call: Call, shop_id: int, body: WithdrawBody
    ) -> WithdrawReply:
        """Withdraw from the shop's balance through the wallet's provider (its owner,
        with their payment token); `next` says what to do next."""
        rid, after, first = await actions.withdraw(
            room, call.me, as_shop(shop_id), body.amount, body.idempotency_key, body.payment_token
        )
        return WithdrawReply(rid, after, not first)

    @router.get("/merchant/shops/{shop_id}/claims")
    async def get_shop_claims(call: Call, shop_id: int) -> ClaimsReply:
        """The claims of the shop's covered returns (owner, clerk)."""
        found = await actions.shop_claims(room, call.me, as_shop(shop_id))
        return ClaimsReply([claim_wire(c) for c in found], currency)

    @router.get("/merchant/claims")
    async def get_my_claims(call: Call) -> ClaimsReply:
        """My claims for covered returns, newest first."""
        return ClaimsReply(
            [claim_wire(c) for c in await actions.my_claims(room, call.me)], currency
        )

    @router.post(
        "/merchant/claims/{order_id}",
        status=201,
        errors=[NotCovered, ClaimNotDue, ClaimExists],
    )
    async def post_claim(call: Call, order_id: int) -> ClaimReply:
        """The claim of a covered, returned order (made by itself when the shop confirms
        the return; `merchant.claim_exists` after): paid from the cover pool, or
        `waiting` until the pool can pay."""
        found = await actions.file_claim(room, call.me, OrderId(order_id))
        return ClaimReply(claim_wire(found), currency)

    admin = Router("/api/v1/admin", tags=["admin"])

    @admin.get("/merchant/pools", errors=[NotOperator])
    async def get_pools(call: Call) -> PoolsReply:
        """The cover and credit pools' balances and the claims waiting (operators)."""
        p = await actions.pools(room, call.me)
        return PoolsReply(p.cover, p.credit, [claim_wire(c) for c in p.waiting], currency)

    @admin.post("/merchant/pools/{pool}/fund", errors=[NotOperator, PoolInvalid, *MONEY])
    async def post_fund_pool(call: Call, pool: str, body: FundBody) -> FundReply:
        """Fund the `cover` or `credit` pool from funding, with a reason (operators);
        waiting claims are paid as far as the cover pool now can."""
        result, first = await actions.fund_pool(
            room, call.me, pool, body.amount, body.reason, body.idempotency_key
        )
        tid, paid = result["transaction_id"], result["claims_paid"]  # type: ignore[index]  # our own result
        assert isinstance(tid, int) and isinstance(paid, int)
        return FundReply(tid, paid, not first)

    @admin.post(
        "/merchant/settlements/{order_id}",
        errors=[NotOperator, AlreadySettled, NotSettleable, OrderNotFound],
    )
    async def post_settle_now(call: Call, order_id: int) -> SettlementReply:
        """Settle an order, or a chapter purchase (its id in place of the order's), now
        rather than on its day (operators); a second time is `merchant.already_settled`
        and moves nothing."""
        done = await actions.settle_now(room, call.me, OrderId(order_id))
        return SettlementReply(settlement_wire(done), currency)

    @admin.get("/merchant/reconcile", errors=[NotOperator])
    async def get_merchant_reconcile(call: Call) -> MerchantReconcileReply:
        """Check the pending, pool and credit accounts against the orders, claims,
        fundings, draws and repayments that explain them (operators)."""
        found = await actions.reconcile(room, call.me)
        wires = [FindingWire(f.what, f.subject, f.expected, f.found) for f in found]
        return MerchantReconcileReply(not found, wires)

    return [router, admin]
