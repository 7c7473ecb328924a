"""Chapter and whole-work purchases settle and refund like shop orders: a purchase keeps
the transaction that settled it (pending → the merchant's balance) and the one that
refunded it; a refunded purchase no longer counts as owned, so the reader may buy that
chapter again (the "bought once" rule becomes a unique index over the purchases not
refunded); and a settlement row says whether it settled an order or a purchase.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger
LIVE = sa.text("refund_tx IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("books_purchases") as batch:  # SQLite rebuilds the table
        batch.add_column(sa.Column("release_tx", Big, nullable=True))  # settled by
        batch.add_column(sa.Column("refund_tx", Big, nullable=True))  # refunded by
        batch.drop_constraint("books_purchases_once", type_="unique")
    op.create_index(  # a chapter (or the whole work) is bought once, until refunded
        "books_purchases_once",
        "books_purchases",
        ["user_id", "work_id", "chapter"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.add_column(  # order, purchase: what `order_id` names
        "merchant_settlements",
        sa.Column("kind", sa.Text, nullable=False, server_default="order"),
    )


def downgrade() -> None:
    with op.batch_alter_table("merchant_settlements") as batch:
        batch.drop_column("kind")
    op.drop_index("books_purchases_once", table_name="books_purchases")
    op.execute("DELETE FROM books_purchases WHERE refund_tx IS NOT NULL")
    with op.batch_alter_table("books_purchases") as batch:
        batch.drop_column("refund_tx")
        batch.drop_column("release_tx")
        batch.create_unique_constraint("books_purchases_once", ["user_id", "work_id", "chapter"])
