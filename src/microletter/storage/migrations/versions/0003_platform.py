"""Open platform: official accounts, followers, broadcast channels, QR codes, media,
templates and OAuth codes.

An official account is also a row of `users` (its `id`), so it can be a member of
conversations and send messages; its username is its original id (gh_...).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "oa_accounts",
        sa.Column("id", Id, primary_key=True, autoincrement=False),  # = users.id
        sa.Column("owner_id", Big, nullable=False, index=True),
        sa.Column("appid", sa.Text, nullable=False, unique=True),
        sa.Column("original_id", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("avatar", sa.Text),
        sa.Column("secret_hash", sa.LargeBinary, nullable=False),  # SHA-256 of the AppSecret
        sa.Column("secret_gen", sa.Integer, nullable=False, server_default="1"),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("encoding_aes_key", sa.Text, nullable=False),
        sa.Column("webhook_url", sa.Text),  # NULL: no pushes
        sa.Column("mode", sa.Text, nullable=False, server_default="plaintext"),
        sa.Column("webhook_verified_at", Big),
        sa.Column("menu", sa.Text),  # JSON list of buttons, or NULL
        # The last broadcast seq of the account's channel (dense from 1).
        sa.Column("channel_head", Big, nullable=False, server_default="0"),
        sa.Column("follower_count", Big, nullable=False, server_default="0"),
        # The account's own update-log position up to which the webhook was served.
        sa.Column("push_cursor", Big, nullable=False, server_default="0"),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(
        "oa_followers",
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("user_id", Big, primary_key=True),
        sa.Column("openid", sa.Text, nullable=False, unique=True),
        sa.Column("following", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("followed_at", Big),
        sa.Column("unfollowed_at", Big),
        sa.Column("scene", sa.Text, nullable=False, server_default=""),
        sa.Column("qr_scene", Big, nullable=False, server_default="0"),
        sa.Column("qr_scene_str", sa.Text, nullable=False, server_default=""),
        sa.Column("remark", sa.Text, nullable=False, server_default=""),
        sa.Column("last_active_at", Big),
        sa.Column("channel_joined_seq", Big, nullable=False, server_default="0"),
        sa.Column("channel_read_seq", Big, nullable=False, server_default="0"),
        sqlite_with_rowid=False,
    )
    op.create_index("oa_followers_by_user", "oa_followers", ["user_id", "account_id"])
    op.create_index("oa_followers_paged", "oa_followers", ["account_id", "following", "openid"])
    op.create_table(
        "oa_channel_posts",
        sa.Column("channel_id", Big, primary_key=True),
        sa.Column("seq", Big, primary_key=True),
        sa.Column("id", Big, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("data", sa.Text),  # JSON object, or NULL
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "oa_qrcodes",
        sa.Column("ticket", sa.Text, primary_key=True),
        sa.Column("account_id", Big, nullable=False, index=True),
        sa.Column("scene_id", Big),
        sa.Column("scene_str", sa.Text),
        sa.Column("permanent", sa.Boolean, nullable=False),
        sa.Column("expires_at", Big),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(
        "oa_media",
        sa.Column("media_id", sa.Text, primary_key=True),
        sa.Column("account_id", Big, nullable=False, index=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("mime", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("size", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("expires_at", Big),  # NULL: kept (a message uses it)
    )
    op.create_table(
        "oa_templates",
        sa.Column("template_id", sa.Text, primary_key=True),
        sa.Column("account_id", Big, nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_table(
        "oa_oauth_codes",
        sa.Column("code_hash", sa.LargeBinary, primary_key=True),
        sa.Column("account_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("expires_at", Big, nullable=False),
        sa.Column("used_at", Big),
    )


def downgrade() -> None:
    for table in (
        "oa_oauth_codes",
        "oa_templates",
        "oa_media",
        "oa_qrcodes",
        "oa_channel_posts",
        "oa_followers",
        "oa_accounts",
    ):
        op.drop_table(table)
