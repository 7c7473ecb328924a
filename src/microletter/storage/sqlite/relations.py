"""SQLite: the relation between two users (contacts, blocks, pending requests)."""

from __future__ import annotations

import sqlite3

from microletter.core.contacts import Relation
from microletter.core.ids import UserId


def relation(conn: sqlite3.Connection, me: UserId, them: UserId) -> Relation:
    row = conn.execute(
        "SELECT"
        " EXISTS(SELECT 1 FROM contacts WHERE user_id=? AND peer_id=?),"
        " EXISTS(SELECT 1 FROM blocks WHERE user_id=? AND blocked_id=?),"
        " EXISTS(SELECT 1 FROM blocks WHERE user_id=? AND blocked_id=?),"
        " EXISTS(SELECT 1 FROM contact_requests WHERE from_id=? AND to_id=? AND status='pending'),"
        " EXISTS(SELECT 1 FROM contact_requests WHERE from_id=? AND to_id=? AND status='pending')",
        (me, them, me, them, them, me, me, them, them, me),
    ).fetchone()
    return Relation(me, them, *(bool(x) for x in row))
