"""Saved groups: a member may save a group to their contacts ("Contacts → Saved groups"),
their own choice like pinning, kept with the member's view of the chat. And the remark an
asker gives the person with a friend request, their contact's remark once accepted (only
the asker ever sees it).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "members", sa.Column("saved", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column(
        "contact_requests",
        sa.Column("remark", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("contact_requests") as batch:
        batch.drop_column("remark")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("saved")
