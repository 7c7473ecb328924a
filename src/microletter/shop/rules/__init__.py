"""The shop's values and rules, pure: the catalog, carts, the order's states and who may
move them, prices and totals. No I/O, no clock (windows.py: delivery windows).

Theory of operation (an order). Checkout takes the stock of every line (a guarded
UPDATE each), a place in a delivery window for goods, and the money (the buyer's wallet
→ the shop's pending account) in ONE transaction, so none happens without the others.
An order then moves by `TRANSITIONS`:

    paid ─pack─▶ packed ─dispatch─▶ out_for_delivery ─deliver─▶ delivered ─refund─▶ refunded
     │             │                      └─fail─▶ packed (a new window is offered)
     └──cancel─────┴─▶ cancelled   (money and stock back, the window's place freed)
    fulfilled (digital: at checkout, the file downloadable at once) ─refund─▶ refunded
    delivered ─request_return (buyer, goods only)─▶ return_requested
              ─confirm_return (the shop: the goods arrived)─▶ returned ─refund─▶ refunded

Delivered and fulfilled schedule the order's settlement (SETTLE_JOB, run by the merchant
room after the configured days): pending → the merchant's settlement account. A refund
comes from pending before that, from the settlement account after it (never below zero:
RefundExceedsBalance). A covered order (the buyer paid the cover premium into the cover
pool at checkout) that becomes returned schedules RETURNED_JOB: the merchant room pays
the buyer's claim from the pool.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NewType

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import Media
from microletter.core.models import Instant, JsonValue
from microletter.shop.errors import (
    NotShopStaff,
    OrderStateInvalid,
    PriceChanged,
    QuantityInvalid,
    ReturnNotGoods,
)

ShopId = NewType("ShopId", UserId)  # the official account's id (its user)
CategoryId = NewType("CategoryId", int)
ProductId = NewType("ProductId", int)
VariantId = NewType("VariantId", int)
OrderId = NewType("OrderId", int)
ZoneId = NewType("ZoneId", int)
WindowId = NewType("WindowId", int)

OWNER, CLERK, COURIER, BUYER = "owner", "clerk", "courier", "buyer"
STAFF_ROLES = (CLERK, COURIER)
PHYSICAL, DIGITAL = "physical", "digital"
PENDING = "shop.pending"  # the wallet account kind holding a shop's unreleased takings
COVER_POOL = "shop.cover_pool"  # return-shipping cover: premiums in, claims out (system's)
SETTLE_JOB = "shop.settle"  # pending → settlement, due days after delivery (merchant room)
RETURNED_JOB = "shop.returned"  # a covered order returned: its claim (merchant room)

MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_PICTURES = 9
MAX_VARIANTS = 50
MAX_QUANTITY = 99
MAX_CART_LINES = 50
MAX_STOCK = 1_000_000_000
PAGE = 50
SAFE_TOTAL = 2**53 - 1  # the largest total a JavaScript client reads exactly
SKU = re.compile(r"[A-Za-z0-9._-]{1,40}")


class Status:
    PAID = "paid"
    PACKED = "packed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"


OPEN = (Status.PAID, Status.PACKED, Status.OUT_FOR_DELIVERY)  # awaiting delivery
RETURNING = (Status.RETURN_REQUESTED, Status.RETURNED)
HAS_PAID = (*OPEN, Status.DELIVERED, Status.FULFILLED, *RETURNING)  # not given back yet


@dataclass(frozen=True, slots=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]  # who may: owner, clerk, courier, buyer


TRANSITIONS: Mapping[str, Transition] = {
    "pack": Transition((Status.PAID,), Status.PACKED, (OWNER, CLERK)),
    "dispatch": Transition((Status.PACKED,), Status.OUT_FOR_DELIVERY, (OWNER, CLERK, COURIER)),
    "deliver": Transition((Status.OUT_FOR_DELIVERY,), Status.DELIVERED, (OWNER, CLERK, COURIER)),
    "fail": Transition((Status.OUT_FOR_DELIVERY,), Status.PACKED, (OWNER, CLERK, COURIER)),
    "cancel": Transition((Status.PAID, Status.PACKED), Status.CANCELLED, (OWNER, CLERK, BUYER)),
    "refund": Transition(
        (Status.DELIVERED, Status.FULFILLED, *RETURNING), Status.REFUNDED, (OWNER, CLERK)
    ),
    "request_return": Transition((Status.DELIVERED,), Status.RETURN_REQUESTED, (BUYER,)),
    "confirm_return": Transition((Status.RETURN_REQUESTED,), Status.RETURNED, (OWNER, CLERK)),
}
# What each action does besides the status (the store does it in the same transaction).
RETURNS_STOCK = ("cancel",)  # stock and the window's place back, money from pending
SETTLES = ("deliver",)  # schedules the settlement (pending → the merchant's balance)
REFUNDS = ("refund",)  # pending (or settlement, once settled) → the buyer
CLAIMS = ("confirm_return",)  # a covered order's claim from the cover pool
# the card's event for an action ("fail" leaves it packed, so the status would not say)
EVENTS = {"fail": "delivery_failed"}


@dataclass(frozen=True, slots=True)
class Shop:
    id: ShopId
    name: str
    description: str
    time_zone: str
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Staff:
    shop_id: ShopId
    user_id: UserId
    role: str


@dataclass(frozen=True, slots=True)
class Category:
    id: CategoryId
    shop_id: ShopId
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Variant:
    id: VariantId
    product_id: ProductId
    sku: str
    name: str
    price: int  # minor units
    stock: int


@dataclass(frozen=True, slots=True)
class Product:
    id: ProductId
    shop_id: ShopId
    category_id: CategoryId | None
    name: str
    description: str
    kind: str  # physical, digital
    active: bool
    pictures: tuple[Media, ...]
    file: Media | None  # a digital product's download (only for its buyers)
    variants: tuple[Variant, ...]


class Keep:
    """`KEEP`: a field of an edit left as it was (where None means "none")."""


KEEP = Keep()


@dataclass(frozen=True, slots=True)
class ProductEdit:
    """What a merchant changes of a product: each None (KEEP for the category, whose
    None takes it out of its category) leaves that as it was."""

    active: bool | None = None
    name: str | None = None
    description: str | None = None
    category: CategoryId | None | Keep = KEEP


@dataclass(frozen=True, slots=True)
class NewVariant:
    sku: str
    name: str
    price: int
    stock: int


@dataclass(frozen=True, slots=True)
class CartLine:
    variant: Variant
    product_name: str
    product_kind: str
    quantity: int
    price_seen: int

    @property
    def changed(self) -> bool:
        return self.price_seen != self.variant.price


@dataclass(frozen=True, slots=True)
class OrderLine:
    variant_id: VariantId
    product_id: ProductId
    name: str
    sku: str
    price: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where and when goods go: the buyer's area (postal code or district), address,
    recipient and phone, and the window chosen (its id and local day)."""

    area: str
    address: str
    recipient: str
    phone: str
    window_id: WindowId
    day: str


