"""Read diffusion for large groups: a device that speaks the protocol's streams
(revision 3) says so once, and a user all of whose devices do gets the messages of large
groups from the groups' streams instead of one log row per message.

Revision ID: 0043
Revises: 0037
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "devices",
        sa.Column("streams", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("streams")
