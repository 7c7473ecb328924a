"""The merchant API's /api/v1 routes: the payer's pay sheet (see an order, pay it) and
the developer console's merchant section (mch_id and API key, settlement balance,
orders and refunds). The merchant paths themselves are protocol.py's."""

from __future__ import annotations

from microletter.core.errors import NotFound
from microletter.core.ids import UserId
from microletter.gateway.api import Call, Router
from microletter.platform import AccountNotFound, NotAccountOwner, OfficialAccount
from microletter.wallet import (
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentTokenExpired,
    PaymentTokenInvalid,
)
from microletter.wxpay import payers
from microletter.wxpay.actions import WxPay
from microletter.wxpay.errors import (
    WxPayMerchantRestricted,
    WxPayNotMerchant,
    WxPayNotPayer,
    WxPayOrderClosed,
    WxPayOrderNotFound,
    WxPayOrderPaid,
    WxPayParamInvalid,
    WxPaySignatureInvalid,
)
from microletter.wxpay.payers import PayView
from microletter.wxpay.rules import Merchant, Order, PaySign, transaction_id_of
from microletter.wxpay.wire import (
    CurrencyWire,
    KeyReply,
    MerchantReply,
    MerchantWire,
    OrdersReply,
    OrderWire,
    PageQuery,
    PayBody,
    PayeeWire,
    PayOrderWire,
    PaySheetQuery,
    PaySheetReply,
    RefundsReply,
    RefundWire,
)

SHEET_ERRORS = [WxPayParamInvalid, WxPayOrderNotFound, WxPayNotPayer, WxPaySignatureInvalid]
OWNED: list[type[NotFound] | type[NotAccountOwner]] = [AccountNotFound, NotAccountOwner]


def merchant_wire(m: Merchant, account: OfficialAccount) -> MerchantWire:
    return MerchantWire(m.account_id, m.mch_id, account.appid, m.created_at, m.key_set_at)


def order_wire(o: Order, state: str) -> OrderWire:
    return OrderWire(
        o.id,
        o.out_trade_no,
        o.transaction_id,
        o.trade_type,
        o.body,
        o.total_fee,
        o.fee_type,
        state,
        o.created_at,
        o.expires_at,
        o.paid_at,
        o.closed_at,
        o.refunded_fee,
        o.payer_id,
        o.notified_at,
        o.notify_error,
    )


def pay_sign_of(q: PaySheetQuery) -> PaySign | None:
    """chooseWXPay's signed parameters, if the client sent them."""
    if not q.pay_sign:
        return None
    return PaySign(q.app_id, q.timestamp, q.nonce_str, q.package, q.sign_type, q.pay_sign)


def routers(room: WxPay) -> list[Router]:
    currency = CurrencyWire(room.currency.code, room.currency.exponent)

    def sheet(v: PayView, replayed: bool = False) -> PaySheetReply:
        o = v.order
        wire = PayOrderWire(
            o.out_trade_no,
            o.trade_type,
            o.body,
            o.detail,
            o.total_fee,
            v.state,
            o.expires_at,
            o.paid_at,
            o.transaction_id,
        )
        payee = PayeeWire(v.merchant.id, v.merchant.name, v.merchant.avatar, v.merchant.original_id)
        return PaySheetReply(wire, payee, currency, v.payable, v.paid_by_me, replayed)

    payer = Router("/api/v1", tags=["merchant payments"])

    @payer.get("/merchant-orders", rate=None, errors=SHEET_ERRORS)
    async def get_order(call: Call, query: PaySheetQuery) -> PaySheetReply:
        """What the pay sheet shows: an order named by its pay `code` (a NATIVE order's
        code_url, scanned or opened as a link) or its `prepay_id` (a JSAPI order, from an
        H5 page's chooseWXPay, with the paySign and the parameters it signs, checked with
        the merchant's key as WeChat does): the merchant, the item, the amount, whether
        you can pay."""
        signed = pay_sign_of(query)
        view = await payers.order_to_pay(room, call.me, query.code, query.prepay_id, signed)
        return sheet(view)

    @payer.post(
        "/merchant-orders/pay",
        errors=[
            *SHEET_ERRORS,
            WxPayOrderPaid,
            WxPayOrderClosed,
            WxPayMerchantRestricted,
            IdempotencyKeyInvalid,
            IdempotencyKeyReused,
            PaymentTokenInvalid,
            PaymentTokenExpired,
            InsufficientFunds,
        ],
    )
    async def pay_order(call: Call, body: PayBody) -> PaySheetReply:
        """Pay a merchant's order from your wallet: the money moves to the merchant's
        settlement account and the merchant is notified.

        Needs a payment token (`/wallet/pay-password/verify`) and an `idempotency_key`:
        the same key again returns the first result (`replayed`) and moves nothing."""
        view, first = await payers.pay(
            room,
            call.me,
            body.code,
            body.prepay_id,
            body.payment_token,
            body.idempotency_key,
            pay_sign_of(body),
        )
        return sheet(view, replayed=not first)

    console = Router("/api/v1/developer/accounts/{account_id}", tags=["developer console"])

    @console.get("/merchant", rate=None, errors=OWNED)
    async def get_merchant(call: Call, account_id: int) -> MerchantReply:
        """The account's merchant section: its mch_id (null until payments are enabled)
        and its settlement account's balance."""
        seen = await payers.overview(room, call.me, UserId(account_id))
        wire = None if seen.merchant is None else merchant_wire(seen.merchant, seen.account)
        return MerchantReply(wire, seen.balance, currency)

    @console.post("/merchant/key", errors=OWNED)
    async def issue_key(call: Call, account_id: int) -> KeyReply:
        """Enable payments (an mch_id), or replace the API key. The key is shown here
        only; requests signed with the old one fail from now on."""
        merchant, key = await payers.issue_key(room, call.me, UserId(account_id))
        account = (await payers.overview(room, call.me, UserId(account_id))).account
        return KeyReply(merchant_wire(merchant, account), key)

    @console.get("/merchant/orders", rate=None, errors=[*OWNED, WxPayNotMerchant])
    async def list_orders(call: Call, account_id: int, query: PageQuery) -> OrdersReply:
        """The merchant's orders, newest first (`before`: an order id, for the next page)."""
        found = await payers.orders(room, call.me, UserId(account_id), query.before)
        return OrdersReply([order_wire(o, state) for o, state in found], currency)

    @console.get("/merchant/refunds", rate=None, errors=[*OWNED, WxPayNotMerchant])
    async def list_refunds(call: Call, account_id: int, query: PageQuery) -> RefundsReply:
        """The merchant's refunds, newest first (`before`: a refund's row id)."""
        found = await payers.refunds(room, call.me, UserId(account_id), query.before)
        return RefundsReply(
            [
                RefundWire(
                    r.id,
                    r.refund_id,
                    r.out_refund_no,
                    o.out_trade_no,
                    transaction_id_of(o.id),
                    r.refund_fee,
                    r.refund_desc,
                    r.status,
                    r.created_at,
                    r.notify_url,
                    r.notified_at,
                    r.notify_error,
                )
                for r, o in found
            ],
            currency,
        )

    return [payer, console]
