"""Delete for me: `hidden_messages` holds the messages a user removed from their own
view (history no longer returns them to that user; nobody else is affected). And
`members.mentioned_seq`, the last message that mentioned the member (or @all), so a chat
list shows "you were mentioned" while it is unread without scanning messages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hidden_messages",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("conversation_id", sa.BigInteger, primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("hidden_at", sa.BigInteger, nullable=False),
    )
    op.add_column(
        "members",
        sa.Column("mentioned_seq", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("mentioned_seq")
    op.drop_table("hidden_messages")
