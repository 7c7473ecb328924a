"""Shops, their staff and their catalog: categories, products with their variants and
media (units of work, both databases). A product's pictures and a digital product's
file are the merchant's uploads, held (storage.hold_media) as the product refers to them.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from microletter.core.errors import TooLarge, UserNotFound
from microletter.core.ids import UserId
from microletter.core.media import Media, MediaId, MediaKind, check_media_id
from microletter.core.models import Instant
from microletter.ports import Reader, Row, Tx
from microletter.shop.errors import (
    CategoryNotFound,
    ProductNotFound,
    SkuTaken,
    VariantNotFound,
)
from microletter.shop.rules import (
    HAS_PAID,
    KEEP,
    MAX_VARIANTS,
    Category,
    CategoryId,
    NewVariant,
    Product,
    ProductEdit,
    ProductId,
    Shop,
    ShopId,
    Staff,
    Variant,
    VariantId,
)
from microletter.shop.store.rows import (
    PRODUCT_COLS,
    SHOP_COLS,
    VARIANT_COLS,
    category_id,
    load_shop,
    media_of,
    shop_of,
    variant_of,
)
from microletter.storage import find_media, hold_media

PICTURE, FILE = "picture", "file"


async def save_shop(
    tx: Tx, shop_id: ShopId, name: str, description: str, time_zone: str, now: Instant
) -> Shop:
    """Open the account's shop, or change its name, description and time zone."""
    await tx.execute(
        f"INSERT INTO shops ({SHOP_COLS}) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO UPDATE"
        " SET name=excluded.name, description=excluded.description,"
        " time_zone=excluded.time_zone",
        shop_id,
        name,
        description,
        time_zone,
        now,
    )
    return await load_shop(tx, shop_id)


async def shop(db: Reader, shop_id: int) -> Shop:
    return await load_shop(db, shop_id)


async def shops_of_staff(db: Reader, user: UserId) -> list[tuple[Shop, str]]:
    rows = await db.fetch(
        f"SELECT {', '.join('s.' + c for c in SHOP_COLS.split(', '))}, t.role FROM shop_staff t"
        " JOIN shops s ON s.id=t.shop_id WHERE t.user_id=$1 ORDER BY s.id",
        user,
    )
    return [(shop_of(r), r[5]) for r in rows]


async def set_staff(tx: Tx, shop_id: ShopId, user: UserId, role: str | None, now: Instant) -> None:
    """Name `user` the shop's clerk or courier (`role` None: no longer staff)."""
    await load_shop(tx, shop_id)
    if role is None:
        await tx.execute("DELETE FROM shop_staff WHERE shop_id=$1 AND user_id=$2", shop_id, user)
        return
    if await tx.fetchval("SELECT 1 FROM users WHERE id=$1", user) is None:
        raise UserNotFound(user_id=user)
    await tx.execute(
        "INSERT INTO shop_staff (shop_id, user_id, role, created_at) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (shop_id, user_id) DO UPDATE SET role=excluded.role",
        shop_id,
        user,
        role,
        now,
    )


async def staff(db: Reader, shop_id: ShopId) -> list[Staff]:
    rows = await db.fetch(
        "SELECT shop_id, user_id, role FROM shop_staff WHERE shop_id=$1 ORDER BY user_id", shop_id
    )
    return [Staff(ShopId(r[0]), UserId(r[1]), r[2]) for r in rows]


async def role_of(db: Reader, shop_id: ShopId, user: UserId) -> str | None:
    found = await db.fetchval(
        "SELECT role FROM shop_staff WHERE shop_id=$1 AND user_id=$2", shop_id, user
    )
    return None if found is None else str(found)


async def add_category(tx: Tx, shop_id: ShopId, name: str, now: Instant) -> Category:
    await load_shop(tx, shop_id)
    position = await tx.fetchval("SELECT count(*) FROM shop_categories WHERE shop_id=$1", shop_id)
    cid = CategoryId(tx.new_id(now))
    await tx.execute(
        "INSERT INTO shop_categories (id, shop_id, name, position) VALUES ($1,$2,$3,$4)",
        cid,
        shop_id,
        name,
        int(position),
    )
    return Category(cid, shop_id, name, int(position))


async def categories(db: Reader, shop_id: ShopId) -> list[Category]:
    rows = await db.fetch(
        "SELECT id, shop_id, name, position FROM shop_categories WHERE shop_id=$1"
        " ORDER BY position, id",
        shop_id,
    )
    return [Category(CategoryId(r[0]), ShopId(r[1]), r[2], int(r[3])) for r in rows]


