"""A reader asks the shop to refund a chapter or whole-work purchase: one request per
purchase, with the reader's reason; the shop's staff grant it (the refund itself, a
ledger transaction on `books_purchases.refund_tx`) or decline it (`declined_at`).

Revision ID: 0044
Revises: 0039
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "books_refund_requests",
        sa.Column("purchase_id", Big, primary_key=True),  # books_purchases.id
        sa.Column("user_id", Big, nullable=False),  # the reader who asked (the buyer)
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("declined_at", Big, nullable=True),  # the staff said no
        sa.Column("declined_by", Big, nullable=True),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("books_refund_requests")
