"""The shop's /api/v1 routes: the console's shop and staff, the catalog, the cart,
delivery zones and windows, checkout, and orders for buyers, clerks and couriers."""

from __future__ import annotations

import msgspec

from microletter.core.errors import (
    ConversationNotFound,
    InvalidInput,
    MediaNotFound,
    NotMember,
    TooLarge,
    UserNotFound,
)
from microletter.core.ids import ConversationId, UserId
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import MessageReply
from microletter.platform import AccountNotFound, NotAccountOwner
from microletter.shop import actions
from microletter.shop.actions import Run, ShopRoom
from microletter.shop.errors import (
    AreaTaken,
    CartEmpty,
    CategoryNotFound,
    DeliveryMissing,
    DeliveryWindowNotFound,
    NotOrderBuyer,
    NotShopStaff,
    OrderNotFound,
    OrderStateInvalid,
    OutOfStock,
    PriceChanged,
    ProductNotFound,
    QuantityInvalid,
    RefundExceedsBalance,
    ReturnNotGoods,
    ShopNotFound,
    SkuTaken,
    TimeZoneInvalid,
    VariantNotFound,
    WindowClosed,
    WindowFull,
    WindowHasOrders,
    WindowInvalid,
    ZoneNotFound,
    ZoneNotServed,
)
from microletter.shop.rules import (
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
    Variant,
    VariantId,
    WindowId,
    ZoneId,
    total_of,
)
from microletter.shop.rules.windows import Opening, hhmm
from microletter.shop.store.delivery import Zone
from microletter.shop.wire import (
    CartBody,
    CartLineWire,
    CartReply,
    CatalogReply,
    CategoriesReply,
    CategoryBody,
    CategoryPatch,
    CategoryWire,
    CheckoutBody,
    CurrencyWire,
    DeliveryWire,
    LineWire,
    NewVariantBody,
    OffersReply,
    OpeningWire,
    OrderReply,
    OrdersQuery,
    OrdersReply,
    OrderWire,
    ProductBody,
    ProductDeletedReply,
    ProductPatch,
    ProductReply,
    ProductWire,
    RescheduleBody,
    RunWire,
    ShareBody,
    ShopBody,
    ShopReply,
    ShopWire,
    StaffBody,
    StaffedReply,
    StaffedWire,
    StaffReply,
    StaffWire,
    StorefrontReply,
    TodayReply,
    VariantPatch,
    VariantReply,
    VariantWire,
    WindowBody,
    WindowPatch,
    WindowsQuery,
    WindowWire,
    ZoneBody,
    ZonePatch,
    ZoneReply,
    ZonesReply,
    ZoneWire,
)
from microletter.wallet import (
    AmountInvalid,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentTokenExpired,
    PaymentTokenInvalid,
)

STAFF = [ShopNotFound, NotShopStaff, AccountNotFound]
ORDER_ERRORS = [
    OrderNotFound,
    NotShopStaff,
    OrderStateInvalid,
    InsufficientFunds,
    InvalidInput,
    ReturnNotGoods,
    RefundExceedsBalance,
]


def as_shop(value: int) -> ShopId:
    return ShopId(UserId(value))


def shop_wire(s: Shop) -> ShopWire:
    return ShopWire(s.id, s.name, s.description, s.time_zone, s.created_at)


def variant_wire(v: Variant) -> VariantWire:
    return VariantWire(v.id, v.product_id, v.sku, v.name, v.price, v.stock)


def product_wire(p: Product) -> ProductWire:
    return ProductWire(
        p.id,
        p.shop_id,
        p.category_id,
        p.name,
        p.description,
        p.kind,
        p.active,
        list(p.pictures),
        p.file,
        [variant_wire(v) for v in p.variants],
    )


def category_wire(c: Category) -> CategoryWire:
    return CategoryWire(c.id, c.name, c.position)


def zone_wire(z: Zone) -> ZoneWire:
    windows = [WindowWire(w.id, hhmm(w.starts), hhmm(w.ends), w.capacity) for w in z.windows]
    return ZoneWire(z.id, z.name, list(z.areas), windows)


