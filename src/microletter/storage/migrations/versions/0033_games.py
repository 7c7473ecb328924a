"""Games (src/microletter/miniapps/, docs/miniapps.md "Games"): each player's key/value
records per game (WeChat's user cloud storage), the scores of records that hold one, per
key and period ("all", or an ISO week) for the friend and group rankings, the "beaten"
notices sent (at most one per friend, game and week), and the games a person muted.
The OpenID a session key was given for is kept with it, so /wxa/set_user_storage finds
the player.

Revision ID: 0033
Revises: 0030
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.add_column("miniapp_sessions", sa.Column("openid", sa.Text, nullable=True))
    op.create_index("miniapp_sessions_by_openid", "miniapp_sessions", ["openid"])
    op.create_table(  # a player's records in a game: at most 128, key+value <= 1024 bytes
        "game_records",
        sa.Column("app_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("app_id", "user_id", "key"),
        sqlite_with_rowid=False,
    )
    op.create_table(  # a record's score, per period: "all" (as stored) or "2026-W49" (best)
        "game_scores",
        sa.Column("app_id", Big, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("user_id", Big, nullable=False),
        sa.Column("score", Big, nullable=False),
        sa.Column("updated_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("app_id", "key", "period", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(  # "beaten" notices sent: one per (game, key, week, friend, passer)
        "game_notices",
        sa.Column("app_id", Big, nullable=False),
        sa.Column("user_id", Big, nullable=False),  # who was passed
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("from_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("app_id", "user_id", "period", "key", "from_id"),
    )
    op.create_index("game_notices_by_day", "game_notices", ["app_id", "user_id", "created_at"])
    op.create_table(  # a person who turned a game's notices off
        "game_mutes",
        sa.Column("user_id", Big, nullable=False),
        sa.Column("app_id", Big, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "app_id"),
    )


def downgrade() -> None:
    op.drop_table("game_mutes")
    op.drop_index("game_notices_by_day", "game_notices")
    op.drop_table("game_notices")
    op.drop_table("game_scores")
    op.drop_table("game_records")
    op.drop_index("miniapp_sessions_by_openid", "miniapp_sessions")
    with op.batch_alter_table("miniapp_sessions") as batch:  # SQLite rebuilds the table
        batch.drop_column("openid")
