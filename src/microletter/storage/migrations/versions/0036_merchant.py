"""Merchant finance (src/microletter/merchant/): settlements of shop orders (pending →
the merchant's balance, with what repaid the credit line), credit lines, their draws and
repayments, return-shipping cover's claims, operators' fundings of the cover and credit
pools; and the cover premium on a shop order. The money itself is in the wallet's
ledger; these tables say why each posting happened, so reconcile can check both.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.add_column(  # paid into the cover pool at checkout (0: not covered)
        "shop_orders", sa.Column("cover_premium", Big, nullable=False, server_default="0")
    )
    op.create_table(  # one per settled order: its money left pending once
        "merchant_settlements",
        sa.Column("order_id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("amount", Big, nullable=False),  # the order's total
        sa.Column("repaid", Big, nullable=False),  # of it, to the credit line
        sa.Column("transaction_id", Big, nullable=False),
        sa.Column("settled_at", Big, nullable=False),
    )
    op.create_index(
        "merchant_settlements_by_shop", "merchant_settlements", ["shop_id", "settled_at"]
    )
    op.create_table(  # a shop's credit line: what it owes (drawn + fee - repaid)
        "merchant_lines",
        sa.Column("shop_id", Big, primary_key=True, autoincrement=False),
        sa.Column("owed", Big, nullable=False),
        sa.Column("drawn_at", Big, nullable=True),
        sa.CheckConstraint("owed >= 0", name="merchant_lines_owed"),
    )
    op.create_table(
        "merchant_draws",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False, index=True),
        sa.Column("amount", Big, nullable=False),
        sa.Column("fee", Big, nullable=False),
        sa.Column("actor_id", Big, nullable=False),
        sa.Column("transaction_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(  # from a settlement (order_id) or paid by the merchant (NULL)
        "merchant_repayments",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False, index=True),
        sa.Column("amount", Big, nullable=False),
        sa.Column("order_id", Big, nullable=True),
        sa.Column("transaction_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(  # one per covered, returned order: paid from the pool, or waiting
        "merchant_claims",
        sa.Column("order_id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("buyer_id", Big, nullable=False),
        sa.Column("amount", Big, nullable=False),
        sa.Column("status", sa.Text, nullable=False),  # waiting, paid
        sa.Column("transaction_id", Big, nullable=True),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("paid_at", Big, nullable=True),
    )
    op.create_index("merchant_claims_by_status", "merchant_claims", ["status", "order_id"])
    op.create_index("merchant_claims_by_buyer", "merchant_claims", ["buyer_id"])
    op.create_table(  # an operator's money into a pool, with the reason
        "merchant_pool_fundings",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("pool", sa.Text, nullable=False),  # cover, credit
        sa.Column("amount", Big, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("operator_id", Big, nullable=False),
        sa.Column("transaction_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "merchant_pool_fundings",
        "merchant_claims",
        "merchant_repayments",
        "merchant_draws",
        "merchant_lines",
        "merchant_settlements",
    ):
        op.drop_table(table)
    with op.batch_alter_table("shop_orders") as batch:  # SQLite rebuilds the table
        batch.drop_column("cover_premium")
