"""The merchant API's room object (`WxPay`) and the actions of the merchant paths
(unified order, query, close, refund, refund query) once protocol.py has read the signed
XML, with their signed replies. The pay sheet and the console are payers.py's, the
notifications notify.py's.

The money moves in the wallet's ledger, inside the wxpay store's units of work
(store/orders.py). Outgoing notifications go through the platform's WebhookClient, so the
same SSRF guard applies to notify_url as to webhooks: checked when the order is made and
again on every connection.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.core.errors import MicroletterError
from microletter.core.models import Instant
from microletter.platform import (
    OfficialAccount,
    Platform,
    XmlError,
    account_by_id,
    openid_of,
    parse_xml,
    render_xml,
)
from microletter.wallet import (
    Currency,
    Wallet,
)
from microletter.wxpay import rules
from microletter.wxpay.errors import (
    WxPayAppidMismatch,
    WxPayMerchantRestricted,
    WxPayMerchantUnknown,
    WxPayParamInvalid,
    WxPayParamMissing,
    WxPayRequestReplayed,
)
from microletter.wxpay.rules import Merchant, Order, Params
from microletter.wxpay.store import WxPayStore

log = logging.getLogger(__name__)
NONCE_BATCH = 1000  # nonces deleted per statement (store/merchants.py forget_nonces)


@dataclass
class WxPay:
    """The room as app.py builds it: the core's context, its store, the platform (its
    merchants are official accounts) and the wallet (whose ledger moves the money)."""

    ctx: Context
    store: WxPayStore
    platform: Platform
    wallet: Wallet
    random: Callable[[int], bytes] = field(default=secrets.token_bytes)

    @property
    def currency(self) -> Currency:
        return self.wallet.settings.currency

    def now(self) -> Instant:
        return self.ctx.clock()

    def nonce(self) -> str:
        return rules.api_key_from(self.random(32))


# --- the merchant paths ---


@dataclass(frozen=True, slots=True)
class Caller:
    """A merchant request whose signature was checked."""

    merchant: Merchant
    account: OfficialAccount
    sign_type: str


async def authenticate(room: WxPay, params: Mapping[str, str]) -> Caller:
    """Who signed the request: its mch_id's merchant, whose account must be the appid;
    the signature must match their API key, and the nonce_str be new."""
    merchant = await room.store.merchant_by_mch_id(rules.need(params, "mch_id"))
    if merchant is None:
        raise WxPayMerchantUnknown(mch_id=params["mch_id"])
    account = await account_by_id(room.platform, merchant.account_id)
    if params.get("appid", account.appid) != account.appid:
        raise WxPayAppidMismatch(appid=params.get("appid"))
    if account.restricted:
        raise WxPayMerchantRestricted(mch_id=merchant.mch_id)
    sign_type = rules.check_signature(params, merchant.api_key)
    nonce = rules.need(params, "nonce_str")
    if not rules.NONCE.fullmatch(nonce):
        raise WxPayParamInvalid("nonce_str is 1-32 printable characters.", field="nonce_str")
    if not await room.store.remember_nonce(merchant.account_id, nonce, room.now()):
        raise WxPayRequestReplayed(nonce_str=nonce)
    return Caller(merchant, account, sign_type)


async def _public(room: WxPay, notify_url: str) -> None:
    """The same guard as webhooks: only public addresses (unless the operator allows)."""
    try:
        await room.platform.webhooks.check_address(notify_url)
    except MicroletterError as exc:
        raise WxPayParamInvalid(
            "notify_url must be reachable on a public address.", field="notify_url"
        ) from exc


async def unified_order(room: WxPay, c: Caller, params: Mapping[str, str]) -> dict[str, str]:
    """/pay/unifiedorder: a new order (or the same one again), with its prepay_id and,
    for NATIVE, its code_url (a link the payer scans or opens)."""
    now = room.now()
    most = room.wallet.settings.max_amount
    new = rules.check_unified_order(params, room.currency.code, most, c.sign_type, now)
    await _public(room, new.notify_url)
    prepay_id = "wx" + room.random(16).hex()
    code = rules.code_from(room.random(16)) if new.trade_type == rules.NATIVE else None
    order, made = await room.store.create_order(c.merchant.account_id, new, prepay_id, code, now)
    if made:
        log.info(
            "wxpay.order_made",
            extra={"account_id": c.merchant.account_id, "order_id": order.id},
        )
    out = {"trade_type": order.trade_type, "prepay_id": order.prepay_id}
    if order.code is not None:
        out["code_url"] = pay_link(room, order.code)
    if order.device_info:
        out["device_info"] = order.device_info
    return out


def pay_link(room: WxPay, code: str) -> str:
    """What a NATIVE order's QR code carries: the pay sheet, on this server."""
    return room.platform.url(f"/p/{code}")


async def _order_named(room: WxPay, c: Caller, params: Mapping[str, str]) -> Order:
    """The order a request names by transaction_id (first) or out_trade_no."""
    tid = params.get("transaction_id", "")
    if tid:
        order_id = rules.order_id_of(tid)
        if order_id is None:
            raise WxPayParamInvalid("transaction_id is not one of ours.", field="transaction_id")
        return await room.store.order(c.merchant.account_id, None, order_id)
    if not params.get("out_trade_no"):
        raise WxPayParamMissing("transaction_id or out_trade_no is required.")
    return await room.store.order(c.merchant.account_id, rules.out_no(params, "out_trade_no"), None)


def payer_openid(room: WxPay, order: Order) -> str:
    if order.openid:
        return order.openid
    if order.payer_id is None:
        return ""
    return openid_of(room.platform, order.account_id, order.payer_id)