async def add_product(
    tx: Tx,
    me: UserId,
    shop_id: ShopId,
    category: CategoryId | None,
    name: str,
    description: str,
    kind: str,
    pictures: Sequence[str],
    file: str | None,
    variants: Sequence[NewVariant],
    now: Instant,
) -> Product:
    """A product with its variants; its pictures (images) and file are `me`'s uploads
    (or blobs `me` may see), held from now on by the product."""
    await load_shop(tx, shop_id)
    if category is not None and (
        await tx.fetchval(
            "SELECT 1 FROM shop_categories WHERE id=$1 AND shop_id=$2", category, shop_id
        )
        is None
    ):
        raise CategoryNotFound(category_id=category)
    pid = ProductId(tx.new_id(now))
    await tx.execute(
        "INSERT INTO shop_products (id, shop_id, category_id, name, description, kind, active,"
        " created_at) VALUES ($1,$2,$3,$4,$5,$6,true,$7)",
        pid,
        shop_id,
        category,
        name,
        description,
        kind,
        now,
    )
    held = [(PICTURE, MediaKind.IMAGE, p) for p in pictures]
    held += [(FILE, MediaKind.FILE, file)] if file is not None else []
    for position, (role, media_kind, raw) in enumerate(held):
        media_id = check_media_id(raw)
        await hold_media(tx, media_id)
        media = await find_media(tx, me, media_id, media_kind)
        await tx.execute(
            "INSERT INTO shop_product_media (product_id, position, role, media_id, media)"
            " VALUES ($1,$2,$3,$4,$5)",
            pid,
            position,
            role,
            media_id,
            msgspec.json.encode(media).decode(),
        )
    for v in variants:
        await _insert_variant(tx, shop_id, pid, v, now)
    return await product(tx, shop_id, pid)


async def _insert_variant(
    tx: Tx, shop_id: ShopId, pid: ProductId, v: NewVariant, now: Instant
) -> None:
    made = await tx.execute(
        "INSERT INTO shop_variants (id, product_id, shop_id, sku, name, price, stock)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (shop_id, sku) DO NOTHING",
        tx.new_id(now),
        pid,
        shop_id,
        v.sku,
        v.name,
        v.price,
        v.stock,
    )
    if not made:
        raise SkuTaken(sku=v.sku)


async def update_variant(
    tx: Tx, shop_id: ShopId, vid: VariantId, price: int | None, stock: int | None
) -> Variant:
    """Change a variant's price and/or set its stock (carts see the new price; checkout
    then asks the buyer to confirm it)."""
    row = await tx.fetchrow(
        f"SELECT {VARIANT_COLS} FROM shop_variants v WHERE v.id=$1 AND v.shop_id=$2 FOR UPDATE",
        vid,
        shop_id,
    )
    if row is None:
        raise VariantNotFound(variant_id=vid)
    found = variant_of(row)
    await tx.execute(
        "UPDATE shop_variants SET price=$2, stock=$3 WHERE id=$1",
        vid,
        found.price if price is None else price,
        found.stock if stock is None else stock,
    )
    row = await tx.fetchrow(f"SELECT {VARIANT_COLS} FROM shop_variants v WHERE v.id=$1", vid)
    assert row is not None  # just updated
    return variant_of(row)


async def set_active(tx: Tx, shop_id: ShopId, pid: ProductId, active: bool) -> Product:
    changed = await tx.execute(
        "UPDATE shop_products SET active=$3 WHERE id=$1 AND shop_id=$2", pid, shop_id, active
    )
    if not changed:
        raise ProductNotFound(product_id=pid)
    return await product(tx, shop_id, pid)


async def edit_product(tx: Tx, shop_id: ShopId, pid: ProductId, edit: ProductEdit) -> Product:
    """Change what `edit` names of a product (each None: as it was). Orders keep the
    names their lines were bought under."""
    found = await product(tx, shop_id, pid)
    category = found.category_id if edit.category is KEEP else edit.category
    if category is not None and (
        await tx.fetchval(
            "SELECT 1 FROM shop_categories WHERE id=$1 AND shop_id=$2", category, shop_id
        )
        is None
    ):
        raise CategoryNotFound(category_id=category)
    await tx.execute(
        "UPDATE shop_products SET active=$3, name=$4, description=$5, category_id=$6"
        " WHERE id=$1 AND shop_id=$2",
        pid,
        shop_id,
        found.active if edit.active is None else edit.active,
        found.name if edit.name is None else edit.name,
        found.description if edit.description is None else edit.description,
        category,
    )
    return await product(tx, shop_id, pid)


async def add_variant(
    tx: Tx, shop_id: ShopId, pid: ProductId, v: NewVariant, now: Instant
) -> Product:
    """One more variant of a product (SkuTaken if its SKU is the shop's already)."""
    found = await product(tx, shop_id, pid)
    if len(found.variants) >= MAX_VARIANTS:
        raise TooLarge("Too many variants.", field="variants", max_items=MAX_VARIANTS)
    await _insert_variant(tx, shop_id, pid, v, now)
    return await product(tx, shop_id, pid)


async def rename_category(tx: Tx, shop_id: ShopId, cid: CategoryId, name: str) -> Category:
    changed = await tx.execute(
        "UPDATE shop_categories SET name=$3 WHERE id=$1 AND shop_id=$2", cid, shop_id, name
    )
    if not changed:
        raise CategoryNotFound(category_id=cid)
    row = await tx.fetchrow("SELECT position FROM shop_categories WHERE id=$1", cid)
    assert row is not None  # just updated
    return Category(cid, shop_id, name, int(row[0]))


