"""A user's own collections: favourites (copies of messages and links, searchable by
their casefolded text in `search`, their blobs in `favourite_media`) and stickers
(images in the order the user chose).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "favourites",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("data", sa.Text, nullable=True),
        sa.Column("source_conversation_id", sa.BigInteger, nullable=True),
        sa.Column("source_seq", sa.BigInteger, nullable=True),
        sa.Column("source_sender_id", sa.BigInteger, nullable=True),
        sa.Column("search", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("favourites_by_user", "favourites", ["user_id", "id"])
    op.create_table(  # the blobs a favourite keeps (the media collector asks this table)
        "favourite_media",
        sa.Column("favourite_id", sa.BigInteger, primary_key=True),
        sa.Column("media_id", sa.Text, primary_key=True),
    )
    op.create_index("favourite_media_by_blob", "favourite_media", ["media_id"])
    op.create_table(
        "stickers",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("media_id", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stickers")
    op.drop_index("favourite_media_by_blob", "favourite_media")
    op.drop_table("favourite_media")
    op.drop_index("favourites_by_user", "favourites")
    op.drop_table("favourites")
