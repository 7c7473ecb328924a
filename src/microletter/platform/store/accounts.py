"""Official accounts (create, edit, credentials, webhook, menu, OAuth domains) and their
reads.

An account is a `users` row (so it can be a conversation member and a sender) plus an
`oa_accounts` row. Owner-only writes check the owner inside the transaction. Writes that
read the account to decide (follow, unfollow, broadcast) lock its row first, before any
conversation or user row (the lock order of ports.Tx).
"""

from __future__ import annotations

from microletter.core.errors import UsernameTaken
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import AccountNotFound, NotAccountOwner
from microletter.platform.rules.officials import (
    Credentials,
    MessageMode,
    OfficialAccount,
    check_account_quota,
    hash_secret,
    search_pattern,
)
from microletter.platform.store.rows import ACCOUNT_COLS, NO_LOGIN, account_of
from microletter.ports import Reader, Tx
from microletter.storage import to_json


async def load_account(db: Reader, account_id: UserId, *, lock: bool = False) -> OfficialAccount:
    """The account; with `lock`, its row stays locked until COMMIT."""
    found = await db.fetchrow(
        f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE a.id=$1" + (" FOR UPDATE" if lock else ""),
        account_id,
    )
    if found is None:
        raise AccountNotFound(account_id=account_id)
    return account_of(found)


async def owned(db: Reader, owner: UserId, account_id: UserId) -> OfficialAccount:
    """The developer console's access funnel: the account exists and `owner` owns it
    (its row locked, as every owner's write changes it)."""
    account = await load_account(db, account_id, lock=True)
    if account.owner_id != owner:
        raise NotAccountOwner(account_id=account_id)
    return account


# --- writes ---


async def create_account(
    tx: Tx,
    owner: UserId,
    creds: Credentials,
    name: str,
    description: str,
    avatar: str | None,
    max_per_owner: int,
    now: Instant,
) -> OfficialAccount:
    # The owner's row is locked so two creations cannot both pass the quota.
    if await tx.fetchrow("SELECT 1 FROM users WHERE id=$1 FOR UPDATE", owner) is None:
        raise AccountNotFound("The developer has no account.", user_id=owner)
    count = await tx.fetchval("SELECT count(*) FROM oa_accounts WHERE owner_id=$1", owner)
    check_account_quota(count, max_per_owner)
    account_id = UserId(tx.new_id(now))
    made = await tx.fetchval(
        "INSERT INTO users (id, username, password_hash, display_name, locale, avatar,"
        " created_at) VALUES ($1,$2,$3,$4,'en',$5,$6) ON CONFLICT DO NOTHING RETURNING id",
        account_id,
        creds.original_id,
        NO_LOGIN,
        name,
        avatar,
        now,
    )
    if made is None:  # a random original id collided: vanishingly rare; ask again
        raise UsernameTaken("Generated ids collided; try again.")
    await tx.execute(
        "INSERT INTO oa_accounts (id, owner_id, appid, original_id, name, description,"
        " avatar, secret_hash, secret_gen, token, encoding_aes_key, mode, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,1,$9,$10,$11,$12)",
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
        MessageMode.PLAINTEXT.value,
        now,
    )
    return await load_account(tx, account_id)


async def update_account(
    tx: Tx,
    owner: UserId,
    account_id: UserId,
    name: str | None,
    description: str | None,
    avatar: str | None,
) -> OfficialAccount:
    await owned(tx, owner, account_id)
    await tx.execute(
        "UPDATE oa_accounts SET name=coalesce($1, name), description=coalesce($2, description),"
        " avatar=coalesce($3, avatar) WHERE id=$4",
        name,
        description,
        avatar,
        account_id,
    )
    await tx.execute(
        "UPDATE users SET display_name=coalesce($1, display_name), avatar=coalesce($2, avatar)"
        " WHERE id=$3",
        name,
        avatar,
        account_id,
    )
    return await load_account(tx, account_id)


async def reset_secret(
    tx: Tx, owner: UserId, account_id: UserId, secret_hash: bytes
) -> OfficialAccount:
    await owned(tx, owner, account_id)
    await tx.execute(
        "UPDATE oa_accounts SET secret_hash=$1, secret_gen=secret_gen+1 WHERE id=$2",
        secret_hash,
        account_id,
    )
    return await load_account(tx, account_id)


async def set_webhook(
    tx: Tx,
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
    await owned(tx, owner, account_id)
    await tx.execute(
        "UPDATE oa_accounts SET webhook_url=$1, token=$2, encoding_aes_key=$3, mode=$4,"
        " webhook_verified_at=$5, push_cursor=$6 WHERE id=$7",
        url,
        token,
        aes_key,
        mode.value,
        verified_at,
        await tx.log_head(account_id),
        account_id,
    )
    return await load_account(tx, account_id)


async def set_menu(
    tx: Tx, account_id: UserId, menu: list[dict[str, JsonValue]] | None
) -> OfficialAccount:
    await load_account(tx, account_id, lock=True)
    await tx.execute(
        "UPDATE oa_accounts SET menu=$1 WHERE id=$2",
        None if menu is None else to_json(menu),
        account_id,
    )
    return await load_account(tx, account_id)


async def set_oauth_domains(
    tx: Tx, owner: UserId, account_id: UserId, domains: tuple[str, ...]
) -> OfficialAccount:
    """Replace the account's web-authorization domains (checked by rules/oauth.py). Codes
    already sent to a domain removed here can no longer be spent."""
    await owned(tx, owner, account_id)
    await tx.execute(
        "UPDATE oa_accounts SET oauth_domains=$1 WHERE id=$2", to_json(list(domains)), account_id
    )
    return await load_account(tx, account_id)


async def set_push_cursor(tx: Tx, account_id: UserId, cursor: int) -> None:
    await tx.execute(
        "UPDATE oa_accounts SET push_cursor=greatest(push_cursor, $1) WHERE id=$2",
        cursor,
        account_id,
    )


# --- reads ---


async def account(db: Reader, account_id: UserId) -> OfficialAccount:
    return await load_account(db, account_id)


async def account_by_appid(db: Reader, appid: str) -> OfficialAccount:
    found = await db.fetchrow(f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE a.appid=$1", appid)
    if found is None:
        raise AccountNotFound(appid=appid)
    return account_of(found)


async def accounts_of(db: Reader, owner: UserId) -> list[OfficialAccount]:
    rows = await db.fetch(
        f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE a.owner_id=$1 ORDER BY a.id", owner
    )
    return [account_of(r) for r in rows]


async def search_accounts(db: Reader, query: str, limit: int) -> list[OfficialAccount]:
    """Accounts whose name contains `query` (case-insensitive), or whose AppID or original
    id is exactly it; most followed first."""
    rows = await db.fetch(
        f"SELECT {ACCOUNT_COLS} FROM oa_accounts a WHERE lower(a.name) LIKE $1 ESCAPE '\\'"
        " OR a.appid=$2 OR a.original_id=$2 ORDER BY a.follower_count DESC, a.id LIMIT $3",
        search_pattern(query),
        query,
        limit,
    )
    return [account_of(r) for r in rows]
