"""The messaging core: users, devices, contacts, conversations, messages and the update log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# On SQLite an INTEGER PRIMARY KEY is the rowid itself (no second index); elsewhere BIGINT.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True, autoincrement=False),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("avatar", sa.Text),
        sa.Column("created_at", Big, nullable=False),
        # The head of this user's update log: the last seq handed out (dense from 1).
        sa.Column("log_seq", Big, nullable=False, server_default="0"),
    )
    op.create_table(
        "devices",
        sa.Column("id", Id, primary_key=True, autoincrement=False),
        sa.Column("user_id", Big, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("last_seen_at", Big, nullable=False),
    )
    op.create_table(
        "contact_requests",
        sa.Column("id", Id, primary_key=True, autoincrement=False),
        sa.Column("from_id", Big, nullable=False),
        sa.Column("to_id", Big, nullable=False, index=True),
        sa.Column("greeting", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.UniqueConstraint("from_id", "to_id"),
    )
    op.create_table(
        "contacts",
        sa.Column("user_id", Big, primary_key=True),
        sa.Column("peer_id", Big, primary_key=True),
        sa.Column("remark", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "blocks",
        sa.Column("user_id", Big, primary_key=True),
        sa.Column("blocked_id", Big, primary_key=True),
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "conversations",
        sa.Column("id", Id, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("announcement", sa.Text, nullable=False, server_default=""),
        sa.Column("owner_id", Big),
        # The last message seq handed out in this conversation (dense from 1).
        sa.Column("last_seq", Big, nullable=False, server_default="0"),
        sa.Column("member_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", Big, nullable=False),
        # "low:high" user ids for the one direct conversation of a pair; NULL for groups.
        sa.Column("direct_key", sa.Text, unique=True),
    )
    op.create_table(
        "members",
        sa.Column("conversation_id", Big, primary_key=True),
        sa.Column("user_id", Big, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("joined_seq", Big, nullable=False),
        sa.Column("last_read_seq", Big, nullable=False),
        sa.Column("muted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("joined_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("members_by_user", "members", ["user_id", "conversation_id"])
    op.create_table(
        "messages",
        sa.Column("conversation_id", Big, primary_key=True),
        sa.Column("seq", Big, primary_key=True),
        sa.Column("id", Big, nullable=False, unique=True),
        sa.Column("sender_id", Big, nullable=False),
        sa.Column("client_msg_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("reply_to", Big),
        sa.Column("mentions", sa.Text),  # JSON array of user ids, or NULL
        sa.Column("mention_all", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("data", sa.Text),  # JSON object for system notes (and media later), or NULL
        sa.Column("created_at", Big, nullable=False),
        sa.Column("recalled_at", Big),
        sa.UniqueConstraint("conversation_id", "sender_id", "client_msg_id", name="messages_once"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "user_log",
        sa.Column("user_id", Big, primary_key=True),
        sa.Column("seq", Big, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("conversation_id", Big),
        sa.Column("ref_seq", Big),  # the message seq, for message events
        sa.Column("payload", sa.Text),  # JSON of the event, for every kind but message
        sa.Column("created_at", Big, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for table in (
        "user_log",
        "messages",
        "members",
        "conversations",
        "blocks",
        "contacts",
        "contact_requests",
        "devices",
        "users",
        "meta",
    ):
        op.drop_table(table)
