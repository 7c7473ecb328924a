"""Storage quotas and the media collector: when a blob was last stored and an upload last
made (`touched_at`, from which the collector's grace period and an unsent upload's expiry
count; filled with `created_at` for existing rows, so uploads older than the expiry that
nothing refers to go on the first run), the trash of blobs whose files are to be deleted,
and the indexes that let each referrer answer "which of these blobs do you still need"
by index: uploads and account uploads by blob, users by avatar.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    for table in ("media", "media_uploads"):
        op.add_column(table, sa.Column("touched_at", Big, nullable=False, server_default="0"))
        op.execute(f"UPDATE {table} SET touched_at = created_at")  # noqa: S608 - a constant
    op.create_index("media_uploads_by_media", "media_uploads", ["media_id", "touched_at"])
    op.create_index("oa_uploads_by_media", "oa_uploads", ["media_id"])
    op.create_index(
        "users_by_avatar",
        "users",
        ["avatar"],
        postgresql_where=sa.text("avatar IS NOT NULL"),
        sqlite_where=sa.text("avatar IS NOT NULL"),
    )
    # Blobs deleted from `media` whose files are still to be deleted (by the collector,
    # after the commit; a run that dies in between leaves them to the next).
    op.create_table(
        "media_trash",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("size", Big, nullable=False),
        sa.Column("deleted_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("media_trash")
    op.drop_index("users_by_avatar", "users")
    op.drop_index("oa_uploads_by_media", "oa_uploads")
    op.drop_index("media_uploads_by_media", "media_uploads")
    for table in ("media_uploads", "media"):
        with op.batch_alter_table(table) as batch:  # SQLite rebuilds the table to drop columns
            batch.drop_column("touched_at")
