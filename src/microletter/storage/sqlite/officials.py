"""SQLite: official accounts (create, edit, credentials, webhook, menu) and their reads.

An account is a `users` row (so it can be a conversation member and a sender) plus an
`oa_accounts` row. Owner-only writes check the owner inside the transaction.
"""

from __future__ import annotations

import sqlite3

from microletter.core.errors import AccountNotFound, NotAccountOwner, UsernameTaken
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.core.officials import (
    Credentials,
    MessageMode,
    OfficialAccount,
    check_account_quota,
    hash_secret,
    search_pattern,
)
from microletter.storage.platform_rows import ACCOUNT_COLS, NO_LOGIN, account_of
from microletter.storage.sqlite.rows import to_json
from microletter.storage.sqlite.writetx import WriteTx


def load_account(conn: sqlite3.Connection, account_id: UserId) -> OfficialAccount:
    row = conn.execute(f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE a.id=?", (account_id,))
    found = row.fetchone()
    if found is None:
        raise AccountNotFound(account_id=account_id)
    return account_of(found)


def owned(conn: sqlite3.Connection, owner: UserId, account_id: UserId) -> OfficialAccount:
    """The developer console's access funnel: the account exists and `owner` owns it."""
    account = load_account(conn, account_id)
    if account.owner_id != owner:
        raise NotAccountOwner(account_id=account_id)
    return account


# --- writes ---


def create_account(
    tx: WriteTx,
    owner: UserId,
    creds: Credentials,
    name: str,
    description: str,
    avatar: str | None,
    max_per_owner: int,
    now: Instant,
) -> OfficialAccount:
    (count,) = tx.conn.execute(
        "SELECT count(*) FROM oa_accounts WHERE owner_id=?", (owner,)
    ).fetchone()
    check_account_quota(count, max_per_owner)
    if tx.conn.execute("SELECT 1 FROM users WHERE id=?", (owner,)).fetchone() is None:
        raise AccountNotFound("The developer has no account.", user_id=owner)
    account_id = UserId(tx.new_id(now))
    try:
        tx.conn.execute(
            "INSERT INTO users (id, username, password_hash, display_name, locale, avatar,"
            " created_at) VALUES (?,?,?,?,?,?,?)",
            (account_id, creds.original_id, NO_LOGIN, name, "en", avatar, now),
        )
        tx.conn.execute(
            "INSERT INTO oa_accounts (id, owner_id, appid, original_id, name, description,"
            " avatar, secret_hash, secret_gen, token, encoding_aes_key, mode, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,1,?,?,?,?)",
            (
                account_id,
                owner,
                creds.appid,
                creds.original_id,
                name,
                description,
                avatar,
                hash_secret(creds.appsecret),
                creds.token,
                creds.encoding_aes_key,
                MessageMode.PLAINTEXT,
                now,
            ),
        )
    except sqlite3.IntegrityError:  # a random id collided: vanishingly rare; ask again
        raise UsernameTaken("Generated ids collided; try again.") from None
    return load_account(tx.conn, account_id)


def update_account(
    tx: WriteTx,
    owner: UserId,
    account_id: UserId,
    name: str | None,
    description: str | None,
    avatar: str | None,
) -> OfficialAccount:
    owned(tx.conn, owner, account_id)
    tx.conn.execute(
        "UPDATE oa_accounts SET name=coalesce(?, name), description=coalesce(?, description),"
        " avatar=coalesce(?, avatar) WHERE id=?",
        (name, description, avatar, account_id),
    )
    tx.conn.execute(
        "UPDATE users SET display_name=coalesce(?, display_name), avatar=coalesce(?, avatar)"
        " WHERE id=?",
        (name, avatar, account_id),
    )
    return load_account(tx.conn, account_id)


def reset_secret(
    tx: WriteTx, owner: UserId, account_id: UserId, secret_hash: bytes
) -> OfficialAccount:
    owned(tx.conn, owner, account_id)
    tx.conn.execute(
        "UPDATE oa_accounts SET secret_hash=?, secret_gen=secret_gen+1 WHERE id=?",
        (secret_hash, account_id),
    )
    return load_account(tx.conn, account_id)


def set_webhook(
    tx: WriteTx,
    owner: UserId,
    account_id: UserId,
    url: str | None,
    token: str,
    aes_key: str,
    mode: MessageMode,
    verified_at: Instant | None,
) -> OfficialAccount:
    """Save the webhook; pushes start with what happens from now on (the cursor moves to
    the account's log head), never with a backlog from before."""
    owned(tx.conn, owner, account_id)
    head = tx.log_head(account_id)
    tx.conn.execute(
        "UPDATE oa_accounts SET webhook_url=?, token=?, encoding_aes_key=?, mode=?,"
        " webhook_verified_at=?, push_cursor=? WHERE id=?",
        (url, token, aes_key, mode, verified_at, head, account_id),
    )
    return load_account(tx.conn, account_id)


def set_menu(
    tx: WriteTx, account_id: UserId, menu: list[dict[str, JsonValue]] | None
) -> OfficialAccount:
    load_account(tx.conn, account_id)
    tx.conn.execute(
        "UPDATE oa_accounts SET menu=? WHERE id=?",
        (None if menu is None else to_json(menu), account_id),
    )
    return load_account(tx.conn, account_id)


def set_push_cursor(tx: WriteTx, account_id: UserId, cursor: int) -> None:
    tx.conn.execute(
        "UPDATE oa_accounts SET push_cursor=max(push_cursor, ?) WHERE id=?", (cursor, account_id)
    )


# --- reads ---


def account(conn: sqlite3.Connection, account_id: UserId) -> OfficialAccount:
    return load_account(conn, account_id)


def account_by_appid(conn: sqlite3.Connection, appid: str) -> OfficialAccount:
    found = conn.execute(
        f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE a.appid=?", (appid,)
    ).fetchone()
    if found is None:
        raise AccountNotFound(appid=appid)
    return account_of(found)


def accounts_of(conn: sqlite3.Connection, owner: UserId) -> list[OfficialAccount]:
    rows = conn.execute(
        f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE a.owner_id=? ORDER BY a.id", (owner,)
    ).fetchall()
    return [account_of(r) for r in rows]


def search_accounts(conn: sqlite3.Connection, query: str, limit: int) -> list[OfficialAccount]:
    """Accounts whose name contains `query` (case-insensitive), or whose AppID or original
    id is exactly it; most followed first."""
    rows = conn.execute(
        f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE lower(a.name) LIKE ? ESCAPE '\\'"
        " OR a.appid=? OR a.original_id=? ORDER BY a.follower_count DESC, a.id LIMIT ?",
        (search_pattern(query), query, query, limit),
    ).fetchall()
    return [account_of(r) for r in rows]


def webhook_accounts(conn: sqlite3.Connection) -> list[tuple[OfficialAccount, int]]:
    """Accounts with a webhook, each with its log head (what is left to push)."""
    rows = conn.execute(
        f"SELECT {ACCOUNT_COLS}, u.log_seq FROM oa_accounts a JOIN users u ON u.id=a.id"
        " WHERE a.webhook_url IS NOT NULL ORDER BY a.id"
    ).fetchall()
    return [(account_of(r), int(r[20])) for r in rows]
