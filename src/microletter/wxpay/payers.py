"""The merchant API's actions for people: the payer's pay sheet (see an order, pay it
from the wallet) and the developer console's merchant section (mch_id and API key,
settlement balance, orders, refunds)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from microletter.core.ids import UserId
from microletter.core.models import Principal
from microletter.platform import (
    OfficialAccount,
    account_by_id,
    openid_of,
    owned_account,
)
from microletter.wallet import (
    SETTLEMENT,
    PaymentTokenInvalid,
    check_key,
    fingerprint,
    hash_token,
)
from microletter.wxpay import rules
from microletter.wxpay.actions import WxPay
from microletter.wxpay.errors import (
    WxPayMerchantRestricted,
    WxPayNotMerchant,
    WxPayParamInvalid,
    WxPaySignatureInvalid,
)
from microletter.wxpay.rules import Merchant, Order, Refund

log = logging.getLogger(__name__)


# --- the payer's pay sheet ---


@dataclass(frozen=True, slots=True)
class PayView:
    """An order as its payer sees it in the pay sheet."""

    order: Order
    merchant: OfficialAccount
    state: str
    payable: bool  # by me, now
    paid_by_me: bool


async def order_to_pay(
    room: WxPay,
    me: Principal,
    code: str | None,
    prepay_id: str | None,
    signed: rules.PaySign | None = None,
) -> PayView:
    """The order a pay code (scanned or opened as a link) or a prepay_id (an H5 page's
    chooseWXPay, with the paySign the merchant's server made) names, as its payer sees
    it. A JSAPI order is for its one payer only."""
    order = await room.store.order_to_pay(*_pay_ref(code, prepay_id))
    view = await _view(room, me, order)
    await _check_signed(room, order, prepay_id, signed)
    return view


async def _check_signed(
    room: WxPay, order: Order, prepay_id: str | None, signed: rules.PaySign | None
) -> None:
    """A prepay_id comes from chooseWXPay, signed as WeChat's JS-SDK requires."""
    if prepay_id is None:
        return
    merchant = await room.store.merchant_of(order.account_id)
    if merchant is None:  # no longer a merchant: nothing can be signed for it
        raise WxPaySignatureInvalid(field="paySign")
    account = await account_by_id(room.platform, order.account_id)
    rules.check_pay_sign(signed, prepay_id, account.appid, merchant.api_key)


async def _view(room: WxPay, me: Principal, order: Order) -> PayView:
    mine = openid_of(room.platform, order.account_id, me.user_id)
    if order.trade_type == rules.JSAPI and order.openid != mine:
        raise rules.not_payer(order)
    merchant = await account_by_id(room.platform, order.account_id)
    state = rules.state_at(order, room.now())
    payable = state == rules.State.NOTPAY and not merchant.restricted
    return PayView(order, merchant, state, payable, order.payer_id == me.user_id)


async def pay(
    room: WxPay,
    me: Principal,
    code: str | None,
    prepay_id: str | None,
    payment_token: str | None,
    key: str,
    signed: rules.PaySign | None = None,
) -> tuple[PayView, bool]:
    """Pay the order from my wallet with a payment token (from my payment password); a
    JSAPI order named by its prepay_id only with its paySign. A replay of `key` returns
    the first result and moves nothing."""
    key = check_key(key)
    if not payment_token:
        raise PaymentTokenInvalid()
    order = await room.store.order_to_pay(*_pay_ref(code, prepay_id))
    await _check_signed(room, order, prepay_id, signed)
    if (await account_by_id(room.platform, order.account_id)).restricted:
        raise WxPayMerchantRestricted()
    mine = openid_of(room.platform, order.account_id, me.user_id)
    fp = fingerprint("wxpay.pay", {"order": order.id})
    _, first = await room.store.pay_order(
        me.user_id, order.id, mine, key, fp, hash_token(payment_token), room.now()
    )
    if first:
        log.info("wxpay.paid", extra={"order_id": order.id, "user_id": me.user_id})
    return await _view(room, me, await room.store.order_by_id(order.id)), first


def _pay_ref(code: str | None, prepay_id: str | None) -> tuple[str | None, str | None]:
    if code and rules.CODE.fullmatch(code):
        return code, None
    if prepay_id and rules.PREPAY.fullmatch(prepay_id):
        return None, prepay_id
    raise WxPayParamInvalid("A pay code or a prepay_id is needed.", field="code")


# --- the developer console ---


@dataclass(frozen=True, slots=True)
class Overview:
    merchant: Merchant | None
    account: OfficialAccount
    balance: int  # the settlement account's, in minor units


async def overview(room: WxPay, me: Principal, account_id: UserId) -> Overview:
    account = await owned_account(room.platform, me, account_id)
    merchant = await room.store.merchant_of(account_id)
    balance = await room.wallet.store.balance(SETTLEMENT, account_id)
    return Overview(merchant, account, balance)


async def issue_key(room: WxPay, me: Principal, account_id: UserId) -> tuple[Merchant, str]:
    """Make my account a merchant, or give it a new API key (shown here only; requests
    signed with the old key fail from now on)."""
    await owned_account(room.platform, me, account_id)
    key = rules.api_key_from(room.random(32))
    mch_ids = [rules.mch_id_from(room.random(8)) for _ in range(3)]
    merchant = await room.store.issue_key(account_id, mch_ids, key, room.now())
    log.info("wxpay.key_issued", extra={"account_id": account_id})
    return merchant, key


async def orders(
    room: WxPay, me: Principal, account_id: UserId, before: int | None
) -> list[tuple[Order, str]]:
    """A page of my merchant's orders, newest first, each with its state now."""
    await _merchant_owned(room, me, account_id)
    now = room.now()
    return [(o, rules.state_at(o, now)) for o in await room.store.orders_page(account_id, before)]


async def refunds(
    room: WxPay, me: Principal, account_id: UserId, before: int | None
) -> list[tuple[Refund, Order]]:
    await _merchant_owned(room, me, account_id)
    found = await room.store.refunds_page(account_id, before)
    return [(r, await room.store.order_by_id(r.order_id)) for r in found]


async def _merchant_owned(room: WxPay, me: Principal, account_id: UserId) -> Merchant:
    await owned_account(room.platform, me, account_id)
    merchant = await room.store.merchant_of(account_id)
    if merchant is None:
        raise WxPayNotMerchant(account_id=account_id)
    return merchant
