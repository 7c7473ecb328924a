"""Notifications, the scheduler's jobs of the merchant API: POST a paid order's
notification to its notify_url, and a refund's (its fields encrypted in `req_info`) to the
notify_url its request named (the effect, through the platform's SSRF-guarded
WebhookClient), until the merchant acknowledges it; then record it on the order or refund."""

from __future__ import annotations

import logging

from microletter.core.models import Instant, JsonValue
from microletter.platform import (
    AccountNotFound,
    XmlError,
    account_by_id,
    is_follower,
    parse_xml,
    render_xml,
)
from microletter.ports import Tx
from microletter.wxpay import rules
from microletter.wxpay.actions import WxPay, payer_openid
from microletter.wxpay.crypto import encrypt_req_info
from microletter.wxpay.store.orders import record_notification, record_refund_notification

log = logging.getLogger(__name__)


# --- payment notifications (the scheduler's) ---


class NotAcknowledged(Exception):
    """The merchant's notify_url did not take the notification (tried again later)."""


async def deliver(room: WxPay, payload: dict[str, JsonValue], attempt: int) -> dict[str, JsonValue]:
    """POST the order's payment notification to its notify_url (the effect of the job
    pay_order scheduled); raises unless the merchant acknowledged it."""
    raw = payload["order_id"]
    assert isinstance(raw, int)  # written by pay_order
    order = await room.store.order_by_id(raw)
    merchant = await room.store.merchant_of(order.account_id)
    if merchant is None or order.payer_id is None:  # nothing to tell (or no one to)
        return {"skipped": True}
    try:
        account = await account_by_id(room.platform, order.account_id)
    except AccountNotFound:
        return {"skipped": True}
    subscribed = await is_follower(room.platform, order.account_id, order.payer_id)
    fields = rules.notification(
        order, merchant, account.appid, payer_openid(room, order), subscribed, room.nonce()
    )
    await _post(room, order.notify_url, render_xml(fields), order.account_id)
    log.info("wxpay.notified", extra={"order_id": order.id, "attempt": attempt})
    return {}


async def _post(room: WxPay, url: str, body: str, owner: int) -> None:
    answer = await room.platform.webhooks.request("POST", url, {}, body, owner=owner)
    try:
        reply: dict[str, object] | None = parse_xml(answer.body)
    except XmlError:
        reply = None
    if not rules.is_acknowledged(answer.status, reply):
        raise NotAcknowledged(f"HTTP {answer.status}")


async def record_delivery(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The job's unit of work: note the acknowledgement, or that it was given up on."""
    raw, failed = payload["order_id"], payload.get("failed")
    assert isinstance(raw, int)
    if payload.get("skipped"):
        return
    await record_notification(tx, raw, None if failed is None else str(failed), now)


# --- refund notifications (the scheduler's) ---


async def deliver_refund(
    room: WxPay, payload: dict[str, JsonValue], attempt: int
) -> dict[str, JsonValue]:
    """POST a refund's notification to the notify_url of its request: unsigned, its
    fields in `req_info`, encrypted with the merchant's API key (crypto.py); raises
    unless the merchant acknowledged it."""
    raw = payload["refund_id"]
    assert isinstance(raw, int)  # written by the refund
    refund = await room.store.refund_by_id(raw)
    merchant = await room.store.merchant_of(refund.account_id)
    if merchant is None or not refund.notify_url:
        return {"skipped": True}
    try:
        account = await account_by_id(room.platform, refund.account_id)
    except AccountNotFound:
        return {"skipped": True}
    order = await room.store.order_by_id(refund.order_id)
    outer, inner = rules.refund_notification(order, refund, merchant, account.appid, room.nonce())
    # the key of now: a merchant who changed it decrypts with the new one
    req_info = encrypt_req_info(render_xml(inner, root="root"), merchant.api_key)
    body = render_xml({**outer, "req_info": req_info})
    await _post(room, refund.notify_url, body, refund.account_id)
    log.info("wxpay.refund_notified", extra={"refund_id": refund.id, "attempt": attempt})
    return {}


async def record_refund_delivery(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The job's unit of work: note the acknowledgement, or that it was given up on."""
    raw, failed = payload["refund_id"], payload.get("failed")
    assert isinstance(raw, int)
    if payload.get("skipped"):
        return
    await record_refund_notification(tx, raw, None if failed is None else str(failed), now)
