"""Notes addressed to some members of a conversation (`notes`, one row per recipient),
and red packets (`red_packets`, their shares decided at sending in `red_packet_shares`).

An open first inserts its (packet, opener) row into `red_packet_opens` (a second open of
the same member waits for the first and finds it), then claims the first untaken share
with one UPDATE (FOR UPDATE SKIP LOCKED on PostgreSQL: concurrent opens take different
shares, and each share has its own escrow account, so they share no row at all).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(  # a note to some members: a row for each of them (their history)
        "notes",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("conversation_id", sa.BigInteger, primary_key=True),
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        # where it sits in the conversation: after the message of this seq (it takes no
        # seq of its own, so nobody else's unread count or history changes)
        sa.Column("after_seq", sa.BigInteger, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),  # JSON list of user ids
        sa.Column("data", sa.Text, nullable=False),  # JSON {action, ...}
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("notes_by_place", "notes", ["user_id", "conversation_id", "after_seq"])
    op.create_table(
        "red_packets",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),  # its card's message
        sa.Column("sender_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # normal, lucky, exclusive
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("shares", sa.Integer, nullable=False),
        sa.Column("greeting", sa.Text, nullable=False, server_default=""),
        sa.Column("recipient_id", sa.BigInteger, nullable=True),  # exclusive: the one member
        sa.Column("status", sa.Text, nullable=False),  # open; at expiry finished or refunded
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.BigInteger, nullable=True),
        sa.Column("refunded", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("send_tx", sa.BigInteger, nullable=False),
        sa.Column("refund_tx", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "red_packet_shares",
        sa.Column("packet_id", sa.BigInteger, primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        # the share's own escrow account: opens of one packet touch no common row
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("opener_id", sa.BigInteger, nullable=True),
        sa.Column("opened_at", sa.BigInteger, nullable=True),
        sa.Column("refunded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("announced", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index(  # the untaken shares: an open finds the next one without a scan
        "red_packet_untaken",
        "red_packet_shares",
        ["packet_id", "idx"],
        postgresql_where=sa.text("opener_id IS NULL AND NOT refunded"),
        sqlite_where=sa.text("opener_id IS NULL AND NOT refunded"),
    )
    op.create_table(  # who opened: the first write of an open, so one member opens once
        "red_packet_opens",
        sa.Column("packet_id", sa.BigInteger, primary_key=True),
        sa.Column("opener_id", sa.BigInteger, primary_key=True),
        sa.Column("opened_at", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "red_packet_opened_once",
        "red_packet_shares",
        ["packet_id", "opener_id"],
        unique=True,
        postgresql_where=sa.text("opener_id IS NOT NULL"),
        sqlite_where=sa.text("opener_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("red_packet_untaken", "red_packet_shares")
    op.drop_index("red_packet_opened_once", "red_packet_shares")
    op.drop_table("red_packet_opens")
    op.drop_table("red_packet_shares")
    op.drop_table("red_packets")
    op.drop_index("notes_by_place", "notes")
    op.drop_table("notes")
