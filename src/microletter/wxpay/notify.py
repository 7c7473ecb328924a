"""Payment notifications, the scheduler's job of the merchant API: POST a paid order's
notification to its notify_url (the effect, through the platform's SSRF-guarded
WebhookClient) until the merchant acknowledges it, then record it on the order."""

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
from microletter.wxpay.store.orders import record_notification

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
    answer = await room.platform.webhooks.request(
        "POST", order.notify_url, {}, render_xml(fields), owner=order.account_id
    )
    try:
        reply: dict[str, object] | None = parse_xml(answer.body)
    except XmlError:
        reply = None
    if not rules.is_acknowledged(answer.status, reply):
        raise NotAcknowledged(f"HTTP {answer.status}")
    log.info("wxpay.notified", extra={"order_id": order.id, "attempt": attempt})
    return {}


async def record_delivery(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The job's unit of work: note the acknowledgement, or that it was given up on."""
    raw, failed = payload["order_id"], payload.get("failed")
    assert isinstance(raw, int)
    if payload.get("skipped"):
        return
    await record_notification(tx, raw, None if failed is None else str(failed), now)
