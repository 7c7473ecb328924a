"""The e-books a reader bought as the shop's digital products (a read, both databases).
It reads the shop's order and product tables, as the shop's media grant does: a file is
theirs while they hold a paid order of it (not cancelled or refunded)."""

from __future__ import annotations

import msgspec

from microletter.core.ids import UserId
from microletter.core.media import Media
from microletter.ports import Reader

PAID = ("paid", "packed", "out_for_delivery", "delivered", "fulfilled")  # shop.rules.HAS_PAID


async def bought_files(db: Reader, me: UserId) -> list[tuple[int, int, str, Media]]:
    """(product id, shop id, product name, file) of every digital product I hold."""
    rows = await db.fetch(
        "SELECT DISTINCT p.id, p.shop_id, p.name, m.media FROM shop_orders o"
        " JOIN shop_order_lines l ON l.order_id=o.id JOIN shop_products p ON p.id=l.product_id"
        " JOIN shop_product_media m ON m.product_id=p.id AND m.role='file'"
        " WHERE o.buyer_id=$1 AND o.kind='digital' AND o.status = ANY($2::text[])"
        " ORDER BY p.id DESC LIMIT 200",
        me,
        list(PAID),
    )
    return [(int(r[0]), int(r[1]), r[2], msgspec.json.decode(r[3], type=Media)) for r in rows]
