"""The shop's columns and how a row becomes a value (shared by its units of work)."""

from __future__ import annotations

import msgspec

from microletter.core.ids import ConversationId, UserId
from microletter.core.media import Media
from microletter.core.models import Instant
from microletter.ports import Reader, Row
from microletter.shop.errors import OrderNotFound, ShopNotFound
from microletter.shop.rules import (
    CategoryId,
    Order,
    OrderId,
    OrderLine,
    ProductId,
    Shop,
    ShopId,
    Variant,
    VariantId,
    WindowId,
    ZoneId,
)
from microletter.shop.rules.windows import Window

SHOP_COLS = "id, name, description, time_zone, created_at"
VARIANT_COLS = "v.id, v.product_id, v.sku, v.name, v.price, v.stock"
PRODUCT_COLS = "p.id, p.shop_id, p.category_id, p.name, p.description, p.kind, p.active"
WINDOW_COLS = "w.id, w.zone_id, w.starts, w.ends, w.capacity"
ORDER_COLS = (
    "o.id, o.shop_id, o.buyer_id, o.status, o.kind, o.total, o.conversation_id, o.window_id,"
    " o.day, o.starts_at, o.ends_at, o.area, o.address, o.recipient, o.phone, o.created_at,"
    " o.updated_at, o.cover_premium, o.release_tx"
)
LINE_COLS = "order_id, variant_id, product_id, name, sku, price, quantity"


def shop_of(r: Row) -> Shop:
    return Shop(ShopId(r[0]), r[1], r[2], r[3], Instant(r[4]))


async def load_shop(db: Reader, shop_id: int) -> Shop:
    row = await db.fetchrow(f"SELECT {SHOP_COLS} FROM shops WHERE id=$1", shop_id)
    if row is None:
        raise ShopNotFound(shop_id=shop_id)
    return shop_of(row)


def variant_of(r: Row, at: int = 0) -> Variant:
    return Variant(
        VariantId(r[at]),
        ProductId(r[at + 1]),
        r[at + 2],
        r[at + 3],
        int(r[at + 4]),
        int(r[at + 5]),
    )


def window_of(r: Row) -> Window:
    return Window(WindowId(r[0]), ZoneId(r[1]), int(r[2]), int(r[3]), int(r[4]))


def media_of(text: str) -> Media:
    return msgspec.json.decode(text, type=Media)


def category_id(value: int | None) -> CategoryId | None:
    return None if value is None else CategoryId(value)


def _line_of(r: Row) -> OrderLine:
    return OrderLine(VariantId(r[1]), ProductId(r[2]), r[3], r[4], int(r[5]), int(r[6]))


def _order_of(r: Row, lines: tuple[OrderLine, ...]) -> Order:
    return Order(
        id=OrderId(r[0]),
        shop_id=ShopId(r[1]),
        buyer_id=UserId(r[2]),
        status=r[3],
        kind=r[4],
        total=int(r[5]),
        conversation_id=ConversationId(r[6]),
        window_id=None if r[7] is None else WindowId(r[7]),
        day=r[8],
        starts_at=None if r[9] is None else Instant(r[9]),
        ends_at=None if r[10] is None else Instant(r[10]),
        area=r[11],
        address=r[12],
        recipient=r[13],
        phone=r[14],
        created_at=Instant(r[15]),
        updated_at=Instant(r[16]),
        lines=lines,
        cover_premium=int(r[17]),
        settled=r[18] is not None,
    )


async def orders_of_rows(db: Reader, rows: list[Row]) -> list[Order]:
    """The orders of `rows` (ORDER_COLS), each with its lines (one more query)."""
    if not rows:
        return []
    found = await db.fetch(
        f"SELECT {LINE_COLS} FROM shop_order_lines WHERE order_id = ANY($1::bigint[])"
        " ORDER BY order_id, line",
        [r[0] for r in rows],
    )
    lines: dict[int, list[OrderLine]] = {}
    for r in found:
        lines.setdefault(int(r[0]), []).append(_line_of(r))
    return [_order_of(r, tuple(lines.get(int(r[0]), []))) for r in rows]


async def load_order(db: Reader, order_id: int, *, lock: bool = False) -> Order:
    lock_clause = " FOR UPDATE" if lock else ""
    row = await db.fetchrow(
        f"SELECT {ORDER_COLS} FROM shop_orders o WHERE o.id=$1{lock_clause}", order_id
    )
    if row is None:
        raise OrderNotFound(order_id=order_id)
    return (await orders_of_rows(db, [row]))[0]
