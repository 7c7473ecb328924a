"""Merchant shops, a feature room: an official account's shop and its staff (clerks,
couriers), the catalog (categories, products with variants, pictures and, for digital
goods, a file), carts, checkout from the wallet, orders whose every change is a card in
the buyer's chat with the shop, and delivery in daily windows (docs/commerce.md).

rules/ and errors.py (pure: the catalog, the order's states, windows in a time zone),
store/ (units of work: catalog, carts, delivery, orders; `ShopStore`), actions.py,
routes.py and wire.py. It stands on the wallet (its ledger moves the money: buyer → the
shop's pending account, and back for a cancel or refund; a cover premium → the cover
pool) and on the platform (a shop is an official account's; its cards go
in the buyer's conversation with the account), each through its door. app.py builds
it, mounts its routes, registers its media grant, referrer and scheduler job.

What happens after delivery belongs to the merchant room (merchant/): the order's
settlement (SETTLE_JOB, scheduled here at delivery or fulfilment) and a covered
return's claim (RETURNED_JOB, scheduled here when a return is confirmed). This door
gives it the orders, their states and the staff check.
"""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.actions.scheduler import JobKind
from microletter.gateway.api import Router
from microletter.platform import Platform
from microletter.ports import Referrer
from microletter.shop.actions import CATALOG, ShopRoom, access_order, access_staff, media_grant
from microletter.shop.errors import NotShopStaff, OrderNotFound, ShopNotFound
from microletter.shop.routes import order_wire, routers
from microletter.shop.rules import (
    COVER_POOL,
    OWNER,
    PENDING,
    RETURNED_JOB,
    SETTLE_JOB,
    Order,
    OrderId,
    ShopId,
    Status,
)
from microletter.shop.store import ShopStore
from microletter.shop.store.orders import WINDOW_JOB, mark_settled, window_closed
from microletter.shop.store.rows import load_order, load_shop
from microletter.wallet import Wallet

__all__ = [
    "CATALOG",
    "COVER_POOL",
    "JOBS",
    "NotShopStaff",
    "OWNER",
    "Order",
    "OrderId",
    "OrderNotFound",
    "PENDING",
    "REFERRERS",
    "RETURNED_JOB",
    "SETTLE_JOB",
    "ShopId",
    "ShopNotFound",
    "ShopRoom",
    "Status",
    "access_order",
    "access_staff",
    "load_order",
    "load_shop",
    "mark_settled",
    "mount",
    "open_room",
    "order_wire",
]

# The scheduler's job: at a delivery window's close, an order not delivered in it is
# told to its buyer (an `order` card, `window_missed`), who may pick a new window.
JOBS = (JobKind(WINDOW_JOB, window_closed),)

# The blobs products refer to (pictures, digital files): the collector keeps them.
REFERRERS = (
    Referrer(
        "shop.products",
        "SELECT media_id FROM shop_product_media WHERE media_id = ANY($1::text[])",
    ),
)


def mount(app: web.Application, room: ShopRoom) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(
    ctx: Context,
    platform: Platform,
    wallet: Wallet,
    *,
    settle_after_ms: int = 7 * 86_400_000,
    cover_premium: int = 0,
) -> ShopRoom:
    """The room on the context's database, its media grant registered (products'
    pictures for everyone, a digital product's file for its buyers); orders settle
    `settle_after_ms` after delivery, and cover costs `cover_premium` (0: none)."""
    room = ShopRoom(ctx, ShopStore(ctx.store.db), platform, wallet, settle_after_ms, cover_premium)
    ctx.media.grants.append(media_grant(room))
    return room
