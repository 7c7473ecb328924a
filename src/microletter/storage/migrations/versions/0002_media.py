"""Media: blobs, who uploaded them, and the messages that carry them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    # One row per stored blob (its id is the sha256 of its bytes). Kind-specific facts are
    # NULL until an upload of that kind measured them.
    op.create_table(
        "media",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("size", Big, nullable=False),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("has_thumbnail", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("duration_ms", Big),
        sa.Column("waveform", sa.Text),  # JSON array of 64 ints 0..255, or NULL
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    # Who uploaded which blob, as what and under which name: the uploader may always fetch it.
    op.create_table(
        "media_uploads",
        sa.Column("user_id", Big, primary_key=True),
        sa.Column("media_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    # Which message carries which blob: members who can see the message may fetch it.
    # A recall deletes the row, and with it that way to the blob.
    op.create_table(
        "media_refs",
        sa.Column("media_id", sa.Text, primary_key=True),
        sa.Column("conversation_id", Big, primary_key=True),
        sa.Column("seq", Big, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("media_refs_by_message", "media_refs", ["conversation_id", "seq"])


def downgrade() -> None:
    op.drop_index("media_refs_by_message", "media_refs")
    for table in ("media_refs", "media_uploads", "media"):
        op.drop_table(table)
