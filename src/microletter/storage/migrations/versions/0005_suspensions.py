"""Moderation: a user may be suspended by an operator. `suspended_at` (NULL: not
suspended) and the operator's `suspended_reason`; log-in is refused while it is set.
Nothing else of the user changes, so unsuspending restores the account as it was.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("suspended_at", sa.BigInteger, nullable=True))
    op.add_column("users", sa.Column("suspended_reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:  # SQLite rebuilds the table to drop columns
        batch.drop_column("suspended_reason")
        batch.drop_column("suspended_at")
