"""Group invites (a link valid for 7 days, revocable, with or without approval; the token's
hash only) and the requests to join that wait for an owner's or admin's approval.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_invites",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        sa.Column("approval", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "join_requests",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("invite_id", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("conversation_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("join_requests")
    op.drop_table("group_invites")