@dataclass(frozen=True, slots=True)
class Order:
    id: OrderId
    shop_id: ShopId
    buyer_id: UserId
    status: str
    kind: str
    total: int
    conversation_id: ConversationId
    window_id: WindowId | None
    day: str | None
    starts_at: Instant | None
    ends_at: Instant | None
    area: str
    address: str
    recipient: str
    phone: str
    created_at: Instant
    updated_at: Instant
    lines: tuple[OrderLine, ...]
    cover_premium: int = 0  # paid into the cover pool at checkout (0: not covered)
    settled: bool = False  # its money moved from pending to the merchant's balance

    @property
    def covered(self) -> bool:
        return self.cover_premium > 0


# --- checks of what a merchant or a buyer sends ---


def check_name(value: str, field: str = "name", most: int = MAX_NAME) -> str:
    line = " ".join(value.split())
    if not line:
        raise InvalidInput(f"{field} is needed.", field=field)
    if len(line) > most:
        raise TooLarge(f"{field} is too long.", field=field, max_length=most)
    return line


def check_text(value: str, field: str, most: int) -> str:
    text = value.strip()
    if len(text) > most:
        raise TooLarge(f"{field} is too long.", field=field, max_length=most)
    return text


def check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise InvalidInput("A staff role is clerk or courier.", field="role")
    return role


def check_kind(kind: str) -> str:
    if kind not in (PHYSICAL, DIGITAL):
        raise InvalidInput("A product is physical or digital.", field="kind")
    return kind


