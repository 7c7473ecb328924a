"""Moments: contact tags (private to their owner), posts with their audience resolved at
post time (`moment_audience`) and their blobs (`moment_media`, which the media collector
asks), likes, comments (a reply names the comment and its writer), each author's album
limit and cover, and the two per-contact switches.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_tags",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("contact_tags_by_name", "contact_tags", ["owner_id", "name"], unique=True)
    op.create_table(
        "contact_tag_members",
        sa.Column("tag_id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
    )
    op.create_table(
        "moment_posts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("author_id", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("data", sa.Text, nullable=True),  # images, link card, location (JSON)
        sa.Column("audience", sa.Text, nullable=False),  # all | private | only | except
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    # (deleted too: the timeline merge finds each author's newest live post in the index alone)
    op.create_index("moment_posts_by_author", "moment_posts", ["author_id", "id", "deleted"])
    op.create_table(  # the people an `only` / `except` audience named, resolved at post time
        "moment_audience",
        sa.Column("post_id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
    )
    op.create_table(
        "moment_media",
        sa.Column("post_id", sa.BigInteger, primary_key=True),
        sa.Column("media_id", sa.Text, primary_key=True),
    )
    op.create_index("moment_media_by_blob", "moment_media", ["media_id"])
    op.create_table(
        "moment_likes",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("post_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("moment_likes_once", "moment_likes", ["post_id", "user_id"], unique=True)
    op.create_table(
        "moment_comments",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("post_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("reply_to", sa.BigInteger, nullable=True),  # a comment's id
        sa.Column("reply_to_user", sa.BigInteger, nullable=True),  # its writer
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("moment_comments_by_post", "moment_comments", ["post_id", "id"])
    op.create_index("moment_comments_by_replied", "moment_comments", ["reply_to_user", "id"])
    op.create_table(
        "moment_settings",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("album_days", sa.Integer, nullable=True),  # None: all
        sa.Column("cover", sa.Text, nullable=True),  # a media id
        sa.Column("notices_read", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(  # the two per-contact switches, as `user_id` set them about `other_id`
        "moment_switches",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("other_id", sa.BigInteger, primary_key=True),
        sa.Column("hide_mine", sa.Boolean, nullable=False),  # don't let them see my Moments
        sa.Column("hide_theirs", sa.Boolean, nullable=False),  # hide their Moments
    )


def downgrade() -> None:
    for table in (
        "moment_switches",
        "moment_settings",
        "moment_comments",
        "moment_likes",
        "moment_media",
        "moment_audience",
        "moment_posts",
        "contact_tag_members",
        "contact_tags",
    ):
        op.drop_table(table)
