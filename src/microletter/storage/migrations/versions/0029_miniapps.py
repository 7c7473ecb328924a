"""Mini apps (src/microletter/miniapps/): the H5 apps official accounts register (a name,
an icon, an entry URL and the JS-safe domains their pages may be served from), the
short-lived login codes of wx.login() and the session keys /sns/jscode2session hands
out, and the share tickets that let an app learn the opaque id of the group a card was
opened in.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "miniapps",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("account_id", Big, nullable=False),  # the official account it belongs to
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("icon", sa.Text, nullable=False, server_default=""),
        sa.Column("entry_url", sa.Text, nullable=False),
        sa.Column("domains", sa.Text, nullable=False),  # JSON list of host[:port]
        sa.Column("created_at", Big, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
    )
    op.create_index("miniapps_by_account", "miniapps", ["account_id", "id"])
    op.create_table(  # wx.login(): single use, minutes long; only a hash is kept
        "miniapp_codes",
        sa.Column("code_hash", sa.Text, primary_key=True),
        sa.Column("app_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("expires_at", Big, nullable=False),
        sa.Column("used_at", Big, nullable=True),
    )
    op.create_index("miniapp_codes_by_expiry", "miniapp_codes", ["expires_at"])
    op.create_table(  # the session key of the last code exchanged, per (app, person)
        "miniapp_sessions",
        sa.Column("app_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("session_key", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("app_id", "user_id"),
    )
    op.create_table(  # a card opened in a conversation: names the conversation to its app
        "miniapp_share_tickets",
        sa.Column("ticket", sa.Text, primary_key=True),
        sa.Column("app_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("conversation_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("expires_at", Big, nullable=False),
    )
    op.create_table(  # uploadImage: a picture its app's account may fetch for 3 days
        "miniapp_uploads",
        sa.Column("account_id", Big, nullable=False),
        sa.Column("media_id", sa.Text, nullable=False),
        sa.Column("app_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "media_id"),
    )
    op.create_index("miniapp_uploads_by_media", "miniapp_uploads", ["media_id"])


def downgrade() -> None:
    op.drop_index("miniapp_uploads_by_media", "miniapp_uploads")
    op.drop_table("miniapp_uploads")
    op.drop_table("miniapp_share_tickets")
    op.drop_table("miniapp_sessions")
    op.drop_index("miniapp_codes_by_expiry", "miniapp_codes")
    op.drop_table("miniapp_codes")
    op.drop_index("miniapps_by_account", "miniapps")
    op.drop_table("miniapps")
