"""A broadcast names its media in a column of its own (`oa_channel_posts.media_id`), so
"which posts carry this blob" is one indexed lookup, written once for both databases
(it was a JSON path into `data`, spelled differently by each).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("oa_channel_posts", sa.Column("media_id", sa.Text, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE oa_channel_posts SET media_id = data::jsonb #>> '{media,id}'"
            " WHERE data IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE oa_channel_posts SET media_id = json_extract(data, '$.media.id')"
            " WHERE data IS NOT NULL"
        )
    op.create_index("oa_channel_posts_media", "oa_channel_posts", ["media_id"])


def downgrade() -> None:
    op.drop_index("oa_channel_posts_media", "oa_channel_posts")
    with op.batch_alter_table("oa_channel_posts") as batch:
        batch.drop_column("media_id")
