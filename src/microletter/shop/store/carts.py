"""Carts, one per buyer and shop (units of work, both databases). A line keeps the
price the buyer saw when they put it in, so checkout can tell them a price changed."""

from __future__ import annotations

from microletter.core.errors import TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Tx
from microletter.shop.errors import VariantNotFound
from microletter.shop.rules import MAX_CART_LINES, CartLine, ShopId, VariantId
from microletter.shop.store.rows import VARIANT_COLS, load_shop, variant_of


async def set_line(
    tx: Tx, me: UserId, shop_id: ShopId, vid: VariantId, quantity: int, now: Instant
) -> list[CartLine]:
    """Put `quantity` of a variant in my cart (0 takes it out); the price seen is the
    price now. The cart as it is after."""
    if quantity == 0:
        await load_shop(tx, shop_id)
        await tx.execute(
            "DELETE FROM shop_cart_items WHERE user_id=$1 AND shop_id=$2 AND variant_id=$3",
            me,
            shop_id,
            vid,
        )
        return await cart(tx, me, shop_id)
    row = await tx.fetchrow(  # the price, and how many other lines the cart has
        "SELECT v.price, (SELECT count(*) FROM shop_cart_items WHERE user_id=$3 AND shop_id=$2"
        " AND variant_id<>$1) FROM shop_variants v JOIN shop_products p ON p.id=v.product_id"
        " WHERE v.id=$1 AND v.shop_id=$2 AND p.active",
        vid,
        shop_id,
        me,
    )
    if row is None:
        await load_shop(tx, shop_id)  # ShopNotFound, if that is why
        raise VariantNotFound(variant_id=vid)
    price, lines = row[0], row[1]
    if int(lines) >= MAX_CART_LINES:
        raise TooLarge("The cart is full.", field="variant_id", max_items=MAX_CART_LINES)
    await tx.execute(
        "INSERT INTO shop_cart_items (user_id, shop_id, variant_id, quantity, price_seen,"
        " added_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (user_id, shop_id, variant_id)"
        " DO UPDATE SET quantity=excluded.quantity, price_seen=excluded.price_seen",
        me,
        shop_id,
        vid,
        quantity,
        int(price),
        now,
    )
    return await cart(tx, me, shop_id)


async def cart(db: Reader, me: UserId, shop_id: ShopId, *, lock: bool = False) -> list[CartLine]:
    """My cart at this shop, in the order the lines were put in (products taken off
    sale drop out). With `lock` (checkout), its lines are locked: a second checkout of
    the same cart with another key waits, then finds it empty."""
    rows = await db.fetch(
        f"SELECT {VARIANT_COLS}, p.name, p.kind, c.quantity, c.price_seen"
        " FROM shop_cart_items c JOIN shop_variants v ON v.id=c.variant_id"
        " JOIN shop_products p ON p.id=v.product_id"
        " WHERE c.user_id=$1 AND c.shop_id=$2 AND p.active ORDER BY c.added_at, v.id"
        + (" FOR UPDATE OF c" if lock else ""),
        me,
        shop_id,
    )
    return [CartLine(variant_of(r), r[6], r[7], int(r[8]), int(r[9])) for r in rows]


async def empty_cart(tx: Tx, me: UserId, shop_id: ShopId) -> None:
    await tx.execute("DELETE FROM shop_cart_items WHERE user_id=$1 AND shop_id=$2", me, shop_id)
