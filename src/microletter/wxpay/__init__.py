"""The WeChat Pay–compatible merchant API, a feature room: official accounts as
merchants (an mch_id and an API key from the developer console), the merchant paths of
WeChat Pay API v2 (signed XML at /pay and /secapi), the payer's pay sheet, payment
notifications to notify_url, and the console's orders, refunds and settlement balance
(docs/wallet.md, "The merchant API").

rules.py and errors.py (pure), store/ (merchants, orders and refunds: `WxPayStore`),
actions.py (the merchant paths), payers.py (the pay sheet, the console), notify.py (the
notifications), protocol.py (the XML paths), routes.py and wire.py (/api/v1). It stands on the
wallet (its ledger moves the money: payer → the merchant's settlement account, and back
for a refund) and on the platform (merchants are official accounts; notifications go out
through its SSRF-guarded WebhookClient), each through its door. app.py builds it, mounts
its paths and registers its scheduler job.
"""

from __future__ import annotations

import functools

from aiohttp import web

from microletter.actions.context import Context
from microletter.actions.scheduler import JobKind
from microletter.gateway.api import Router
from microletter.platform import Platform
from microletter.wallet import Wallet
from microletter.wxpay import notify
from microletter.wxpay.actions import WxPay, sweep
from microletter.wxpay.protocol import Limit
from microletter.wxpay.protocol import mount as mount_protocol
from microletter.wxpay.routes import routers
from microletter.wxpay.rules import notify_backoff
from microletter.wxpay.store import WxPayStore
from microletter.wxpay.store.orders import NOTIFY_JOB, REFUND_NOTIFY_JOB

__all__ = ["WxPay", "jobs", "mount", "open_room", "sweep"]


def jobs(room: WxPay) -> tuple[JobKind, ...]:
    """The scheduler's jobs of this room: a paid order's notification and a refund's,
    POSTed until the merchant acknowledges it (WeChat's retry schedule), then recorded on
    the order or the refund."""
    deliver = functools.partial(notify.deliver, room)
    deliver_refund = functools.partial(notify.deliver_refund, room)
    return (
        JobKind(NOTIFY_JOB, notify.record_delivery, deliver, notify_backoff),
        JobKind(REFUND_NOTIFY_JOB, notify.record_refund_delivery, deliver_refund, notify_backoff),
    )


def mount(app: web.Application, room: WxPay, limit: Limit) -> list[Router]:
    """Add the merchant paths (/pay, /secapi) to `app`; return the /api/v1 routers. (A
    NATIVE order's code_url, /p/<code>, is a link of the web client: gateway/webapp.py's
    LINKS serves the client there, and web/js/links.js opens the pay sheet.)"""
    mount_protocol(app, room, limit)

    return routers(room)


def open_room(ctx: Context, platform: Platform, wallet: Wallet) -> WxPay:
    return WxPay(ctx, WxPayStore(ctx.store.db), platform, wallet)