def opening_wire(o: Opening, left: int) -> OpeningWire:
    w = o.window
    return OpeningWire(
        w.id, w.zone_id, o.day, hhmm(w.starts), hhmm(w.ends), o.starts_at, o.ends_at, left
    )


def order_wire(o: Order) -> OrderWire:
    delivery = None
    if o.window_id is not None:
        delivery = DeliveryWire(
            o.area, o.address, o.recipient, o.phone, o.window_id, o.day, o.starts_at, o.ends_at
        )
    lines = [
        LineWire(x.variant_id, x.product_id, x.name, x.sku, x.price, x.quantity) for x in o.lines
    ]
    return OrderWire(
        o.id,
        o.shop_id,
        o.buyer_id,
        o.status,
        o.kind,
        o.total,
        o.conversation_id,
        delivery,
        lines,
        o.created_at,
        o.updated_at,
        o.cover_premium,
        o.settled,
    )


def routers(room: ShopRoom) -> list[Router]:
    currency = CurrencyWire(room.currency, room.wallet.settings.currency.exponent)
    router = Router("/api/v1", tags=["shop"])

    def cart_reply(lines: list[CartLine]) -> CartReply:
        wires = [
            CartLineWire(
                variant_wire(x.variant),
                x.product_name,
                x.product_kind,
                x.quantity,
                x.variant.price,
                x.price_seen,
                x.changed,
            )
            for x in lines
        ]
        changed = any(x.changed for x in lines)
        return CartReply(wires, total_of(lines), changed, currency, room.cover_premium)

    def order_reply(o: Order, replayed: bool = False) -> OrderReply:
        return OrderReply(order_wire(o), currency, replayed)

    # --- the console: the shop and its staff ---

    @router.put(
        "/developer/accounts/{account_id}/shop",
        errors=[AccountNotFound, NotAccountOwner, TimeZoneInvalid, TooLarge],
    )
    async def put_shop(call: Call, account_id: int, body: ShopBody) -> ShopReply:
        """Open my official account's shop, or change its name, description and time zone
        (an IANA name; delivery windows are in it)."""
        shop = await actions.open_shop(
            room, call.me, UserId(account_id), body.name, body.description, body.time_zone
        )
        return ShopReply(shop_wire(shop))

    @router.put(
        "/developer/accounts/{account_id}/shop/staff/{user_id}",
        errors=[AccountNotFound, NotAccountOwner, ShopNotFound, UserNotFound, InvalidInput],
    )
    async def put_staff(call: Call, account_id: int, user_id: int, body: StaffBody) -> StaffReply:
        """Name a person the shop's `clerk` (orders, catalog) or `courier` (deliveries)."""
        found = await actions.set_staff(
            room, call.me, UserId(account_id), UserId(user_id), body.role
        )
        return StaffReply([StaffWire(s.user_id, s.role) for s in found])

    @router.delete(
        "/developer/accounts/{account_id}/shop/staff/{user_id}",
        errors=[AccountNotFound, NotAccountOwner, ShopNotFound],
    )
    async def delete_staff(call: Call, account_id: int, user_id: int) -> StaffReply:
        """Remove a person from the shop's staff."""
        found = await actions.set_staff(room, call.me, UserId(account_id), UserId(user_id), None)
        return StaffReply([StaffWire(s.user_id, s.role) for s in found])

    @router.get("/shops/{shop_id}/staff", errors=STAFF)
    async def get_staff(call: Call, shop_id: int) -> StaffReply:
        """The shop's clerks and couriers (its owner and clerks)."""
        found = await actions.staff(room, call.me, as_shop(shop_id))
        return StaffReply([StaffWire(s.user_id, s.role) for s in found])

    @router.get("/shop/staffed")
    async def get_staffed(call: Call) -> StaffedReply:
        """The shops I work for, with my role."""
        found = await actions.my_shops(room, call.me)
        return StaffedReply([StaffedWire(shop_wire(s), role) for s, role in found])

    # --- the catalog ---

    @router.get("/shops/{shop_id}", errors=[ShopNotFound])
    async def get_shop(call: Call, shop_id: int) -> StorefrontReply:
        """A shop: its categories and the products on sale, with their variants."""
        shop, cats, products = await actions.storefront(room, as_shop(shop_id))
        return StorefrontReply(
            shop_wire(shop),
            [category_wire(c) for c in cats],
            [product_wire(p) for p in products],
            currency,
        )

    @router.post("/shops/{shop_id}/categories", status=201, errors=[*STAFF, TooLarge])
    async def post_category(call: Call, shop_id: int, body: CategoryBody) -> CategoryWire:
        """Add a category (owner, clerk)."""
        made = await actions.add_category(room, call.me, as_shop(shop_id), body.name)
        return category_wire(made)

    @router.post(
        "/shops/{shop_id}/products",
        status=201,
        errors=[
            *STAFF,
            CategoryNotFound,
            SkuTaken,
            AmountInvalid,
            AmountTooLarge,
            MediaNotFound,
            TooLarge,
        ],
    )
    async def post_product(call: Call, shop_id: int, body: ProductBody) -> ProductReply:
        """Add a product (owner, clerk): `kind` physical (delivered) or digital (its
        `file`, an uploaded media id, downloadable by its buyers once paid); `pictures`
        are uploaded image ids; each variant has a SKU, a price (minor units) and stock."""
        fields = msgspec.to_builtins(body)
        made = await actions.add_product(room, call.me, as_shop(shop_id), fields)
        return ProductReply(product_wire(made), currency)

    @router.patch(
        "/shops/{shop_id}/products/{product_id}",
        errors=[*STAFF, ProductNotFound, CategoryNotFound, TooLarge],
    )
    async def patch_product(
        call: Call, shop_id: int, product_id: int, body: ProductPatch
    ) -> ProductReply:
        """Change a product (owner, clerk): put it on sale or take it off (`active`), its
        `name`, `description`, `category_id` (`no_category`: out of its category). Fields
        not sent stay as they were; orders keep the names they were bought under."""
        found = await actions.edit_product(
            room, call.me, as_shop(shop_id), ProductId(product_id), msgspec.to_builtins(body)
        )
        return ProductReply(product_wire(found), currency)

    @router.post(
        "/shops/{shop_id}/products/{product_id}/variants",
        status=201,
        errors=[*STAFF, ProductNotFound, SkuTaken, AmountInvalid, AmountTooLarge, TooLarge],
    )
    async def post_variant(
        call: Call, shop_id: int, product_id: int, body: NewVariantBody
    ) -> ProductReply:
        """Add a variant to a product (owner, clerk): SKU, name, price (minor units), stock."""
        found = await actions.add_variant(
            room, call.me, as_shop(shop_id), ProductId(product_id), msgspec.to_builtins(body)
        )
        return ProductReply(product_wire(found), currency)

    @router.patch(
        "/shops/{shop_id}/categories/{category_id}",
        errors=[*STAFF, CategoryNotFound, TooLarge],
    )
    async def patch_category(
        call: Call, shop_id: int, category_id: int, body: CategoryPatch
    ) -> CategoryWire:
        """Rename a category (owner, clerk)."""
        made = await actions.rename_category(
            room, call.me, as_shop(shop_id), CategoryId(category_id), body.name
        )
        return category_wire(made)

    @router.delete("/shops/{shop_id}/categories/{category_id}", errors=[*STAFF, CategoryNotFound])
    async def delete_category(call: Call, shop_id: int, category_id: int) -> CategoriesReply:
        """Delete a category (owner, clerk): its products stay, in no category. The
        categories left."""
        left = await actions.delete_category(
            room, call.me, as_shop(shop_id), CategoryId(category_id)
        )
        return CategoriesReply([category_wire(c) for c in left])

    @router.delete("/shops/{shop_id}/products/{product_id}", errors=[*STAFF, ProductNotFound])
    async def delete_product(call: Call, shop_id: int, product_id: int) -> ProductDeletedReply:
        """Delete a product (owner, clerk) with its variants and pictures, if it was never
        ordered (`deleted`). One with orders is taken off sale instead (`deleted: false`,
        the product with `active: false`): its orders, refunds and downloads keep it."""
        kept = await actions.delete_product(room, call.me, as_shop(shop_id), ProductId(product_id))
        wire = None if kept is None else product_wire(kept)
        return ProductDeletedReply(kept is None, wire, currency)

    @router.get("/shops/{shop_id}/catalog", errors=STAFF)
    async def get_catalog(call: Call, shop_id: int) -> CatalogReply:
        """Every product of the shop, on sale or not (owner, clerk), newest first."""
        found = await actions.catalog(room, call.me, as_shop(shop_id))
        return CatalogReply([product_wire(p) for p in found], currency)

    @router.post(
        "/shops/{shop_id}/products/{product_id}/share",
        status=201,
        errors=[ShopNotFound, ProductNotFound, ConversationNotFound, NotMember],
    )
    async def share_product_card(
        call: Call, shop_id: int, product_id: int, body: ShareBody
    ) -> MessageReply:
        """Share a product on sale into one of your conversations: a `product` card (its
        name, lowest price and first picture), from which anyone there may buy it."""
        message = await actions.share_product(
            room,
            call.me,
            as_shop(shop_id),
            ProductId(product_id),
            ConversationId(body.conversation_id),
            body.client_msg_id,
        )
        return MessageReply(message)

    @router.patch(
        "/shops/{shop_id}/variants/{variant_id}",
        errors=[*STAFF, VariantNotFound, AmountInvalid, AmountTooLarge],
    )
    async def patch_variant(
        call: Call, shop_id: int, variant_id: int, body: VariantPatch
    ) -> VariantReply:
        """Change a variant's price or stock (owner, clerk)."""
        found = await actions.update_variant(
            room, call.me, as_shop(shop_id), VariantId(variant_id), body.price, body.stock
        )
        return VariantReply(variant_wire(found))

    @router.get("/shops/{shop_id}/products/{product_id}", errors=[ShopNotFound, ProductNotFound])
    async def get_product(call: Call, shop_id: int, product_id: int) -> ProductReply:
        """A product on sale."""
        found = await actions.product(room, as_shop(shop_id), ProductId(product_id))
        return ProductReply(product_wire(found), currency)

    # --- the cart ---

    @router.get("/shops/{shop_id}/cart", errors=[ShopNotFound])
    async def get_cart(call: Call, shop_id: int) -> CartReply:
        """My cart at this shop: each line's price now and when it was put in."""
        return cart_reply(await actions.cart(room, call.me, as_shop(shop_id)))

    @router.put(
        "/shops/{shop_id}/cart/{variant_id}",
        errors=[ShopNotFound, VariantNotFound, QuantityInvalid, TooLarge],
    )
    async def put_cart_line(call: Call, shop_id: int, variant_id: int, body: CartBody) -> CartReply:
        """Put `quantity` (0-99; 0 takes it out) of a variant in my cart."""
        lines = await actions.set_cart_line(
            room, call.me, as_shop(shop_id), VariantId(variant_id), body.quantity
        )
        return cart_reply(lines)

    # --- delivery zones and windows ---

    @router.post(
        "/shops/{shop_id}/zones",
        status=201,
        errors=[*STAFF, AreaTaken, WindowInvalid, TooLarge],
    )
    async def post_zone(call: Call, shop_id: int, body: ZoneBody) -> ZoneReply:
        """Add a delivery zone (owner, clerk): the postal codes or districts it serves
        and its daily windows, `start`/`end` HH:MM in the shop's time zone (an `end` at or
        before `start` is the next day), each with a `capacity` of orders."""
        made = await actions.add_zone(
            room,
            call.me,
            as_shop(shop_id),
            body.name,
            body.areas,
            [msgspec.to_builtins(w) for w in body.windows],
        )
        return ZoneReply(zone_wire(made))

    @router.patch(
        "/shops/{shop_id}/zones/{zone_id}",
        errors=[*STAFF, ZoneNotFound, AreaTaken, WindowInvalid, TooLarge],
    )
    async def patch_zone(call: Call, shop_id: int, zone_id: int, body: ZonePatch) -> ZoneReply:
        """Rename a delivery zone and/or replace the areas it serves (owner, clerk);
        what is not sent stays. Orders keep the address they were booked for."""
        found = await actions.edit_zone(
            room, call.me, as_shop(shop_id), ZoneId(zone_id), body.name, body.areas
        )
        return ZoneReply(zone_wire(found))

    @router.delete(
        "/shops/{shop_id}/zones/{zone_id}",
        errors=[*STAFF, ZoneNotFound, WindowHasOrders],
    )
    async def delete_zone(call: Call, shop_id: int, zone_id: int) -> ZonesReply:
        """Delete a delivery zone with its areas and windows (owner, clerk): refused with
        `shop.window_has_orders` while an order still to be delivered (paid, packed, out
        for delivery) is booked in one of its windows. The shop's zones after."""
        await actions.delete_zone(room, call.me, as_shop(shop_id), ZoneId(zone_id))
        shop, found = await actions.zones(room, call.me, as_shop(shop_id))
        return ZonesReply([zone_wire(z) for z in found], shop.time_zone)

    @router.post(
        "/shops/{shop_id}/zones/{zone_id}/windows",
        status=201,
        errors=[*STAFF, ZoneNotFound, WindowInvalid, TooLarge],
    )
    async def post_window(call: Call, shop_id: int, zone_id: int, body: WindowBody) -> ZoneReply:
        """Add a daily window to a zone (owner, clerk): {start, end, capacity}. The zone
        after."""
        found = await actions.add_window(
            room, call.me, as_shop(shop_id), ZoneId(zone_id), msgspec.to_builtins(body)
        )
        return ZoneReply(zone_wire(found))

    @router.patch(
        "/shops/{shop_id}/windows/{window_id}",
        errors=[*STAFF, DeliveryWindowNotFound, WindowInvalid, WindowHasOrders, TooLarge],
    )
    async def patch_window(
        call: Call, shop_id: int, window_id: int, body: WindowPatch
    ) -> ZoneReply:
        """Change a daily window (owner, clerk): its `capacity` at any time (a lower one
        than the places taken only stops new bookings), its `start`/`end` only while no
        order still to be delivered is booked in it (`shop.window_has_orders`). Its zone
        after."""
        raw = {k: v for k, v in msgspec.to_builtins(body).items() if v is not None}
        found = await actions.edit_window(room, call.me, as_shop(shop_id), WindowId(window_id), raw)
        return ZoneReply(zone_wire(found))

    @router.delete(
        "/shops/{shop_id}/windows/{window_id}",
        errors=[*STAFF, DeliveryWindowNotFound, WindowHasOrders, WindowInvalid],
    )
    async def delete_window(call: Call, shop_id: int, window_id: int) -> ZoneReply:
        """Delete a daily window (owner, clerk): refused with `shop.window_has_orders`
        while an order still to be delivered is booked in it (deliver, reschedule or
        cancel them first), and with `shop.window_invalid` for a zone's last window
        (delete the zone). Delivered and cancelled orders keep their window's times. Its
        zone after."""
        found = await actions.delete_window(room, call.me, as_shop(shop_id), WindowId(window_id))
        return ZoneReply(zone_wire(found))

    @router.get("/shops/{shop_id}/zones", errors=STAFF)
    async def get_zones(call: Call, shop_id: int) -> ZonesReply:
        """The shop's zones and windows (staff)."""
        shop, found = await actions.zones(room, call.me, as_shop(shop_id))
        return ZonesReply([zone_wire(z) for z in found], shop.time_zone)

    @router.get("/shops/{shop_id}/windows", errors=[ShopNotFound, ZoneNotServed])
    async def get_windows(call: Call, shop_id: int, query: WindowsQuery) -> OffersReply:
        """The next delivery windows with room for `area` (a postal code or district),
        soonest first, over today and the next two days of the shop's time zone."""
        shop, found = await actions.offers(room, as_shop(shop_id), query.area)
        return OffersReply(shop.time_zone, [opening_wire(o, n) for o, n in found])

    # --- checkout and orders ---

    @router.post(
        "/shops/{shop_id}/checkout",
        status=201,
        errors=[
            ShopNotFound,
            CartEmpty,
            PriceChanged,
            OutOfStock,
            DeliveryMissing,
            ZoneNotServed,
            DeliveryWindowNotFound,
            WindowFull,
            WindowClosed,
            WindowInvalid,
            PaymentTokenInvalid,
            PaymentTokenExpired,
            InsufficientFunds,
            IdempotencyKeyInvalid,
            IdempotencyKeyReused,
            AmountInvalid,
            ReturnNotGoods,
        ],
    )
    async def post_checkout(call: Call, shop_id: int, body: CheckoutBody) -> OrderReply:
        """Buy my cart at this shop from my wallet, with a payment token
        (`/wallet/pay-password/verify`) and an `idempotency_key` (the same key again
        returns the first order, `replayed`). Goods need `delivery` (a window from
        `/shops/{id}/windows`); `cover: true` adds return-shipping cover for the
        server's premium (goods only, paid into the cover pool). If a price changed
        since the cart was filled, the answer is `shop.price_changed` with the new
        `total`: send it back as `total`."""
        d = body.delivery
        delivery = None
        if d is not None:
            delivery = Delivery(
                d.area, d.address, d.recipient, d.phone, WindowId(d.window_id), d.day
            )
        found, first = await actions.checkout(
            room,
            call.me,
            as_shop(shop_id),
            body.total,
            delivery,
            body.idempotency_key,
            body.payment_token,
            cover=body.cover,
        )
        return order_reply(found, not first)

    @router.get("/shop/orders")
    async def get_my_orders(call: Call, query: OrdersQuery) -> OrdersReply:
        """My orders, newest first, 50 a page (`before`: an order id)."""
        found = await actions.my_orders(room, call.me, query.before)
        return OrdersReply([order_wire(o) for o in found], currency)

    @router.get("/shops/{shop_id}/orders", errors=STAFF)
    async def get_shop_orders(call: Call, shop_id: int, query: OrdersQuery) -> OrdersReply:
        """The shop's orders, newest first (owner, clerk; `status` to filter)."""
        found = await actions.shop_orders(
            room, call.me, as_shop(shop_id), query.status, query.before
        )
        return OrdersReply([order_wire(o) for o in found], currency)

    @router.get("/shop/orders/{order_id}", errors=[OrderNotFound])
    async def get_shop_order(call: Call, order_id: int) -> OrderReply:
        """An order (its buyer, or the shop's staff)."""
        return order_reply(await actions.order(room, call.me, OrderId(order_id)))

    @router.post(
        "/shop/orders/{order_id}/window",
        errors=[
            OrderNotFound,
            NotOrderBuyer,
            OrderStateInvalid,
            DeliveryWindowNotFound,
            WindowFull,
            WindowClosed,
            WindowInvalid,
        ],
    )
    async def post_reschedule(call: Call, order_id: int, body: RescheduleBody) -> OrderReply:
        """Pick a new delivery window for my order (after a missed window or a failed
        delivery), before it is out for delivery."""
        found = await actions.reschedule(
            room, call.me, OrderId(order_id), WindowId(body.window_id), body.day
        )
        return order_reply(found)

    @router.post("/shop/orders/{order_id}/{action}", errors=ORDER_ERRORS)
    async def post_order_action(call: Call, order_id: int, action: str) -> OrderReply:
        """Move an order: `pack` (clerk), `dispatch` and `deliver` (courier, clerk),
        `fail` (a failed delivery: back to packed, the buyer picks a new window),
        `cancel` (clerk; the buyer before it is packed: money, stock and the window's
        place back), `refund` (clerk, after delivery: the money back, from pending or,
        once settled, from the merchant's balance), `request_return` (the buyer, goods
        after delivery) or `confirm_return` (clerk: the goods came back; a covered
        order's claim is paid from the cover pool). The owner may do all. Each change
        posts an `order` card in the buyer's chat with the shop."""
        return order_reply(await actions.act(room, call.me, OrderId(order_id), action))

    @router.get("/shops/{shop_id}/deliveries/today", errors=STAFF)
    async def get_today(call: Call, shop_id: int) -> TodayReply:
        """Today's windows (the shop's local day) with their orders, their addresses and
        the buyers' chats with the shop (couriers, clerks, the owner)."""
        shop, day, runs = await actions.deliveries_today(room, call.me, as_shop(shop_id))
        return TodayReply(day, shop.time_zone, [run_wire(r) for r in runs])

    def run_wire(r: Run) -> RunWire:
        live = [o for o in r.orders if o.status != "cancelled"]
        left = r.opening.window.capacity - len(live)
        return RunWire(opening_wire(r.opening, left), [order_wire(o) for o in r.orders])

    return [router]
