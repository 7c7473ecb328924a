"""Friend requests remember enough to limit them: when the last one was declined, whether
the person asked declined to hear more (`refused`), and how many were sent in the current
day-long window (`sent_today` since `window_start`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contact_requests", sa.Column("declined_at", sa.BigInteger, nullable=True))
    op.add_column(
        "contact_requests",
        sa.Column("refused", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "contact_requests",
        sa.Column("sent_today", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column(
        "contact_requests",
        sa.Column("window_start", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("contact_requests") as batch:  # SQLite rebuilds the table
        for column in ("window_start", "sent_today", "refused", "declined_at"):
            batch.drop_column(column)
