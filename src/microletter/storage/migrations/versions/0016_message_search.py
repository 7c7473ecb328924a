"""Full-text search of message history (the search room, src/microletter/search/): an index
of tokens the server makes itself (CJK bigrams and characters, words), each under its
conversation's bucket. Filled when a message is posted, emptied of a message when it is
recalled, rebuilt from `messages` at start when `meta.search_version` is not the
tokeniser's (after this migration on a database with messages, and after an import).

SQLite: an FTS5 table without content (the tokens are kept in its index only; the rowid is
the message id), and the queue of messages not yet indexed (`search_pending`).
PostgreSQL: a tsvector per message (id, conversation, seq) under a GIN index.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The message's place beside its tokens: a search filters its hits by membership
        # before it reads any message. A small pending list: GIN batches new entries there
        # (cheap sends) but every search reads it whole.
        op.execute(
            "CREATE TABLE message_search (id BIGINT PRIMARY KEY, conversation_id BIGINT NOT NULL,"
            " seq BIGINT NOT NULL, doc TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX message_search_doc ON message_search USING gin (doc)"
            " WITH (gin_pending_list_limit = 512)"
        )
    else:
        # 'ascii': our tokens are separated by spaces and hold no other ASCII punctuation,
        # and every non-ASCII character is part of a token, as we made it.
        op.execute(
            "CREATE VIRTUAL TABLE message_search USING fts5("
            "doc, content='', columnsize=0, tokenize='ascii')"
        )
        # Messages sent but not indexed yet (search/store/index.py: FTS5 is written in
        # batches, not in every send's transaction).
        op.execute("CREATE TABLE search_pending (id INTEGER PRIMARY KEY)")
    op.execute("DELETE FROM meta WHERE key='search_version'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_pending")
    op.execute("DROP TABLE message_search")
    op.execute("DELETE FROM meta WHERE key='search_version'")
