"""Merchant shops (src/microletter/shop/): a shop per official account and its staff,
the catalog (categories, products, their variants and media), carts, orders and their
lines, delivery zones with their daily windows, and the places taken in each window on
each day. The money moves in the wallet's ledger (buyer → the shop's pending account →
the merchant's settlement account on delivery; back to the buyer on a cancel or refund).

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(  # one per official account that sells; its id is the account's
        "shops",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("time_zone", sa.Text, nullable=False),  # IANA, e.g. Asia/Shanghai
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(
        "shop_staff",
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("role", sa.Text, nullable=False),  # clerk, courier
        sa.Column("created_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "user_id"),
    )
    op.create_index("shop_staff_by_user", "shop_staff", ["user_id"])
    op.create_table(
        "shop_categories",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "shop_products",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False, index=True),
        sa.Column("category_id", Big, nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("kind", sa.Text, nullable=False),  # physical, digital
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(  # pictures (in order) and a digital product's file, as Media JSON
        "shop_product_media",
        sa.Column("product_id", Big, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),  # picture, file
        sa.Column("media_id", sa.Text, nullable=False, index=True),
        sa.Column("media", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("product_id", "position"),
    )
    op.create_table(
        "shop_variants",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("product_id", Big, nullable=False, index=True),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("price", Big, nullable=False),  # minor units
        sa.Column("stock", Big, nullable=False),  # taken by a guarded UPDATE, never < 0
        sa.UniqueConstraint("shop_id", "sku", name="shop_variants_sku"),
        sa.CheckConstraint("stock >= 0", name="shop_variants_stock"),
    )
    op.create_table(
        "shop_cart_items",
        sa.Column("user_id", Big, nullable=False),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("variant_id", Big, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("price_seen", Big, nullable=False),  # the price when it was put in
        sa.Column("added_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "shop_id", "variant_id"),
    )
    op.create_table(
        "shop_zones",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(  # a postal code or a district a zone serves (one zone per area)
        "shop_zone_areas",
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("zone_id", Big, nullable=False),
        sa.PrimaryKeyConstraint("shop_id", "area"),
    )
    op.create_table(  # a daily window of a zone, in the shop's local time
        "shop_windows",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("zone_id", Big, nullable=False, index=True),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("starts", sa.Integer, nullable=False),  # minutes after local midnight
        sa.Column("ends", sa.Integer, nullable=False),  # <= starts: the next day
        sa.Column("capacity", sa.Integer, nullable=False),
    )
    op.create_table(  # a window on one local day: its places taken by a guarded UPDATE
        "shop_slots",
        sa.Column("window_id", Big, nullable=False),
        sa.Column("day", sa.Text, nullable=False),  # YYYY-MM-DD, local
        sa.Column("taken", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("window_id", "day"),
    )
    op.create_table(
        "shop_orders",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("buyer_id", Big, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # physical, digital
        sa.Column("total", Big, nullable=False),
        sa.Column("conversation_id", Big, nullable=False),  # where its cards go
        sa.Column("window_id", Big, nullable=True),
        sa.Column("day", sa.Text, nullable=True),
        sa.Column("starts_at", Big, nullable=True),
        sa.Column("ends_at", Big, nullable=True),
        sa.Column("area", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("recipient", sa.Text, nullable=False, server_default=""),
        sa.Column("phone", sa.Text, nullable=False, server_default=""),
        sa.Column("pay_tx", Big, nullable=False),
        sa.Column("release_tx", Big, nullable=True),  # pending → settlement
        sa.Column("refund_tx", Big, nullable=True),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
    )
    op.create_index("shop_orders_by_shop", "shop_orders", ["shop_id", "id"])
    op.create_index("shop_orders_by_buyer", "shop_orders", ["buyer_id", "id"])
    op.create_index("shop_orders_by_window", "shop_orders", ["window_id", "day"])
    op.create_table(
        "shop_order_lines",
        sa.Column("order_id", Big, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("variant_id", Big, nullable=False),
        sa.Column("product_id", Big, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("price", Big, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("order_id", "line"),
    )
    op.create_index("shop_order_lines_by_product", "shop_order_lines", ["product_id"])


def downgrade() -> None:
    for table in (
        "shop_order_lines",
        "shop_orders",
        "shop_slots",
        "shop_windows",
        "shop_zone_areas",
        "shop_zones",
        "shop_cart_items",
        "shop_variants",
        "shop_product_media",
        "shop_products",
        "shop_categories",
        "shop_staff",
        "shops",
    ):
        op.drop_table(table)
