"""The Telegram Bot API (src/microletter/telegram/): bots (a `users` row each, like an
official account, plus its token's hash, privacy mode, commands, webhook and how far its
updates were acknowledged) and the callback queries of inline-keyboard presses.

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "tg_bots",
        sa.Column("id", Big, primary_key=True, autoincrement=False),  # its users row
        sa.Column("owner_id", Big, nullable=False, index=True),
        sa.Column("secret_hash", sa.Text, nullable=False),  # SHA-256 of the token's secret
        sa.Column("privacy", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("commands", sa.Text, nullable=False, server_default="[]"),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        # the update log's entries up to here were acknowledged (getUpdates' offset, or
        # delivered to the webhook)
        sa.Column("acked_seq", Big, nullable=False, server_default="0"),
        sa.Column("webhook_url", sa.Text, nullable=False, server_default=""),
        sa.Column("webhook_secret", sa.Text, nullable=False, server_default=""),
        sa.Column("last_error_at", Big, nullable=True),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(
        "tg_callbacks",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("bot_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("conversation_id", Big, nullable=False),
        sa.Column("seq", Big, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answer_text", sa.Text, nullable=False, server_default=""),
        sa.Column("show_alert", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", Big, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tg_callbacks")
    op.drop_table("tg_bots")
