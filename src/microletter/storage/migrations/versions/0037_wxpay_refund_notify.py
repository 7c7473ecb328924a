"""Refund notifications of the merchant API (wxpay): a refund keeps the notify_url its
request named, and when the merchant acknowledged the notification (or why it gave up).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("wxpay_refunds", sa.Column("notify_url", sa.Text, nullable=True))
    op.add_column("wxpay_refunds", sa.Column("notified_at", sa.BigInteger, nullable=True))
    op.add_column("wxpay_refunds", sa.Column("notify_error", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wxpay_refunds") as batch:
        batch.drop_column("notify_error")
        batch.drop_column("notified_at")
        batch.drop_column("notify_url")
