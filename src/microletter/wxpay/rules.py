"""The merchant API's values and rules, pure: signatures, the parameters of each merchant
path, orders and refunds and their states, ids in WeChat's shapes, and the notification's
fields and retry schedule. No I/O, no clock: the time and random bytes come in.

Theory of operation (an order). `unifiedorder` makes an order in NOTPAY with a prepay_id
(JSAPI: for one payer's OpenID) and, for NATIVE, a pay code (its code_url). The payer
pays it in the pay sheet: their wallet → the merchant's settlement account, and the order
is SUCCESS; a notification is then POSTed to notify_url until the merchant acknowledges
it. `closeorder` (or its time_expire passing) closes an unpaid order: CLOSED, for good.
A refund moves money back (settlement → payer); once any refund exists the order's state
is REFUND, and refunds never add up to more than the order. Each change is one guarded
UPDATE from the state it expects, so a payment and a close never both happen.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from microletter.core.errors import InvalidInput, MicroletterError
from microletter.core.ids import UserId, parse_id
from microletter.core.models import Instant
from microletter.wxpay.errors import (
    WxPayError,
    WxPayNotPayer,
    WxPayOrderClosed,
    WxPayOrderPaid,
    WxPayParamInvalid,
    WxPayParamMissing,
    WxPayRefundNotFound,
    WxPaySignatureInvalid,
    WxPayXmlInvalid,
)

MD5 = "MD5"
HMAC_SHA256 = "HMAC-SHA256"
SIGN_TYPES = (MD5, HMAC_SHA256)
JSAPI = "JSAPI"
NATIVE = "NATIVE"
TRADE_TYPES = (JSAPI, NATIVE)  # APP, MWEB and MICROPAY are not provided


class State:
    NOTPAY = "NOTPAY"
    SUCCESS = "SUCCESS"
    REFUND = "REFUND"  # paid, and at least part of it refunded
    CLOSED = "CLOSED"


PAID = (State.SUCCESS, State.REFUND)
BEIJING = timezone(timedelta(hours=8))  # WeChat Pay's times are China Standard Time
DEFAULT_EXPIRY_MS = 2 * 3600_000  # an order without time_expire: two hours (as WeChat)
MIN_EXPIRY_MS = 60_000  # time_expire at least a minute ahead
MAX_EXPIRY_MS = 15 * 86400_000
NONCE_MS = 48 * 3600_000  # nonces are remembered this long (a replay within is refused)
PAGE = 50  # orders per console page
SAFE_FEE = 2**53 - 1  # the most any fee can be (a JavaScript client reads it exactly)

API_KEY = re.compile(r"[A-Za-z0-9]{32}")
MCH_ID = re.compile(r"[0-9]{10}")
OUT_NO = re.compile(r"[A-Za-z0-9_\-|*@]{1,32}")  # out_trade_no, out_refund_no
NONCE = re.compile(r"[\x21-\x7e]{1,32}")
CODE = re.compile(r"[A-Za-z0-9_-]{22}")  # a NATIVE order's pay code
PREPAY = re.compile(r"wx[0-9a-f]{32}")
ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# Notification retries after a failed POST, in seconds: WeChat's own schedule
# (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h: 16 tries over about a day).
NOTIFY_BACKOFF: tuple[int, ...] = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600)
NOTIFY_BACKOFF += (10800, 10800, 10800, 21600, 21600)

Params = dict[str, str]


@dataclass(frozen=True, slots=True)
class Merchant:
    account_id: UserId  # the official account (and its user) that is the merchant
    mch_id: str
    api_key: str
    created_at: Instant
    key_set_at: Instant


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A unified order's parameters, checked."""

    out_trade_no: str
    trade_type: str
    body: str
    detail: str
    attach: str
    total_fee: int
    fee_type: str
    notify_url: str
    openid: str | None
    product_id: str
    device_info: str
    client_ip: str
    expires_at: Instant
    sign_type: str

    def request_hash(self) -> str:
        """What tells a repeat of this order (same) from a reuse of its out_trade_no:
        the business fields, not the times wechatpy stamps on every call."""
        fields = [self.trade_type, self.body, self.detail, self.attach, str(self.total_fee)]
        fields += [self.fee_type, self.notify_url, self.openid or "", self.product_id]
        return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    account_id: UserId
    out_trade_no: str
    trade_type: str
    body: str
    detail: str
    attach: str
    total_fee: int
    fee_type: str
    notify_url: str
    openid: str | None
    product_id: str
    device_info: str
    sign_type: str
    prepay_id: str
    code: str | None
    state: str  # as stored; `state_at` says what it is now
    created_at: Instant
    expires_at: Instant
    payer_id: UserId | None
    paid_at: Instant | None
    pay_tx: int | None
    closed_at: Instant | None
    refunded_fee: int
    notified_at: Instant | None
    notify_error: str | None

    @property
    def transaction_id(self) -> str | None:
        return transaction_id_of(self.id) if self.paid_at is not None else None


