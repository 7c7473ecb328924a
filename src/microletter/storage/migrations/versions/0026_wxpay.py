"""The WeChat Pay–compatible merchant API (src/microletter/wxpay/): merchants (an official
account's mch_id and API key), their orders and refunds, and the nonces of signed
requests seen lately (a replayed request is refused). The money itself moves in the
wallet's ledger (payer → the merchant's settlement account, and back for a refund).

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Big = sa.BigInteger


def upgrade() -> None:
    op.create_table(  # one per official account that takes payments
        "wxpay_merchants",
        sa.Column("account_id", Big, primary_key=True, autoincrement=False),
        sa.Column("mch_id", sa.Text, nullable=False, unique=True),
        # the API key signs both ways (MD5 / HMAC-SHA256), so it is kept, not hashed
        sa.Column("api_key", sa.Text, nullable=False),
        sa.Column("created_at", Big, nullable=False),
        sa.Column("key_set_at", Big, nullable=False),
    )
    op.create_table(
        "wxpay_orders",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("account_id", Big, nullable=False),
        sa.Column("out_trade_no", sa.Text, nullable=False),
        sa.Column("trade_type", sa.Text, nullable=False),  # JSAPI, NATIVE
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("attach", sa.Text, nullable=False, server_default=""),
        sa.Column("total_fee", Big, nullable=False),
        sa.Column("fee_type", sa.Text, nullable=False),
        sa.Column("notify_url", sa.Text, nullable=False),
        sa.Column("openid", sa.Text, nullable=True),  # JSAPI: who must pay
        sa.Column("product_id", sa.Text, nullable=False, server_default=""),
        sa.Column("device_info", sa.Text, nullable=False, server_default=""),
        sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
        sa.Column("sign_type", sa.Text, nullable=False),  # MD5, HMAC-SHA256
        sa.Column("request_hash", sa.Text, nullable=False),  # a repeat vs a reuse
        sa.Column("prepay_id", sa.Text, nullable=False, unique=True),
        sa.Column("code", sa.Text, nullable=True, unique=True),  # NATIVE: its code_url's
        sa.Column("state", sa.Text, nullable=False),  # NOTPAY SUCCESS REFUND CLOSED
        sa.Column("created_at", Big, nullable=False),
        sa.Column("expires_at", Big, nullable=False),
        sa.Column("payer_id", Big, nullable=True),
        sa.Column("paid_at", Big, nullable=True),
        sa.Column("pay_tx", Big, nullable=True),  # the ledger's transaction
        sa.Column("closed_at", Big, nullable=True),
        sa.Column("refunded_fee", Big, nullable=False, server_default="0"),
        sa.Column("notified_at", Big, nullable=True),  # the merchant acknowledged
        sa.Column("notify_error", sa.Text, nullable=True),  # the last failure, if any
        sa.UniqueConstraint("account_id", "out_trade_no", name="wxpay_orders_once"),
    )
    op.create_index("wxpay_orders_by_account", "wxpay_orders", ["account_id", "id"])
    op.create_table(
        "wxpay_refunds",
        sa.Column("id", Big, primary_key=True, autoincrement=False),
        sa.Column("order_id", Big, nullable=False),
        sa.Column("account_id", Big, nullable=False),
        sa.Column("out_refund_no", sa.Text, nullable=False),
        sa.Column("refund_fee", Big, nullable=False),
        sa.Column("refund_desc", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False),  # SUCCESS
        sa.Column("created_at", Big, nullable=False),
        sa.Column("refund_tx", Big, nullable=False),
        sa.UniqueConstraint("account_id", "out_refund_no", name="wxpay_refunds_once"),
    )
    op.create_index("wxpay_refunds_by_order", "wxpay_refunds", ["order_id", "id"])
    op.create_table(  # nonce_str of signed requests, kept a while: a replay is refused
        "wxpay_nonces",
        sa.Column("account_id", Big, primary_key=True, autoincrement=False),
        sa.Column("nonce", sa.Text, primary_key=True),
        sa.Column("seen_at", Big, nullable=False),
    )
    op.create_index("wxpay_nonces_by_age", "wxpay_nonces", ["seen_at"])


def downgrade() -> None:
    for table in ("wxpay_nonces", "wxpay_refunds", "wxpay_orders", "wxpay_merchants"):
        op.drop_table(table)
