"""Transcripts of voice messages (the transcripts room, src/microletter/transcripts/): the
text a recognizer heard in a message, per language, made once and kept; a recall deletes
it in the recall's transaction.

Revision ID: 0030
Revises: 0031
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_transcripts",
        sa.Column("conversation_id", sa.BigInteger, primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("language", sa.Text, primary_key=True),  # primary subtag: en, zh
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("engine", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("message_transcripts")
