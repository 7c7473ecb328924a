"""SQLite: users, devices and profiles. Write functions take a WriteTx, reads a connection."""

from __future__ import annotations

import sqlite3

from microletter.core.errors import DeviceNotFound, UsernameTaken, UserNotFound
from microletter.core.events import Event, Outcome, ProfileUpdated
from microletter.core.ids import DeviceId, UserId
from microletter.core.models import Device, Instant, User
from microletter.core.moderation import check_may_log_in
from microletter.storage.rows import suspension_of
from microletter.storage.sqlite.rows import USER_COLS, user_of
from microletter.storage.sqlite.writetx import WriteTx


def create_user(
    tx: WriteTx, username: str, password_hash: str, display_name: str, locale: str, now: Instant
) -> User:
    user = User(UserId(tx.new_id(now)), username, display_name, locale, None, now)
    try:
        tx.conn.execute(
            "INSERT INTO users (id, username, password_hash, display_name, locale, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (user.id, username, password_hash, display_name, locale, now),
        )
    except sqlite3.IntegrityError:
        raise UsernameTaken(username=username) from None
    return user


def create_device(
    tx: WriteTx, user_id: UserId, name: str, token_hash: bytes, now: Instant
) -> Device:
    # Read in this transaction, never from a cache: one writer, so no suspension can
    # commit between this check and the insert.
    row = tx.conn.execute(
        "SELECT suspended_at, suspended_reason FROM users WHERE id=?", (user_id,)
    ).fetchone()
    if row is None:
        raise UserNotFound(user_id=user_id)
    check_may_log_in(suspension_of(row))
    device = Device(DeviceId(tx.new_id(now)), user_id, name, now, now)
    tx.conn.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)"
        " VALUES (?,?,?,?,?,?)",
        (device.id, user_id, name, token_hash, now, now),
    )
    return device


def revoke_device(tx: WriteTx, user_id: UserId, device_id: DeviceId) -> None:
    cur = tx.conn.execute("DELETE FROM devices WHERE id=? AND user_id=?", (device_id, user_id))
    if cur.rowcount == 0:
        raise DeviceNotFound(device_id=device_id)


def touch_device(tx: WriteTx, device_id: DeviceId, now: Instant) -> None:
    tx.conn.execute("UPDATE devices SET last_seen_at=? WHERE id=?", (now, device_id))


def update_profile(
    tx: WriteTx,
    user_id: UserId,
    display_name: str | None,
    locale: str | None,
    avatar: str | None,
    now: Instant,
) -> Outcome[User]:
    row = tx.conn.execute(
        f"UPDATE users SET display_name=coalesce(?, display_name), locale=coalesce(?, locale),"
        f" avatar=coalesce(?, avatar) WHERE id=? RETURNING {USER_COLS.replace('u.', '')}",
        (display_name, locale, avatar, user_id),
    ).fetchone()
    if row is None:
        raise UserNotFound(user_id=user_id)
    user = user_of(row)
    event: Event = ProfileUpdated(user)
    peers = [
        UserId(r[0])
        for r in tx.conn.execute("SELECT peer_id FROM contacts WHERE user_id=?", (user_id,))
    ]
    entries = tx.append([(uid, event) for uid in (user_id, *peers)], now)
    return Outcome(user, tuple(entries))


# --- reads ---


def credentials(conn: sqlite3.Connection, username: str) -> tuple[User, str] | None:
    row = conn.execute(
        f"SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username=?", (username,)
    ).fetchone()
    return None if row is None else (user_of(row), row[6])


def device_for_token(conn: sqlite3.Connection, token_hash: bytes) -> tuple[UserId, DeviceId] | None:
    row = conn.execute(
        "SELECT user_id, id FROM devices WHERE token_hash=?", (token_hash,)
    ).fetchone()
    return None if row is None else (UserId(row[0]), DeviceId(row[1]))


def devices(conn: sqlite3.Connection, user_id: UserId) -> list[Device]:
    rows = conn.execute(
        "SELECT id, user_id, name, created_at, last_seen_at FROM devices WHERE user_id=?"
        " ORDER BY id",
        (user_id,),
    ).fetchall()
    return [Device(DeviceId(r[0]), UserId(r[1]), r[2], Instant(r[3]), Instant(r[4])) for r in rows]


def user(conn: sqlite3.Connection, user_id: UserId) -> User:
    row = conn.execute(f"SELECT {USER_COLS} FROM users u WHERE u.id=?", (user_id,)).fetchone()
    if row is None:
        raise UserNotFound(user_id=user_id)
    return user_of(row)


def user_by_name(conn: sqlite3.Connection, username: str) -> User | None:
    row = conn.execute(
        f"SELECT {USER_COLS} FROM users u WHERE u.username=?", (username,)
    ).fetchone()
    return None if row is None else user_of(row)
