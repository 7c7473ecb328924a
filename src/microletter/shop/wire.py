"""The shop's request and reply bodies (msgspec). Prices, totals and amounts are ints of
minor units; a request's price or total is decoded as whatever JSON it is and judged by
the wallet's money rules, so a float gets `wallet.amount_invalid`."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

from microletter.core.media import Media

Text = Annotated[str, Meta(max_length=4000)]
Short = Annotated[str, Meta(max_length=300)]
Id = Annotated[int, Meta(ge=1, le=2**62)]


class CurrencyWire(Struct):
    code: str
    exponent: int = 2  # digits after the decimal point (2: fen, cents)


class ShopBody(Struct, forbid_unknown_fields=True):
    name: Short
    time_zone: Short
    description: Text = ""


class ShopWire(Struct):
    id: int
    name: str
    description: str
    time_zone: str
    created_at: int


class ShopReply(Struct):
    shop: ShopWire


class StaffBody(Struct, forbid_unknown_fields=True):
    role: Short


class StaffWire(Struct):
    user_id: int
    role: str


class StaffReply(Struct):
    staff: list[StaffWire]


class StaffedWire(Struct):
    shop: ShopWire
    role: str


class StaffedReply(Struct):
    shops: list[StaffedWire]


class CategoryBody(Struct, forbid_unknown_fields=True):
    name: Short


class CategoryWire(Struct):
    id: int
    name: str
    position: int


class VariantBody(Struct, forbid_unknown_fields=True):
    sku: Short
    price: Any
    stock: Any = 0
    name: Short = ""


class ProductBody(Struct, forbid_unknown_fields=True):
    name: Short
    variants: Annotated[list[VariantBody], Meta(max_length=100)]
    description: Text = ""
    kind: Short = "physical"
    category_id: Id | None = None
    pictures: Annotated[list[Short], Meta(max_length=20)] = []
    file: Short | None = None


class ProductPatch(Struct, forbid_unknown_fields=True):
    active: bool | None = None
    name: Short | None = None
    description: Text | None = None
    category_id: Id | None = None
    no_category: bool = False  # take it out of its category


class CategoryPatch(Struct, forbid_unknown_fields=True):
    name: Short


class NewVariantBody(Struct, forbid_unknown_fields=True):
    sku: Short
    price: Any
    stock: Any = 0
    name: Short = ""


class ShareBody(Struct, forbid_unknown_fields=True):
    conversation_id: Id
    client_msg_id: Short


class VariantPatch(Struct, forbid_unknown_fields=True):
    price: Any = None
    stock: Any = None


class VariantWire(Struct):
    id: int
    product_id: int
    sku: str
    name: str
    price: int
    stock: int


class VariantReply(Struct):
    variant: VariantWire


class ProductWire(Struct):
    id: int
    shop_id: int
    category_id: int | None
    name: str
    description: str
    kind: str
    active: bool
    pictures: list[Media]
    file: Media | None  # a digital product's: fetchable by its buyers only
    variants: list[VariantWire]


class ProductReply(Struct):
    product: ProductWire
    currency: CurrencyWire


class CategoriesReply(Struct):
    categories: list[CategoryWire]


class ProductDeletedReply(Struct):
    deleted: bool  # False: it had orders, and was taken off sale instead
    product: ProductWire | None  # as it is after (None once deleted)
    currency: CurrencyWire


class CatalogReply(Struct):
    products: list[ProductWire]  # the inactive ones too (staff)
    currency: CurrencyWire


class StorefrontReply(Struct):
    shop: ShopWire
    categories: list[CategoryWire]
    products: list[ProductWire]
    currency: CurrencyWire


class CartBody(Struct, forbid_unknown_fields=True):
    quantity: Any


class CartLineWire(Struct):
    variant: VariantWire
    product_name: str
    product_kind: str
    quantity: int
    price: int  # now
    price_seen: int  # when it was put in
    changed: bool


class CartReply(Struct):
    lines: list[CartLineWire]
    total: int
    changed: bool  # a price changed since the cart was filled: checkout asks to confirm
    currency: CurrencyWire
    cover_premium: int = 0  # what return-shipping cover adds for goods (0: not offered)


class WindowBody(Struct, forbid_unknown_fields=True):
    start: Short
    end: Short
    capacity: Any


class ZoneBody(Struct, forbid_unknown_fields=True):
    name: Short
    areas: Annotated[list[Short], Meta(max_length=500)]
    windows: Annotated[list[WindowBody], Meta(max_length=50)]


class ZonePatch(Struct, forbid_unknown_fields=True):
    name: Short | None = None
    areas: Annotated[list[Short], Meta(max_length=500)] | None = None


class WindowPatch(Struct, forbid_unknown_fields=True):
    start: Short | None = None
    end: Short | None = None
    capacity: Any = None


class WindowWire(Struct):
    id: int
    start: str  # HH:MM, the shop's local time
    end: str
    capacity: int


class ZoneWire(Struct):
    id: int
    name: str
    areas: list[str]
    windows: list[WindowWire]


class ZoneReply(Struct):
    zone: ZoneWire


class ZonesReply(Struct):
    zones: list[ZoneWire]
    time_zone: str


class WindowsQuery(Struct, forbid_unknown_fields=True):
    area: Short


class OpeningWire(Struct):
    window_id: int
    zone_id: int
    day: str  # YYYY-MM-DD, the shop's local day it opens
    start: str
    end: str
    starts_at: int  # ms since the epoch, UTC
    ends_at: int
    left: int  # places left


class OffersReply(Struct):
    time_zone: str
    windows: list[OpeningWire]


class DeliveryBody(Struct, forbid_unknown_fields=True):
    area: Short
    address: Short
    window_id: Id
    day: Short
    recipient: Short = ""
    phone: Short = ""


class CheckoutBody(Struct, forbid_unknown_fields=True):
    idempotency_key: Short
    payment_token: Short | None = None
    total: Any = None  # the total the buyer confirms (needed after a price change)
    delivery: DeliveryBody | None = None
    cover: bool = False  # return-shipping cover for goods, for the shop's premium


class RescheduleBody(Struct, forbid_unknown_fields=True):
    window_id: Id
    day: Short


class LineWire(Struct):
    variant_id: int
    product_id: int
    name: str
    sku: str
    price: int
    quantity: int


class DeliveryWire(Struct):
    area: str
    address: str
    recipient: str
    phone: str
    window_id: int | None
    day: str | None
    starts_at: int | None
    ends_at: int | None


class OrderWire(Struct):
    id: int
    shop_id: int
    buyer_id: int
    status: str
    kind: str
    total: int
    conversation_id: int
    delivery: DeliveryWire | None
    lines: list[LineWire]
    created_at: int
    updated_at: int
    cover_premium: int = 0  # paid for return-shipping cover (0: not covered)
    settled: bool = False  # its money reached the merchant's balance


class OrderReply(Struct):
    order: OrderWire
    currency: CurrencyWire
    replayed: bool = False


class OrdersQuery(Struct, forbid_unknown_fields=True):
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None
    status: Short | None = None


class OrdersReply(Struct):
    orders: list[OrderWire]
    currency: CurrencyWire


class RunWire(Struct):
    window: OpeningWire
    orders: list[OrderWire]


class TodayReply(Struct):
    day: str
    time_zone: str
    runs: list[RunWire]