@dataclass(frozen=True, slots=True)
class Refund:
    id: int
    order_id: int
    account_id: UserId
    out_refund_no: str
    refund_fee: int
    refund_desc: str
    status: str  # SUCCESS: the money moved when it was made
    created_at: Instant
    refund_tx: int
    notify_url: str | None = None  # the refund's notification goes there (if named)
    notified_at: Instant | None = None  # the merchant acknowledged it
    notify_error: str | None = None  # why it was given up on

    @property
    def refund_id(self) -> str:
        return refund_id_of(self.id)


# --- signatures ---


def signed_text(params: Mapping[str, str], api_key: str) -> bytes:
    """`k=v&...&key=<API key>` over the non-empty parameters but `sign`, sorted by name."""
    pairs = [f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != ""]
    return "&".join([*pairs, f"key={api_key}"]).encode()


def sign(params: Mapping[str, str], api_key: str, sign_type: str = MD5) -> str:
    """The protocol's `sign`: MD5, or HMAC-SHA256 keyed with the API key, as upper hex."""
    text = signed_text(params, api_key)
    if sign_type == HMAC_SHA256:
        return hmac.new(api_key.encode(), text, hashlib.sha256).hexdigest().upper()
    return hashlib.md5(text, usedforsecurity=False).hexdigest().upper()


def check_signature(params: Mapping[str, str], api_key: str) -> str:
    """The request's sign_type if its `sign` is right (compared in constant time);
    WxPaySignatureInvalid otherwise."""
    sign_type = params.get("sign_type") or MD5
    if sign_type not in SIGN_TYPES:
        raise WxPaySignatureInvalid("sign_type is MD5 or HMAC-SHA256.", sign_type=sign_type)
    given = params.get("sign", "")
    if not hmac.compare_digest(given.upper().encode(), sign(params, api_key, sign_type).encode()):
        raise WxPaySignatureInvalid()
    return sign_type


@dataclass(frozen=True, slots=True)
class PaySign:
    """What an H5 page's chooseWXPay carries: WeChat's JSAPI pay parameters, signed by the
    merchant's server with its API key (wechatpy's `jsapi.get_jsapi_params`)."""

    app_id: str
    timestamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str


def check_pay_sign(given: PaySign | None, prepay_id: str, appid: str, api_key: str) -> None:
    """WeChat's check of chooseWXPay: `package` is `prepay_id=<the order's>`, `appId` the
    merchant account's, and `paySign` the signature (MD5 or HMAC-SHA256, as `signType`
    says) of appId, timeStamp, nonceStr, package and signType with the merchant's key.
    WxPaySignatureInvalid otherwise, naming what is wrong."""
    if given is None or not given.pay_sign:
        raise WxPaySignatureInvalid("chooseWXPay needs the order's paySign.", field="paySign")
    if given.package != f"prepay_id={prepay_id}":
        raise WxPaySignatureInvalid("package is not this order's prepay_id.", field="package")
    if given.app_id != appid:
        raise WxPaySignatureInvalid("appId is not the merchant's.", field="appId")
    if given.sign_type not in SIGN_TYPES:
        raise WxPaySignatureInvalid("signType is MD5 or HMAC-SHA256.", field="signType")
    signed_params = {
        "appId": given.app_id,
        "timeStamp": given.timestamp,
        "nonceStr": given.nonce_str,
        "package": given.package,
        "signType": given.sign_type,
    }
    right = sign(signed_params, api_key, given.sign_type)
    if not hmac.compare_digest(given.pay_sign.upper().encode(), right.encode()):
        raise WxPaySignatureInvalid(field="paySign")


