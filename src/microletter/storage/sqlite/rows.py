"""SQLite: row helpers on top of the shared column lists and readers in storage.rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from microletter.core.ids import UserId
from microletter.core.models import User
from microletter.storage.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    MESSAGE_COLS,
    USER_COLS,
    Row,
    conversation_of,
    member_of,
    message_of,
    to_json,
    user_of,
)

__all__ = [
    "CONVERSATION_COLS",
    "MEMBER_COLS",
    "MESSAGE_COLS",
    "USER_COLS",
    "Row",
    "conversation_of",
    "fetch_users",
    "member_of",
    "message_of",
    "placeholders",
    "to_json",
    "user_of",
]


def placeholders(n: int) -> str:
    return ",".join("?" * n)


def fetch_users(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[UserId, User]:
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT {USER_COLS} FROM users u WHERE u.id IN ({placeholders(len(ids))})", list(ids)
    ).fetchall()
    return {UserId(r[0]): user_of(r) for r in rows}
