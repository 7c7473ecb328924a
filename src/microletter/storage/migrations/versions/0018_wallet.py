"""The wallet (a double-entry ledger, idempotency keys, payment passwords and tokens,
transfers in chats) and the durable scheduler's jobs.

Postings are append-only: triggers refuse UPDATE and DELETE of `wallet_postings` and
`wallet_transactions` on both databases (a correction is a reversing transaction).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("wallet_postings", "wallet_transactions")


def upgrade() -> None:
    op.create_table(  # one row per account: a user's wallet or a system account
        "wallet_accounts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.Text, nullable=False),  # user, funding, escrow, settlement, ...
        sa.Column("owner_id", sa.BigInteger, nullable=False),  # 0 for the system's own
        # the sum of the account's postings, kept with them in every transaction: the
        # guarded UPDATE on it is where "no balance below zero" is decided
        sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("may_go_negative", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("kind", "owner_id", name="wallet_accounts_once"),
    )
    op.create_table(
        "wallet_transactions",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.Text, nullable=False),  # credit, debit, transfer.send, ...
        sa.Column("actor_id", sa.BigInteger, nullable=True),  # None: the server itself
        sa.Column("memo", sa.Text, nullable=False, server_default=""),
        sa.Column("ref", sa.Text, nullable=True),  # e.g. transfer:<id>
        sa.Column("reverses", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("wallet_transactions_by_ref", "wallet_transactions", ["ref"])
    op.create_table(
        "wallet_postings",
        sa.Column("transaction_id", sa.BigInteger, primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),  # signed minor units
        sa.Column("balance_after", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "wallet_postings_by_account", "wallet_postings", ["account_id", "transaction_id"]
    )
    op.create_table(  # a money-moving request's key, per user; its first result
        "wallet_idempotency",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("wallet_idempotency_by_age", "wallet_idempotency", ["created_at"])
    op.create_table(
        "wallet_pay_passwords",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "wallet_pay_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )
    op.create_index("wallet_pay_tokens_by_age", "wallet_pay_tokens", ["expires_at"])
    op.create_table(
        "wallet_transfers",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),  # its card's message
        sa.Column("sender_id", sa.BigInteger, nullable=False),
        sa.Column("recipient_id", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False),  # pending accepted returned refunded
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("settled_at", sa.BigInteger, nullable=True),
        sa.Column("send_tx", sa.BigInteger, nullable=False),
        sa.Column("settle_tx", sa.BigInteger, nullable=True),
    )
    op.create_table(  # the built-in provider's top-ups and withdrawals (operator-approved)
        "wallet_funding_requests",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),  # topup, withdrawal
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Text, nullable=False),  # pending, approved, rejected
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("decided_at", sa.BigInteger, nullable=True),
        sa.Column("decided_by", sa.BigInteger, nullable=True),
        sa.Column("transaction_id", sa.BigInteger, nullable=True),
    )
    op.create_index("wallet_funding_by_status", "wallet_funding_requests", ["status", "id"])
    op.create_table(  # the durable scheduler (storage/jobs.py): for every room
        "jobs",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False, unique=True),  # one job per key
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("due_at", sa.BigInteger, nullable=False),
        sa.Column("claimed_by", sa.Text, nullable=True),
        sa.Column("claimed_until", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done_at", sa.BigInteger, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("jobs_due", "jobs", ["done_at", "due_at"])
    _append_only()


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION wallet_append_only() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'the ledger is append-only: % on %',"
            " TG_OP, TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION wallet_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}"
                    " BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION wallet_append_only()")
    for table in (
        "jobs",
        "wallet_funding_requests",
        "wallet_transfers",
        "wallet_pay_tokens",
        "wallet_pay_passwords",
        "wallet_idempotency",
        "wallet_postings",
        "wallet_transactions",
        "wallet_accounts",
    ):
        op.drop_table(table)