def signed(params: Mapping[str, str | int], api_key: str, sign_type: str) -> Params:
    """`params` as strings, with their `sign` (and sign_type, when not MD5)."""
    out = {k: str(v) for k, v in params.items() if v is not None}
    if sign_type != MD5:
        out["sign_type"] = sign_type
    out["sign"] = sign(out, api_key, sign_type)
    return out


def api_key_from(raw: bytes) -> str:
    """A 32-character API key from random bytes (at least 32 of them)."""
    return "".join(ALPHANUM[b % len(ALPHANUM)] for b in raw[:32])


def code_from(raw: bytes) -> str:
    """A NATIVE order's pay code from 16 random bytes: 22 URL-safe characters."""
    return base64.urlsafe_b64encode(raw[:16]).decode().rstrip("=")


def mch_id_from(raw: bytes) -> str:
    """A 10-digit mch_id from random bytes (WeChat's start with 1)."""
    return "1" + str(int.from_bytes(raw[:8]) % 10**9).zfill(9)


# --- ids in WeChat's shapes, derived from ours ---


def transaction_id_of(order_id: int) -> str:
    """A paid order's transaction_id: 28 digits, as WeChat's."""
    return f"4200{order_id:024d}"


def order_id_of(transaction_id: str) -> int | None:
    if len(transaction_id) != 28 or not transaction_id.startswith("4200"):
        return None
    return _padded_id(transaction_id[4:])


def refund_id_of(refund_id: int) -> str:
    return f"5030{refund_id:025d}"


def refund_row_of(refund_id: str) -> int | None:
    if len(refund_id) != 29 or not refund_id.startswith("5030"):
        return None
    return _padded_id(refund_id[4:])


def _padded_id(digits: str) -> int | None:
    """The id that zero-padded ASCII digits spell, or None (parse_id: '²'.isdigit() is
    true, int('١٢') is 12, and 24 digits overflow the database's integers)."""
    return parse_id(digits.lstrip("0") or "0")


# --- parameters ---


def need(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "")
    if value == "":
        raise WxPayParamMissing(f"{name} is required.", field=name)
    return value


def bounded(params: Mapping[str, str], name: str, most: int, required: bool = False) -> str:
    """A text parameter of at most `most` UTF-8 bytes (as WeChat counts them)."""
    value = need(params, name) if required else params.get(name, "")
    if len(value.encode()) > most:
        raise WxPayParamInvalid(f"{name} is longer than {most} bytes.", field=name)
    return value


def out_no(params: Mapping[str, str], name: str) -> str:
    value = need(params, name)
    if not OUT_NO.fullmatch(value):
        raise WxPayParamInvalid(f"{name}: 1-32 of A-Z a-z 0-9 _ - | * @.", field=name)
    return value


def fee(params: Mapping[str, str], name: str, most: int) -> int:
    """A fee: a positive whole number of minor units (fen), at most `most`."""
    value = need(params, name)
    if not value.isascii() or not value.isdigit() or len(value) > 16:
        raise WxPayParamInvalid(f"{name} is a whole number of fen.", field=name)
    amount = int(value)
    if amount <= 0 or amount > most:
        raise WxPayParamInvalid(f"{name} is from 1 to {most}.", field=name, max_amount=most)
    return amount


def parse_time(text: str, name: str) -> Instant:
    """yyyyMMddHHmmss in China Standard Time, as WeChat writes its times."""
    try:
        moment = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    except ValueError:
        raise WxPayParamInvalid(f"{name} is yyyyMMddHHmmss.", field=name) from None
    return Instant(int(moment.timestamp() * 1000))


def format_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(BEIJING).strftime("%Y%m%d%H%M%S")


def check_notify_url(url: str) -> str:
    """An http(s) URL without a query (WeChat refuses parameters on notify_url)."""
    if not re.fullmatch(r"https?://[^\s?#]+", url) or len(url) > 256:
        raise WxPayParamInvalid("notify_url is an http(s) URL without a query.", field="notify_url")
    return url


