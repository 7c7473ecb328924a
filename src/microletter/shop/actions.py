"""The shop's actions: the only writers of shops, catalogs, carts and orders. Each finds
who is asking and in what role (`roles_in`: owner, clerk, courier; a buyer for their
own orders), checks its input with rules/, runs one unit of work, then publishes.

The owner is the official account's developer (the console); staff are named by them.
Money moves only inside the store's units of work, through the wallet's ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from microletter.actions.context import Context, MediaGrant
from microletter.core.errors import InvalidInput
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import Media, MediaId
from microletter.core.messages import Draft, check_client_msg_id
from microletter.core.models import JsonValue, Message, MessageKind, Principal
from microletter.platform import Platform, account_by_id, owned_account
from microletter.shop import rules
from microletter.shop.errors import NotShopStaff, OrderNotFound, ProductNotFound
from microletter.shop.rules import (
    BUYER,
    CLERK,
    COURIER,
    OWNER,
    CartLine,
    Category,
    CategoryId,
    Delivery,
    Order,
    OrderId,
    Product,
    ProductId,
    Shop,
    ShopId,
    Staff,
    Variant,
    VariantId,
    WindowId,
    ZoneId,
)
from microletter.shop.rules import windows as timing
from microletter.shop.rules.windows import Opening
from microletter.shop.store import ShopStore
from microletter.shop.store.delivery import Zone
from microletter.wallet import PaymentTokenInvalid, Wallet, check_amount, check_key, fingerprint
from microletter.wallet import hash_token as hash_payment_token

log = logging.getLogger(__name__)
CATALOG = (OWNER, CLERK)  # who keeps the catalog, the zones and the orders
EVERY_STAFF = (OWNER, CLERK, COURIER)


@dataclass
class ShopRoom:
    """The room as app.py builds it: the core's context, its store, the platform (a
    shop is an official account's) and the wallet (whose ledger moves the money)."""

    ctx: Context
    store: ShopStore
    platform: Platform
    wallet: Wallet
    settle_after_ms: int = 7 * 86_400_000  # pending → balance this long after delivery
    cover_premium: int = 0  # return-shipping cover's premium (0: not offered)

    @property
    def currency(self) -> str:
        return self.wallet.settings.currency.code


# --- who is asking ---


async def roles_in(room: ShopRoom, me: Principal, shop_id: ShopId) -> list[str]:
    """My roles in a shop: owner (the account's developer), clerk or courier."""
    roles = []
    account = await account_by_id(room.platform, shop_id)
    if account.owner_id == me.user_id:
        roles.append(OWNER)
    role = await room.store.role_of(shop_id, me.user_id)
    if role is not None:
        roles.append(role)
    return roles


async def access_staff(
    room: ShopRoom, me: Principal, shop_id: ShopId, allowed: Sequence[str] = CATALOG
) -> list[str]:
    """The shop (ShopNotFound) and my roles in it; NotShopStaff unless one is allowed."""
    await room.store.shop(shop_id)
    roles = await roles_in(room, me, shop_id)
    if not set(roles) & set(allowed):
        raise NotShopStaff(shop_id=shop_id)
    return roles


# --- the console: the shop and its staff ---


async def open_shop(
    room: ShopRoom, me: Principal, account_id: UserId, name: str, description: str, tz: str
) -> Shop:
    """Open my account's shop (or change its name, description and time zone)."""
    await owned_account(room.platform, me, account_id)
    shop = await room.store.save_shop(
        ShopId(account_id),
        rules.check_name(name),
        rules.check_text(description, "description", rules.MAX_DESCRIPTION),
        timing.check_time_zone(tz),
        room.ctx.clock(),
    )
    log.info("shop.saved", extra={"shop_id": shop.id})
    return shop


async def set_staff(
    room: ShopRoom, me: Principal, account_id: UserId, user_id: UserId, role: str | None
) -> list[Staff]:
    """Name a clerk or a courier of my account's shop (`role` None: remove them)."""
    await owned_account(room.platform, me, account_id)
    checked = None if role is None else rules.check_role(role)
    await room.store.set_staff(ShopId(account_id), user_id, checked, room.ctx.clock())
    return await room.store.staff(ShopId(account_id))