async def order_query(room: WxPay, c: Caller, params: Mapping[str, str]) -> dict[str, str | int]:
    order = await _order_named(room, c, params)
    return rules.order_fields(order, payer_openid(room, order), room.now())


async def close_order(room: WxPay, c: Caller, params: Mapping[str, str]) -> dict[str, str | int]:
    out_trade_no = rules.out_no(params, "out_trade_no")
    await room.store.close_order(c.merchant.account_id, out_trade_no, room.now())
    return {}


async def refund(room: WxPay, c: Caller, params: Mapping[str, str]) -> dict[str, str | int]:
    """/secapi/pay/refund: part or all of a paid order back to its payer's wallet, from
    the merchant's settlement account; the same out_refund_no again is the same refund.
    (WeChat also wants the merchant's client certificate here; this server trusts the
    signature, and TLS is the operator's front end's.)"""
    order = await _order_named(room, c, params)
    out_refund_no = rules.out_no(params, "out_refund_no")
    total = rules.fee(params, "total_fee", rules.SAFE_FEE)
    amount = rules.fee(params, "refund_fee", rules.SAFE_FEE)
    fee_type = params.get("refund_fee_type") or room.currency.code
    if fee_type != room.currency.code:
        raise WxPayParamInvalid(f"refund_fee_type is {room.currency.code}.", field="fee_type")
    desc = rules.bounded(params, "refund_desc", 80)
    url = params.get("notify_url") or None  # the refund's notification (WeChat: optional)
    if url is not None:
        url = rules.check_notify_url(rules.bounded(params, "notify_url", 256))
        await _public(room, url)
    made, first = await room.store.refund(
        c.merchant.account_id,
        None,
        order.id,
        out_refund_no,
        total,
        amount,
        desc,
        room.now(),
        notify_url=url,
    )
    if first:
        log.info(
            "wxpay.refunded",
            extra={"account_id": c.merchant.account_id, "order_id": order.id, "fee": amount},
        )
    return {
        "transaction_id": rules.transaction_id_of(order.id),
        "out_trade_no": order.out_trade_no,
        "out_refund_no": made.out_refund_no,
        "refund_id": made.refund_id,
        "refund_channel": "ORIGINAL",
        "refund_fee": made.refund_fee,
        "total_fee": order.total_fee,
        "fee_type": order.fee_type,
        "cash_fee": order.total_fee,
        "cash_refund_fee": made.refund_fee,
    }


async def refund_query(room: WxPay, c: Caller, params: Mapping[str, str]) -> dict[str, str | int]:
    """/pay/refundquery: by refund_id, out_refund_no, transaction_id or out_trade_no (in
    that order, as WeChat looks); one refund or all of the order's."""
    account_id = c.merchant.account_id
    refund_id, out_refund_no = params.get("refund_id", ""), params.get("out_refund_no", "")
    if refund_id or out_refund_no:
        row = rules.refund_row_of(refund_id) if refund_id else None
        if refund_id and row is None:
            raise WxPayParamInvalid("refund_id is not one of ours.", field="refund_id")
        one = await room.store.refund_by(account_id, out_refund_no or None, row)
        order = await room.store.order(account_id, None, one.order_id)
        return rules.refund_fields(order, [one])
    order = await _order_named(room, c, params)
    found = await room.store.refunds_of(order.id)
    if not found:
        raise rules.no_refunds(order)
    return rules.refund_fields(order, found)


def read_params(raw: bytes) -> Params:
    """A request's parameters: the flat fields of its <xml> (nested ones are ignored)."""
    try:
        fields = parse_xml(raw)
    except XmlError as exc:
        raise rules.xml_invalid(str(exc)) from None
    return {k: v for k, v in fields.items() if isinstance(v, str)}


def reply_xml(room: WxPay, caller: Caller, fields: Mapping[str, str | int]) -> str:
    """A successful reply: `fields` under return_code and result_code SUCCESS, signed
    with the caller's key and sign_type."""
    return _signed_reply(room, caller, {"result_code": "SUCCESS", **fields})


def error_xml(room: WxPay, caller: Caller | None, exc: MicroletterError) -> str:
    """The reply to a failed request. One that was not taken (bad XML, unknown merchant,
    bad signature: `caller` None or a protocol error) gets return_code FAIL, unsigned:
    there is no one to sign for. Otherwise return_code SUCCESS, result_code FAIL and the
    err_code, signed."""
    err_code, protocol = rules.wechat_code(exc)
    failed: dict[str, str | int] = {
        "result_code": "FAIL",
        "err_code": err_code,
        "err_code_des": exc.message,
    }
    if protocol or caller is None:
        return render_xml({"return_code": "FAIL", "return_msg": exc.message, **failed})
    return _signed_reply(room, caller, failed)


def _signed_reply(room: WxPay, caller: Caller, body: Mapping[str, str | int]) -> str:
    head: dict[str, str | int] = {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": caller.account.appid,
        "mch_id": caller.merchant.mch_id,
        "nonce_str": room.nonce(),
    }
    merged = {k: v for k, v in {**head, **body}.items() if v != ""}
    return render_xml(rules.signed(merged, caller.merchant.api_key, caller.sign_type))


async def sweep(room: WxPay, now: Instant) -> None:
    """Forget request nonces older than the replay window (the scheduler's, every few
    minutes): batch after batch, so a busy server's table does not outgrow the sweeps."""
    for _ in range(100):
        if await room.store.forget_nonces(Instant(now - rules.NONCE_MS)) < NONCE_BATCH:
            return
