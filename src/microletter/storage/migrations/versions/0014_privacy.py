"""Privacy settings of a user: how others may add them (by username, by their QR code,
from a group, from a contact card) and whether they send read receipts.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("add_by_username", "add_by_qr", "add_by_group", "add_by_card", "read_receipts")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column(
            "users", sa.Column(column, sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
