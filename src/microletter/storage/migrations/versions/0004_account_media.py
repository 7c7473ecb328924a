"""Account media move into the media room: an official account's uploads are blobs like
anyone's (`media`, `media_uploads` with the account as the uploader), so `oa_media` goes.
What stays is the protocol's own fact, `oa_uploads`: when the account last uploaded a
blob as which type (image, voice, video, thumb, news, img), the clock of temporary media.

Files an account uploaded before this revision are not moved (the media room only keeps
bytes it decoded itself); messages that named them keep their old `data`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.drop_table("oa_media")
    op.create_table(
        "oa_uploads",
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("media_id", sa.Text, primary_key=True),  # a blob of the media room
        sa.Column("type", sa.Text, primary_key=True),
        sa.Column("uploaded_at", Big, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oa_uploads")
    op.create_table(
        "oa_media",
        sa.Column("media_id", sa.Text, primary_key=True),
        sa.Column("account_id", Big, nullable=False, index=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("size", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("expires_at", Big),
    )