def check_unified_order(
    params: Mapping[str, str], currency: str, most: int, sign_type: str, now: Instant
) -> NewOrder:
    """The parameters of /pay/unifiedorder, checked (the signature was checked before)."""
    trade_type = need(params, "trade_type")
    if trade_type not in TRADE_TYPES:
        raise WxPayParamInvalid("trade_type is JSAPI or NATIVE here.", field="trade_type")
    openid = params.get("openid") or None
    if trade_type == JSAPI and openid is None:
        raise WxPayParamMissing("A JSAPI order needs the payer's openid.", field="openid")
    product_id = bounded(params, "product_id", 32, required=trade_type == NATIVE)
    fee_type = params.get("fee_type") or currency
    if fee_type != currency:
        raise WxPayParamInvalid(f"fee_type is {currency} on this server.", field="fee_type")
    expires = Instant(now + DEFAULT_EXPIRY_MS)
    if params.get("time_expire"):
        expires = parse_time(params["time_expire"], "time_expire")
        if expires < now + MIN_EXPIRY_MS or expires > now + MAX_EXPIRY_MS:
            raise WxPayParamInvalid(
                "time_expire is from 1 minute to 15 days ahead.", field="time_expire"
            )
    if params.get("time_start"):
        parse_time(params["time_start"], "time_start")
    return NewOrder(
        out_trade_no=out_no(params, "out_trade_no"),
        trade_type=trade_type,
        body=bounded(params, "body", 128, required=True),
        detail=bounded(params, "detail", 6000),
        attach=bounded(params, "attach", 127),
        total_fee=fee(params, "total_fee", most),
        fee_type=fee_type,
        notify_url=check_notify_url(bounded(params, "notify_url", 256, required=True)),
        openid=None if openid is None else bounded(params, "openid", 128),
        product_id=product_id,
        device_info=bounded(params, "device_info", 32),
        client_ip=bounded(params, "spbill_create_ip", 64),
        expires_at=expires,
        sign_type=sign_type,
    )


# --- states ---


def state_at(order: Order, now: Instant) -> str:
    """The order's state now: an unpaid order past its time_expire is closed."""
    if order.state == State.NOTPAY and now >= order.expires_at:
        return State.CLOSED
    return order.state


def check_payable(order: Order, now: Instant) -> None:
    state = state_at(order, now)
    if state in PAID:
        raise WxPayOrderPaid(out_trade_no=order.out_trade_no)
    if state == State.CLOSED:
        raise WxPayOrderClosed(out_trade_no=order.out_trade_no)


# --- what the protocol answers ---


def wechat_code(exc: MicroletterError) -> tuple[str, bool]:
    """An error's `err_code`, and whether the request was not taken at all (FAIL)."""
    if isinstance(exc, WxPayError):
        return exc.err_code, exc.protocol
    if isinstance(exc, InvalidInput):
        return "PARAM_ERROR", False
    return "SYSTEMERROR", False


def xml_invalid(why: str) -> WxPayXmlInvalid:
    return WxPayXmlInvalid(f"The body is not a WeChat Pay <xml> document: {why}.")


def no_refunds(order: Order) -> WxPayRefundNotFound:
    return WxPayRefundNotFound("The order has no refunds.", out_trade_no=order.out_trade_no)


def not_payer(order: Order) -> WxPayNotPayer:
    return WxPayNotPayer(out_trade_no=order.out_trade_no)


def order_fields(order: Order, openid: str, now: Instant) -> dict[str, str | int]:
    """An order as orderquery (and, once paid, the notification) describes it."""
    state = state_at(order, now)
    out: dict[str, str | int] = {
        "device_info": order.device_info,
        "trade_type": order.trade_type,
        "trade_state": state,
        "total_fee": order.total_fee,
        "fee_type": order.fee_type,
        "out_trade_no": order.out_trade_no,
        "attach": order.attach,
        "trade_state_desc": STATE_DESC[state],
    }
    if order.paid_at is not None and order.transaction_id is not None:
        out |= {
            "openid": openid,
            "is_subscribe": "N",
            "bank_type": "OTHERS",  # the payer's wallet
            "cash_fee": order.total_fee,
            "cash_fee_type": order.fee_type,
            "transaction_id": order.transaction_id,
            "time_end": format_time(order.paid_at),
        }
    return out


