"""OAuth is bound to the account's registered domains (issue 11): each official account keeps
its web-authorization domains (`oa_accounts.oauth_domains`, a JSON list of host names; none
after the upgrade, so an existing account's OAuth is refused until its developer registers
one), and each authorization code the redirect_uri it was sent to
(`oa_oauth_codes.redirect_uri`). Codes issued before were bound to no redirect_uri: they are
dropped (they lived 5 minutes anyway).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "oa_accounts",
        sa.Column("oauth_domains", sa.Text, nullable=False, server_default="[]"),
    )
    op.execute("DELETE FROM oa_oauth_codes")
    op.add_column(
        "oa_oauth_codes",
        sa.Column("redirect_uri", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("oa_oauth_codes") as batch:  # SQLite rebuilds the table
        batch.drop_column("redirect_uri")
    with op.batch_alter_table("oa_accounts") as batch:
        batch.drop_column("oauth_domains")
