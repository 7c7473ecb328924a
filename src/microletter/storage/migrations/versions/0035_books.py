"""Serialized works and their chapters (src/microletter/books/): works a shop sells,
chapters published over time, what readers bought (a chapter, or the whole work: chapter
0), readers' shelves with their progress and auto-purchase setting, and reading sessions
(a payment token spent once for a spending limit). The money moves in the wallet's
ledger (the reader's wallet → the shop's pending account).

Revision ID: 0035
Revises: 0033
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "books_works",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("shop_id", Big, nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("free_chapters", sa.Integer, nullable=False),
        sa.Column("chapter_price", Big, nullable=False),  # minor units
        sa.Column("work_price", Big, nullable=True),  # None: chapters only
        sa.Column("chapters", sa.Integer, nullable=False, server_default="0"),  # published
        sa.Column("created_at", Big, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
    )
    op.create_table(
        "books_chapters",
        sa.Column("work_id", Big, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),  # 1, 2, ...
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("published_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("work_id", "number"),
    )
    op.create_table(  # one row per chapter bought, or per whole work (chapter 0)
        "books_purchases",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("work_id", Big, nullable=False),
        sa.Column("shop_id", Big, nullable=False),
        sa.Column("chapter", sa.Integer, nullable=False),
        sa.Column("amount", Big, nullable=False),
        sa.Column("pay_tx", Big, nullable=False),
        sa.Column("session_id", Big, nullable=True),
        sa.Column("created_at", Big, nullable=False),
        sa.UniqueConstraint("user_id", "work_id", "chapter", name="books_purchases_once"),
    )
    op.create_index("books_purchases_by_work", "books_purchases", ["work_id", "user_id"])
    op.create_index("books_purchases_by_shop", "books_purchases", ["shop_id", "id"])
    op.create_table(
        "books_shelf",
        sa.Column("user_id", Big, nullable=False),
        sa.Column("work_id", Big, nullable=False),
        sa.Column("chapter", sa.Integer, nullable=False, server_default="1"),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),  # per mille
        sa.Column("auto_purchase", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("spending_limit", Big, nullable=False, server_default="0"),
        sa.Column("added_at", Big, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "work_id"),
    )
    op.create_index("books_shelf_by_work", "books_shelf", ["work_id", "user_id"])
    op.create_table(
        "books_sessions",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("work_id", Big, nullable=False),
        sa.Column("spending_limit", Big, nullable=False),
        sa.Column("spent", Big, nullable=False, server_default="0"),
        sa.Column("expires_at", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.CheckConstraint("spent <= spending_limit", name="books_sessions_within_limit"),
    )


def downgrade() -> None:
    for table in (
        "books_sessions",
        "books_shelf",
        "books_purchases",
        "books_chapters",
        "books_works",
    ):
        op.drop_table(table)
