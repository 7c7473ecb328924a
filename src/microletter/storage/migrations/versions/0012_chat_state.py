"""A member's own view of a chat: pinned (`pinned_at`), marked unread, deleted from the
chat list until the next message (`hidden_seq`), and history cleared up to a seq
(`cleared_seq`). All of it is the member's alone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("members", sa.Column("pinned_at", sa.BigInteger, nullable=True))
    op.add_column(
        "members",
        sa.Column("marked_unread", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "members", sa.Column("hidden_seq", sa.BigInteger, nullable=False, server_default="0")
    )
    op.add_column(
        "members", sa.Column("cleared_seq", sa.BigInteger, nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        for column in ("cleared_seq", "hidden_seq", "marked_unread", "pinned_at"):
            batch.drop_column(column)