def check_count(value: object, field: str, most: int) -> int:
    """A whole number 0..most (stock); never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InvalidInput(f"{field} is a whole number from 0 to {most}.", field=field)
    return value


def check_quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise QuantityInvalid(field="quantity", max_quantity=MAX_QUANTITY)
    return value


def check_variant(raw: Mapping[str, JsonValue], price: int) -> NewVariant:
    """A variant as the merchant sends it: {sku, name, price, stock}, its price already
    checked by the wallet's money rules (a positive int of minor units)."""
    sku = raw.get("sku")
    if not isinstance(sku, str) or not SKU.fullmatch(sku):
        raise InvalidInput("A SKU is 1-40 of A-Z a-z 0-9 . _ -", field="sku")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise InvalidInput("A variant's name is text.", field="name")
    stock = check_count(raw.get("stock", 0), "stock", MAX_STOCK)
    return NewVariant(sku, check_text(name, "name", MAX_NAME), price, stock)


def check_variants(variants: Sequence[NewVariant]) -> tuple[NewVariant, ...]:
    if not variants:
        raise InvalidInput("A product has at least one variant.", field="variants")
    if len(variants) > MAX_VARIANTS:
        raise TooLarge("Too many variants.", field="variants", max_items=MAX_VARIANTS)
    if len({v.sku for v in variants}) != len(variants):
        raise InvalidInput("Each variant has its own SKU.", field="sku")
    return tuple(variants)


# --- orders ---


def total_of(lines: Sequence[CartLine]) -> int:
    return sum(line.variant.price * line.quantity for line in lines)


def check_prices(lines: Sequence[CartLine], confirmed_total: int | None) -> int:
    """The total to pay now. A price changed since the cart was filled must be
    confirmed: the buyer sends the new total (PriceChanged says it, and what changed)."""
    total = total_of(lines)
    changed = [line for line in lines if line.changed]
    if confirmed_total == total or (confirmed_total is None and not changed):
        return total
    raise PriceChanged(
        total=total,
        changed=[
            {"variant_id": line.variant.id, "was": line.price_seen, "now": line.variant.price}
            for line in changed
        ],
    )


def kind_of(lines: Sequence[CartLine]) -> str:
    """An order is physical (delivered in a window) if any line is; else digital."""
    return PHYSICAL if any(line.product_kind == PHYSICAL for line in lines) else DIGITAL


def check_transition(order: Order, action: str, roles: Sequence[str]) -> Transition:
    """The transition `action` of `order` for someone with `roles` towards it (owner,
    clerk, courier, buyer): NotShopStaff if none of their roles may do it,
    OrderStateInvalid if the order is not in a state it starts from (a buyer cancels
    only before the shop packs it)."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise InvalidInput("No such action on an order.", field="action")
    mine = set(roles) & set(step.roles)
    if not mine:
        raise NotShopStaff(shop_id=order.shop_id, action=action)
    if action == "request_return" and order.kind == DIGITAL:
        raise ReturnNotGoods(order_id=order.id)
    sources = (Status.PAID,) if mine == {BUYER} and action == "cancel" else step.sources
    if order.status not in sources:
        raise OrderStateInvalid(order_id=order.id, status=order.status, action=action)
    return step


def event_of(action: str, target: str) -> str:
    return EVENTS.get(action, target)


def product_card(product: Product, shop_name: str, currency: str) -> dict[str, JsonValue]:
    """A `product` card: a product shared into a chat, as it was then (its lowest price;
    the product page tells the price and stock now)."""
    prices = [v.price for v in product.variants]
    picture: JsonValue = None
    if product.pictures:
        m = product.pictures[0]
        picture = {"id": m.id, "width": m.width, "height": m.height}
    return {
        "shop_id": product.shop_id,
        "product_id": product.id,
        "shop_name": shop_name,
        "name": product.name,
        "kind": product.kind,
        "price": min(prices) if prices else 0,
        "currency": currency,
        "picture": picture,
    }


def card_data(
    order: Order, event: str, currency: str, shop_name: str, time_zone: str
) -> dict[str, JsonValue]:
    """An `order` card: what the buyer sees in their chat with the shop, as of `event`."""
    items: list[JsonValue] = [
        {"name": line.name, "sku": line.sku, "price": line.price, "quantity": line.quantity}
        for line in order.lines
    ]
    window: JsonValue = None
    if order.starts_at is not None:
        window = {
            "window_id": order.window_id,
            "day": order.day,
            "starts_at": order.starts_at,
            "ends_at": order.ends_at,
            "time_zone": time_zone,
        }
    return {
        "order_id": order.id,
        "shop_id": order.shop_id,
        "shop_name": shop_name,
        "event": event,
        "status": order.status,
        "total": order.total,
        "currency": currency,
        "items": items,
        "window": window,
        "covered": order.covered,
    }
