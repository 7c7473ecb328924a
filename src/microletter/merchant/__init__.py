"""Merchant finance, a feature room (docs/commerce.md): what happens to a shop's money
after the sale. Settlement of each order from the shop's pending account to the
merchant's balance days after delivery (the durable scheduler's job), refunds'
sources, withdrawals through the wallet's provider, a credit line lent from an
operator-funded pool and repaid from later settlements, and return-shipping cover: a
premium into a pool that pays each covered return's claim once.

rules.py and errors.py (pure), store/ (units of work: settlement, credit, cover,
reconcile; `MerchantStore`), actions.py, routes.py and wire.py. It stands on the shop
(its orders, their states and staff; the shop schedules the jobs this room handles) and
the wallet (every movement is a posting in its ledger), each through its door.
microletter provides the mechanics; lending and insurance are the operator's products.
"""

from __future__ import annotations

from microletter.actions.context import Context
from microletter.actions.scheduler import JobKind
from microletter.core.models import Instant, JsonValue
from microletter.gateway.api import Router
from microletter.merchant.actions import MerchantRoom, reconcile, sweep
from microletter.merchant.routes import routers
from microletter.merchant.rules import Finding, Terms
from microletter.merchant.store import MerchantStore
from microletter.merchant.store.cover import returned_job
from microletter.merchant.store.reconcile import reconcile as reconcile_rooms
from microletter.merchant.store.settlement import settle_job
from microletter.ports import Tx
from microletter.shop import RETURNED_JOB, SETTLE_JOB, ShopRoom
from microletter.wallet import Wallet

__all__ = [
    "Finding",
    "MerchantRoom",
    "Terms",
    "jobs",
    "mount",
    "open_room",
    "reconcile",
    "reconcile_rooms",
    "sweep",
]


def jobs(room: MerchantRoom) -> tuple[JobKind, ...]:
    """The scheduler's jobs this room does for the shop: settling an order, and the
    claim of a covered order that came back."""
    amount = room.terms.claim_amount

    async def claim(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
        await returned_job(tx, payload, amount, now)

    return (JobKind(SETTLE_JOB, settle_job), JobKind(RETURNED_JOB, claim))


def mount(room: MerchantRoom) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, shop: ShopRoom, wallet: Wallet, terms: Terms) -> MerchantRoom:
    return MerchantRoom(ctx, MerchantStore(ctx.store.db), shop, wallet, terms)