async def delete_category(tx: Tx, shop_id: ShopId, cid: CategoryId) -> None:
    """Delete a category; its products stay, in no category."""
    await tx.execute(
        "UPDATE shop_products SET category_id=NULL WHERE shop_id=$1 AND category_id=$2",
        shop_id,
        cid,
    )
    if not await tx.execute("DELETE FROM shop_categories WHERE id=$1 AND shop_id=$2", cid, shop_id):
        raise CategoryNotFound(category_id=cid)


async def delete_product(tx: Tx, shop_id: ShopId, pid: ProductId) -> Product | None:
    """Delete a product that was never ordered (None), with its variants, pictures and
    cart lines. One that was ordered is taken off sale instead and returned as it is
    after: its orders, refunds and a digital file's buyers keep what they name. Its
    variants are locked first, so a checkout taking its stock at the same time either
    commits before (and its order is counted here) or finds no stock after."""
    found = await product(tx, shop_id, pid)
    await tx.fetch("SELECT id FROM shop_variants WHERE product_id=$1 ORDER BY id FOR UPDATE", pid)
    if await tx.fetchval("SELECT 1 FROM shop_order_lines WHERE product_id=$1 LIMIT 1", pid):
        if found.active:
            return await set_active(tx, shop_id, pid, False)
        return found
    await tx.execute(
        "DELETE FROM shop_cart_items WHERE variant_id IN"
        " (SELECT id FROM shop_variants WHERE product_id=$1)",
        pid,
    )
    await tx.execute("DELETE FROM shop_variants WHERE product_id=$1", pid)
    await tx.execute("DELETE FROM shop_product_media WHERE product_id=$1", pid)
    await tx.execute("DELETE FROM shop_products WHERE id=$1", pid)
    return None


async def product(db: Reader, shop_id: ShopId, pid: ProductId) -> Product:
    found = await _products(db, "p.shop_id=$1 AND p.id=$2", shop_id, pid)
    if not found:
        raise ProductNotFound(product_id=pid)
    return found[0]


async def products(db: Reader, shop_id: ShopId, everything: bool) -> list[Product]:
    """The shop's products, newest first (`everything`: the inactive ones too)."""
    where = "p.shop_id=$1" if everything else "p.shop_id=$1 AND p.active"
    return await _products(db, where, shop_id)


async def _products(db: Reader, where: str, *args: object) -> list[Product]:
    rows = await db.fetch(
        f"SELECT {PRODUCT_COLS} FROM shop_products p WHERE {where} ORDER BY p.id DESC LIMIT 500",
        *args,
    )
    if not rows:
        return []
    ids = [r[0] for r in rows]
    variants: dict[int, list[Variant]] = {}
    for r in await db.fetch(
        f"SELECT {VARIANT_COLS} FROM shop_variants v WHERE v.product_id = ANY($1::bigint[])"
        " ORDER BY v.id",
        ids,
    ):
        variants.setdefault(int(r[1]), []).append(variant_of(r))
    media: dict[int, list[tuple[str, Media]]] = {}
    for r in await db.fetch(
        "SELECT product_id, role, media FROM shop_product_media"
        " WHERE product_id = ANY($1::bigint[]) ORDER BY product_id, position",
        ids,
    ):
        media.setdefault(int(r[0]), []).append((r[1], media_of(r[2])))
    return [_product_of(r, variants.get(int(r[0]), []), media.get(int(r[0]), [])) for r in rows]


def _product_of(r: Row, variants: list[Variant], media: list[tuple[str, Media]]) -> Product:
    files = [m for role, m in media if role == FILE]
    return Product(
        ProductId(r[0]),
        ShopId(r[1]),
        category_id(r[2]),
        r[3],
        r[4],
        r[5],
        bool(r[6]),
        tuple(m for role, m in media if role == PICTURE),
        files[0] if files else None,
        tuple(variants),
    )


async def visible_media(db: Reader, viewer: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
    """The media grant: an active product's pictures, to anyone; a digital product's
    file, to whoever holds a paid order of it (not cancelled or refunded)."""
    if not ids:
        return {}
    rows = await db.fetch(
        "SELECT m.media_id, m.media FROM shop_product_media m"
        " JOIN shop_products p ON p.id=m.product_id"
        " WHERE m.media_id = ANY($1::text[]) AND ((m.role='picture' AND p.active) OR"
        " (m.role='file' AND EXISTS (SELECT 1 FROM shop_order_lines l JOIN shop_orders o"
        " ON o.id=l.order_id WHERE l.product_id=m.product_id AND o.buyer_id=$2"
        " AND o.status = ANY($3::text[]))))",
        list(ids),
        viewer,
        list(HAS_PAID),
    )
    return {MediaId(r[0]): media_of(r[1]) for r in rows}
