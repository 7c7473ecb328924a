"""The merchant API's REST bodies (msgspec): the payer's pay sheet and the developer
console's merchant section. Amounts are ints of minor units."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Code = Annotated[str, Meta(max_length=64)]


class CurrencyWire(Struct):
    code: str
    exponent: int


class PayeeWire(Struct):
    """The merchant, as the payer sees it."""

    id: int
    name: str
    avatar: str | None
    original_id: str  # what the client's placeholder avatar is keyed on


class PayOrderWire(Struct):
    out_trade_no: str
    trade_type: str
    body: str
    detail: str
    total_fee: int
    state: str  # NOTPAY SUCCESS REFUND CLOSED
    expires_at: int
    paid_at: int | None
    transaction_id: str | None


class PaySheetReply(Struct):
    order: PayOrderWire
    merchant: PayeeWire
    currency: CurrencyWire
    payable: bool  # by you, now
    paid_by_me: bool
    replayed: bool = False


Signed = Annotated[str, Meta(max_length=128)]


class PaySheetQuery(Struct, forbid_unknown_fields=True):
    """A NATIVE order's `code`, or a JSAPI order's `prepay_id` with what chooseWXPay
    carried: appId, timeStamp, nonceStr, package, signType and paySign (snake case)."""

    code: Code | None = None
    prepay_id: Code | None = None
    app_id: Signed = ""
    timestamp: Signed = ""
    nonce_str: Signed = ""
    package: Signed = ""
    sign_type: Signed = ""
    pay_sign: Signed = ""


class PayBody(PaySheetQuery, forbid_unknown_fields=True):
    """The pay sheet's order (as PaySheetQuery names it), and what pays it."""

    payment_token: Annotated[str, Meta(max_length=200)] | None = None
    idempotency_key: Any = None


class MerchantWire(Struct):
    account_id: int
    mch_id: str
    appid: str
    created_at: int
    key_set_at: int


class MerchantReply(Struct):
    merchant: MerchantWire | None
    balance: int  # the settlement account's
    currency: CurrencyWire


class KeyReply(Struct):
    merchant: MerchantWire
    api_key: str  # shown once


class OrderWire(Struct):
    id: int
    out_trade_no: str
    transaction_id: str | None
    trade_type: str
    body: str
    total_fee: int
    fee_type: str
    state: str
    created_at: int
    expires_at: int
    paid_at: int | None
    closed_at: int | None
    refunded_fee: int
    payer_id: int | None
    notified_at: int | None
    notify_error: str | None


class OrdersReply(Struct):
    orders: list[OrderWire]
    currency: CurrencyWire


class RefundWire(Struct):
    id: int  # for paging (`before`)
    refund_id: str
    out_refund_no: str
    out_trade_no: str
    transaction_id: str | None
    refund_fee: int
    refund_desc: str
    status: str
    created_at: int
    notify_url: str | None = None  # where its notification goes (if its request named one)
    notified_at: int | None = None  # when the merchant acknowledged it
    notify_error: str | None = None  # why it was given up on


class RefundsReply(Struct):
    refunds: list[RefundWire]
    currency: CurrencyWire


class PageQuery(Struct, forbid_unknown_fields=True):
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None
