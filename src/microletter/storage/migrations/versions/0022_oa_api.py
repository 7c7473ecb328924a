"""The rest of the Official Account API: follower tags, permanent material, targeted
mass-send jobs, conditional menus, customer-service (kf) accounts, auto-reply settings
and JS-SDK tickets.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "oa_tags",  # an account's labels for its followers (not a person's contact tags)
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # from 100
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.UniqueConstraint("account_id", "name", name="oa_tags_name"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "oa_follower_tags",
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("tag_id", sa.Integer, primary_key=True),
        sa.Column("user_id", Big, primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index("oa_follower_tags_by_user", "oa_follower_tags", ["account_id", "user_id"])
    op.create_table(
        "oa_materials",  # permanent material: files name a blob, news keep their articles
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("media_id", sa.Text, primary_key=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("blob_id", sa.Text),  # the media room's blob (NULL for news)
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("introduction", sa.Text, nullable=False, server_default=""),
        sa.Column("articles", sa.Text),  # JSON list (news only)
        sa.Column("created_at", Big, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("oa_materials_listed", "oa_materials", ["account_id", "type", "updated_at"])
    op.create_index("oa_materials_blob", "oa_materials", ["blob_id"])
    op.create_table(
        "oa_mass_jobs",  # targeted mass sends (by tag, to a list, previews)
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("msg_id", Big, primary_key=True),
        sa.Column("target", sa.Text, nullable=False),  # tag | list | preview
        sa.Column("tag_id", sa.Integer),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "oa_conditional_menus",
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("menu_id", Big, primary_key=True),
        sa.Column("menu", sa.Text, nullable=False),  # JSON list of buttons
        sa.Column("matchrule", sa.Text, nullable=False),  # JSON object
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "oa_kf_accounts",
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("kf_account", sa.Text, primary_key=True),  # name@account
        sa.Column("kf_id", sa.Integer, nullable=False),
        sa.Column("nickname", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "oa_autoreplies",
        sa.Column("account_id", Big, primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),  # JSON (rules/autoreply.py)
        sa.Column("updated_at", Big, nullable=False),
    )
    op.create_table(
        "oa_tickets",  # JS-SDK tickets (jsapi, wx_card), valid until expires_at
        sa.Column("ticket", sa.Text, primary_key=True),
        sa.Column("account_id", Big, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("expires_at", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
    )
    op.create_index("oa_tickets_live", "oa_tickets", ["account_id", "type", "expires_at"])


def downgrade() -> None:
    for table in (
        "oa_tickets",
        "oa_autoreplies",
        "oa_kf_accounts",
        "oa_conditional_menus",
        "oa_mass_jobs",
        "oa_materials",
        "oa_follower_tags",
        "oa_tags",
    ):
        op.drop_table(table)