STATE_DESC = {
    State.NOTPAY: "Not paid",
    State.SUCCESS: "Paid",
    State.REFUND: "Refunded (in part or in full)",
    State.CLOSED: "Closed",
}


def notification(
    order: Order, merchant: Merchant, appid: str, openid: str, subscribed: bool, nonce: str
) -> Params:
    """The payment notification POSTed to notify_url, signed as the order was (MD5 unless
    the order asked for HMAC-SHA256)."""
    fields: dict[str, str | int] = {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": appid,
        "mch_id": merchant.mch_id,
        "nonce_str": nonce,
        "result_code": "SUCCESS",
    }
    fields |= order_fields(order, openid, order.paid_at or order.created_at)
    for name in ("trade_state", "trade_state_desc"):  # orderquery's, not the notification's
        fields.pop(name, None)
    fields["is_subscribe"] = "Y" if subscribed else "N"
    return signed({k: v for k, v in fields.items() if v != ""}, merchant.api_key, order.sign_type)


def is_acknowledged(status: int, reply: Mapping[str, object] | None) -> bool:
    """The merchant took the notification: HTTP 200 and <return_code>SUCCESS."""
    return status == 200 and reply is not None and reply.get("return_code") == "SUCCESS"


def notify_backoff(attempt: int) -> int | None:
    """Milliseconds before the next try after failed try number `attempt` (1 = the
    first); None once the schedule is spent."""
    if attempt < 1 or attempt > len(NOTIFY_BACKOFF):
        return None
    return NOTIFY_BACKOFF[attempt - 1] * 1000


def refund_notification(
    order: Order, refund: Refund, merchant: Merchant, appid: str, nonce: str
) -> tuple[dict[str, str], dict[str, str | int]]:
    """A refund's notification ("退款结果通知"): the outer fields, unsigned, and the
    fields of the <root> document that goes into them encrypted as `req_info`
    (crypto.py), as WeChat Pay v2 sends them."""
    outer = {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": appid,
        "mch_id": merchant.mch_id,
        "nonce_str": nonce,
    }
    inner: dict[str, str | int] = {
        "transaction_id": transaction_id_of(order.id),
        "out_trade_no": order.out_trade_no,
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "total_fee": order.total_fee,
        "refund_fee": refund.refund_fee,
        "settlement_refund_fee": refund.refund_fee,
        "refund_status": refund.status,
        "success_time": _dashed(refund.created_at),
        "refund_recv_accout": "the payer's wallet",  # sic: WeChat's spelling
        "refund_account": "REFUND_SOURCE_UNSETTLED_FUNDS",
        "refund_request_source": "API",
    }
    return outer, inner


def refund_fields(order: Order, refunds: list[Refund]) -> dict[str, str | int]:
    """refundquery's answer: the order and its refunds, numbered from 0."""
    out: dict[str, str | int] = {
        "transaction_id": order.transaction_id or "",
        "out_trade_no": order.out_trade_no,
        "total_fee": order.total_fee,
        "cash_fee": order.total_fee,
        "fee_type": order.fee_type,
        "refund_count": len(refunds),
        "refund_fee": sum(r.refund_fee for r in refunds),
    }
    for i, r in enumerate(refunds):
        out |= {
            f"out_refund_no_{i}": r.out_refund_no,
            f"refund_id_{i}": r.refund_id,
            f"refund_channel_{i}": "ORIGINAL",
            f"refund_fee_{i}": r.refund_fee,
            f"refund_status_{i}": r.status,
            f"refund_account_{i}": "REFUND_SOURCE_UNSETTLED_FUNDS",
            f"refund_recv_accout_{i}": "the payer's wallet",  # sic: WeChat's spelling
            f"refund_success_time_{i}": _dashed(r.created_at),
        }
    return out


def _dashed(ms: int) -> str:
    """2026-12-07 21:05:09 in China Standard Time (refund times are written so)."""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