async def staff(room: ShopRoom, me: Principal, shop_id: ShopId) -> list[Staff]:
    await access_staff(room, me, shop_id)
    return await room.store.staff(shop_id)


async def my_shops(room: ShopRoom, me: Principal) -> list[tuple[Shop, str]]:
    """The shops I work for, with my role (the clerk's and courier's way in)."""
    return await room.store.shops_of_staff(me.user_id)


# --- the catalog ---


async def add_category(room: ShopRoom, me: Principal, shop_id: ShopId, name: str) -> Category:
    await access_staff(room, me, shop_id)
    return await room.store.add_category(shop_id, rules.check_name(name), room.ctx.clock())


async def add_product(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    fields: Mapping[str, JsonValue],
) -> Product:
    """A product: {name, description, kind, category_id, pictures: [media ids],
    file: media id (digital), variants: [{sku, name, price, stock}]}."""
    await access_staff(room, me, shop_id)
    kind = rules.check_kind(str(fields.get("kind", rules.PHYSICAL)))
    pictures = _ids(fields.get("pictures") or [], "pictures")
    if len(pictures) > rules.MAX_PICTURES:
        raise InvalidInput("Too many pictures.", field="pictures", max_items=rules.MAX_PICTURES)
    file = fields.get("file")
    if (kind == rules.DIGITAL) != isinstance(file, str):
        raise InvalidInput(
            "A digital product has a file (a media id); goods have none.", field="file"
        )
    raw_variants = fields.get("variants")
    if not isinstance(raw_variants, list) or not all(isinstance(v, dict) for v in raw_variants):
        raise InvalidInput("variants is a list of {sku, name, price, stock}.", field="variants")
    limit = room.wallet.settings.max_amount
    variants = rules.check_variants(
        [
            rules.check_variant(v, check_amount(v.get("price"), limit))
            for v in raw_variants
            if isinstance(v, dict)
        ]
    )
    category = fields.get("category_id")
    if category is not None and (isinstance(category, bool) or not isinstance(category, int)):
        raise InvalidInput("category_id is an id.", field="category_id")
    return await room.store.add_product(
        me.user_id,
        shop_id,
        None if category is None else CategoryId(category),
        rules.check_name(str(fields.get("name", ""))),
        rules.check_text(str(fields.get("description", "")), "description", rules.MAX_DESCRIPTION),
        kind,
        pictures,
        file if isinstance(file, str) else None,
        variants,
        room.ctx.clock(),
    )


