"""A free-text description a user keeps about each contact (beside the remark name).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contacts", sa.Column("description", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("description")
