"""Service notifications (platform/notifications): the senders a person muted there.

The conversation itself is a row of `conversations` (kind `service`, `direct_key`
`service:<user id>`), so it needs no table; a mute names its sender as `app:<id>` or
`account:<id>`.

Revision ID: 0039
Revises: 0037
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_mutes",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.Text, primary_key=True),  # app:<id> | account:<id>
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("service_mutes")