def _ids(raw: JsonValue, field: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise InvalidInput(f"{field} is a list of media ids.", field=field)
    return [str(x) for x in raw]


async def update_variant(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    vid: VariantId,
    price: object | None,
    stock: object | None,
) -> Variant:
    """Change a variant's price (buyers with it in their cart confirm the new total)
    and/or set its stock."""
    await access_staff(room, me, shop_id)
    checked_price = None if price is None else check_amount(price, room.wallet.settings.max_amount)
    checked_stock = None if stock is None else rules.check_count(stock, "stock", rules.MAX_STOCK)
    return await room.store.update_variant(shop_id, vid, checked_price, checked_stock)


async def set_product_active(
    room: ShopRoom, me: Principal, shop_id: ShopId, pid: ProductId, active: bool
) -> Product:
    await access_staff(room, me, shop_id)
    return await room.store.set_active(shop_id, pid, active)


async def edit_product(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    pid: ProductId,
    fields: Mapping[str, JsonValue],
) -> Product:
    """Change a product's name, description, category (`no_category`: none) or whether
    it is on sale; what is not named stays as it was."""
    await access_staff(room, me, shop_id)
    name, description = fields.get("name"), fields.get("description")
    active, category = fields.get("active"), fields.get("category_id")
    edit = rules.ProductEdit(
        active if isinstance(active, bool) else None,
        rules.check_name(name) if isinstance(name, str) else None,
        rules.check_text(description, "description", rules.MAX_DESCRIPTION)
        if isinstance(description, str)
        else None,
        None
        if fields.get("no_category")
        else CategoryId(category)
        if isinstance(category, int) and not isinstance(category, bool)
        else rules.KEEP,
    )
    return await room.store.edit_product(shop_id, pid, edit)


async def add_variant(
    room: ShopRoom, me: Principal, shop_id: ShopId, pid: ProductId, raw: Mapping[str, JsonValue]
) -> Product:
    """One more variant of a product: {sku, name, price, stock}."""
    await access_staff(room, me, shop_id)
    checked = rules.check_variant(
        raw, check_amount(raw.get("price"), room.wallet.settings.max_amount)
    )
    return await room.store.add_variant(shop_id, pid, checked, room.ctx.clock())


async def rename_category(
    room: ShopRoom, me: Principal, shop_id: ShopId, cid: CategoryId, name: str
) -> Category:
    await access_staff(room, me, shop_id)
    return await room.store.rename_category(shop_id, cid, rules.check_name(name))


async def delete_category(
    room: ShopRoom, me: Principal, shop_id: ShopId, cid: CategoryId
) -> list[Category]:
    """Delete a category (its products stay, in none): the categories left."""
    await access_staff(room, me, shop_id)
    await room.store.delete_category(shop_id, cid)
    return await room.store.categories(shop_id)


async def delete_product(
    room: ShopRoom, me: Principal, shop_id: ShopId, pid: ProductId
) -> Product | None:
    """Delete a product never ordered (None); one with orders is taken off sale instead
    (returned, not active)."""
    await access_staff(room, me, shop_id)
    kept = await room.store.delete_product(shop_id, pid)
    log.info("shop.product_deleted", extra={"product_id": pid, "kept": kept is not None})
    return kept


async def catalog(room: ShopRoom, me: Principal, shop_id: ShopId) -> list[Product]:
    """Every product of the shop, on sale or not (its staff's view)."""
    await access_staff(room, me, shop_id)
    return await room.store.products(shop_id, True)


async def share_product(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    pid: ProductId,
    cid: ConversationId,
    client_msg_id: str,
) -> Message:
    """Post a product's card into a conversation of mine, as me (a `product` message;
    whoever opens it sees the product and may buy it)."""
    shop = await room.store.shop(shop_id)
    found = await product(room, shop_id, pid)
    draft = Draft(
        cid,
        me.user_id,
        check_client_msg_id(client_msg_id, room.ctx.limits),
        MessageKind.PRODUCT,
        None,
        data=rules.product_card(found, shop.name, room.currency),
    )
    outcome = await room.ctx.store.post_message(draft, room.ctx.clock())
    if outcome.entries or outcome.streamed:  # not a repeat of client_msg_id
        await room.ctx.publish(outcome)
    return outcome.value


async def storefront(room: ShopRoom, shop_id: ShopId) -> tuple[Shop, list[Category], list[Product]]:
    """What anyone sees of a shop: its categories and the products on sale."""
    shop = await room.store.shop(shop_id)
    return shop, await room.store.categories(shop_id), await room.store.products(shop_id, False)


async def product(room: ShopRoom, shop_id: ShopId, pid: ProductId) -> Product:
    found = await room.store.product(shop_id, pid)
    if not found.active:
        raise ProductNotFound(product_id=pid)
    return found


# --- the cart ---


async def set_cart_line(
    room: ShopRoom, me: Principal, shop_id: ShopId, vid: VariantId, quantity: object
) -> list[CartLine]:
    q = rules.check_quantity(quantity)
    return await room.store.set_line(me.user_id, shop_id, vid, q, room.ctx.clock())


async def cart(room: ShopRoom, me: Principal, shop_id: ShopId) -> list[CartLine]:
    await room.store.shop(shop_id)
    return await room.store.cart(me.user_id, shop_id)


# --- delivery zones and windows ---


async def add_zone(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    name: str,
    areas: Sequence[str],
    windows: Sequence[Mapping[str, JsonValue]],
) -> Zone:
    """A delivery zone: the postal codes or districts it serves, and its daily windows
    ({start, end: "HH:MM" in the shop's time zone, capacity})."""
    await access_staff(room, me, shop_id)
    return await room.store.add_zone(
        shop_id,
        rules.check_name(name),
        timing.check_areas(areas),
        timing.check_windows(windows),
        room.ctx.clock(),
    )


async def edit_zone(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    zid: ZoneId,
    name: str | None,
    areas: Sequence[str] | None,
) -> Zone:
    """Rename a zone and/or replace the areas it serves (what is None stays)."""
    await access_staff(room, me, shop_id)
    return await room.store.edit_zone(
        shop_id,
        zid,
        None if name is None else rules.check_name(name),
        None if areas is None else timing.check_areas(areas),
    )


async def delete_zone(room: ShopRoom, me: Principal, shop_id: ShopId, zid: ZoneId) -> None:
    """Delete a zone and its windows: refused (WindowHasOrders) while an order still to
    be delivered is booked in one of them."""
    await access_staff(room, me, shop_id)
    await room.store.delete_zone(shop_id, zid)
    log.info("shop.zone_deleted", extra={"shop_id": shop_id, "zone_id": zid})


async def add_window(
    room: ShopRoom, me: Principal, shop_id: ShopId, zid: ZoneId, raw: Mapping[str, JsonValue]
) -> Zone:
    """One more daily window in a zone: {start, end: "HH:MM", capacity}."""
    await access_staff(room, me, shop_id)
    return await room.store.add_window(shop_id, zid, timing.check_window(raw), room.ctx.clock())


async def edit_window(
    room: ShopRoom, me: Principal, shop_id: ShopId, wid: WindowId, raw: Mapping[str, JsonValue]
) -> Zone:
    """Change a window's {start?, end?, capacity?}: its times only while no order still
    to be delivered is booked in it (WindowHasOrders); its capacity at any time."""
    await access_staff(room, me, shop_id)
    return await room.store.edit_window(shop_id, wid, timing.check_window_edit(raw))


async def delete_window(room: ShopRoom, me: Principal, shop_id: ShopId, wid: WindowId) -> Zone:
    """Delete a window (not while orders to deliver are booked in it): its zone after."""
    await access_staff(room, me, shop_id)
    zone = await room.store.delete_window(shop_id, wid)
    log.info("shop.window_deleted", extra={"shop_id": shop_id, "window_id": wid})
    return zone


async def zones(room: ShopRoom, me: Principal, shop_id: ShopId) -> tuple[Shop, list[Zone]]:
    await access_staff(room, me, shop_id, EVERY_STAFF)
    return await room.store.shop(shop_id), await room.store.zones(shop_id)


async def offers(
    room: ShopRoom, shop_id: ShopId, area: str, days: int = timing.OFFERED_DAYS
) -> tuple[Shop, list[tuple[Opening, int]]]:
    """The next windows with room for an area (ZoneNotServed), each with places left."""
    shop = await room.store.shop(shop_id)
    windows = await room.store.windows_for(shop_id, timing.normal_area(area))
    coming = timing.upcoming(windows, room.ctx.clock(), shop.time_zone, days)
    taken = await room.store.taken([w.id for w in windows])
    left = [(o, o.window.capacity - taken.get((o.window.id, o.day), 0)) for o in coming]
    return shop, [(o, n) for o, n in left if n > 0]


# --- checkout and orders ---


async def checkout(
    room: ShopRoom,
    me: Principal,
    shop_id: ShopId,
    confirmed_total: object | None,
    delivery: Delivery | None,
    key: str,
    payment_token: str | None,
    cover: bool = False,
) -> tuple[Order, bool]:
    """Buy my cart at this shop with a payment token (from my payment password, checked
    before: never inside the transaction), with return-shipping cover if asked (and
    offered). A replay of `key` returns the first order."""
    key = check_key(key)
    if cover and not room.cover_premium:
        raise InvalidInput("Return-shipping cover is not offered here.", field="cover")
    premium = room.cover_premium if cover else 0
    if not payment_token:
        raise PaymentTokenInvalid()
    total = None
    if confirmed_total is not None:
        total = check_amount(confirmed_total, rules.SAFE_TOTAL)
    if delivery is not None:
        delivery = Delivery(
            timing.normal_area(delivery.area),
            rules.check_text(delivery.address, "address", 300),
            rules.check_text(delivery.recipient, "recipient", rules.MAX_NAME),
            rules.check_text(delivery.phone, "phone", 40),
            delivery.window_id,
            delivery.day,
        )
    asked = {"shop": shop_id, "total": total, "delivery": delivery, "cover": premium}
    fp = fingerprint("shop.checkout", asked)
    outcome = await room.store.checkout(
        me.user_id,
        shop_id,
        total,
        delivery,
        room.currency,
        key,
        fp,
        hash_payment_token(payment_token),
        room.ctx.clock(),
        premium,
        room.settle_after_ms,
    )
    await room.ctx.publish(outcome)
    result, made = outcome.value
    if made is not None:  # the first time: the order as it was written
        log.info("shop.checkout", extra={"order_id": made.id, "shop_id": shop_id})
        return made, True
    oid = result["order_id"]
    assert isinstance(oid, int)  # our own result
    return await room.store.order(OrderId(oid)), False


async def access_order(room: ShopRoom, me: Principal, oid: OrderId) -> tuple[Order, list[str]]:
    """An order its buyer or the shop's staff may see, and my roles towards it
    (OrderNotFound for anyone else: whether it exists is not theirs to know)."""
    order = await room.store.order(oid)
    roles = await roles_in(room, me, order.shop_id)
    if order.buyer_id == me.user_id:
        roles.append(BUYER)
    if not roles:
        raise OrderNotFound(order_id=oid)
    return order, roles


async def order(room: ShopRoom, me: Principal, oid: OrderId) -> Order:
    return (await access_order(room, me, oid))[0]


async def act(room: ShopRoom, me: Principal, oid: OrderId, action: str) -> Order:
    """Move an order (pack, dispatch, deliver, fail, cancel, refund, request_return,
    confirm_return) in my role."""
    _, roles = await access_order(room, me, oid)
    outcome = await room.store.change_order(
        oid, action, roles, me.user_id, room.currency, room.ctx.clock(), room.settle_after_ms
    )
    await room.ctx.publish(outcome)
    log.info("shop.order_changed", extra={"order_id": oid, "action": action})
    return outcome.value


async def reschedule(
    room: ShopRoom, me: Principal, oid: OrderId, window_id: WindowId, day: str
) -> Order:
    """The buyer picks a new window for an order not yet out for delivery."""
    await access_order(room, me, oid)
    outcome = await room.store.reschedule(
        me.user_id, oid, window_id, day, room.currency, room.ctx.clock()
    )
    await room.ctx.publish(outcome)
    return outcome.value


async def my_orders(room: ShopRoom, me: Principal, before: int | None) -> list[Order]:
    return await room.store.orders_of_buyer(me.user_id, before)


async def shop_orders(
    room: ShopRoom, me: Principal, shop_id: ShopId, status: str | None, before: int | None
) -> list[Order]:
    await access_staff(room, me, shop_id)
    return await room.store.orders_of_shop(shop_id, status, before)


@dataclass(frozen=True, slots=True)
class Run:
    """A window of today, with the orders to deliver in it (the courier's list)."""

    opening: Opening
    orders: list[Order]


async def deliveries_today(
    room: ShopRoom, me: Principal, shop_id: ShopId
) -> tuple[Shop, str, list[Run]]:
    """Today's windows (the shop's local day) with their orders, soonest first."""
    await access_staff(room, me, shop_id, EVERY_STAFF)
    shop = await room.store.shop(shop_id)
    today = timing.local_day(room.ctx.clock(), shop.time_zone)
    orders = await room.store.orders_on(shop_id, today.isoformat())
    runs = []
    for w in await room.store.shop_windows(shop_id):
        opening = timing.opening(w, today, shop.time_zone)
        runs.append(Run(opening, [o for o in orders if o.window_id == w.id]))
    runs.sort(key=lambda r: (r.opening.starts_at, r.opening.window.id))
    return shop, today.isoformat(), runs


# --- the room's hook into the media room ---


def media_grant(room: ShopRoom) -> MediaGrant:
    """Which of these blobs `user` may fetch: products' pictures, and the files of the
    digital products they bought."""

    async def grant(user: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        return await room.store.visible_media(user, ids)

    return grant
