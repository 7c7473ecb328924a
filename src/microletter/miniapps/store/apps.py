"""Registered mini apps (units of work, both databases)."""

from __future__ import annotations

import msgspec

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.miniapps.errors import AppLimitReached, AppNotFound
from microletter.miniapps.rules import MAX_APPS, AppDraft, AppId, MiniApp
from microletter.ports import Reader, Row, Tx
from microletter.storage import to_json

COLS = "id, account_id, name, icon, entry_url, domains, created_at, updated_at"
MAX_LISTED = 200  # apps Discover lists


async def add_app(tx: Tx, account_id: UserId, draft: AppDraft, now: Instant) -> MiniApp:
    count = await tx.fetchval("SELECT count(*) FROM miniapps WHERE account_id=$1", account_id)
    if count >= MAX_APPS:
        raise AppLimitReached(max_apps=MAX_APPS)
    app_id = AppId(tx.new_id(now))
    await tx.execute(
        f"INSERT INTO miniapps ({COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$7)",
        app_id,
        account_id,
        draft.name,
        draft.icon,
        draft.entry_url,
        to_json(list(draft.domains)),
        now,
    )
    return MiniApp(
        app_id, account_id, draft.name, draft.icon, draft.entry_url, draft.domains, now, now
    )


async def update_app(
    tx: Tx, account_id: UserId, app_id: AppId, draft: AppDraft, now: Instant
) -> MiniApp:
    changed = await tx.execute(
        "UPDATE miniapps SET name=$3, icon=$4, entry_url=$5, domains=$6, updated_at=$7"
        " WHERE id=$1 AND account_id=$2",
        app_id,
        account_id,
        draft.name,
        draft.icon,
        draft.entry_url,
        to_json(list(draft.domains)),
        now,
    )
    if not changed:
        raise AppNotFound(app_id=app_id)
    return await app(tx, app_id)


async def remove_app(tx: Tx, account_id: UserId, app_id: AppId) -> None:
    if not await tx.execute(
        "DELETE FROM miniapps WHERE id=$1 AND account_id=$2", app_id, account_id
    ):
        raise AppNotFound(app_id=app_id)
    await tx.execute("DELETE FROM miniapp_sessions WHERE app_id=$1", app_id)


async def app(db: Reader, app_id: AppId) -> MiniApp:
    row = await db.fetchrow(f"SELECT {COLS} FROM miniapps WHERE id=$1", app_id)
    if row is None:
        raise AppNotFound(app_id=app_id)
    return _app(row)


async def apps_of(db: Reader, account_id: UserId) -> list[MiniApp]:
    rows = await db.fetch(
        f"SELECT {COLS} FROM miniapps WHERE account_id=$1 ORDER BY id", account_id
    )
    return [_app(r) for r in rows]


async def listed_apps(db: Reader) -> list[MiniApp]:
    """Discover's list: every app of an account whose owner is not suspended, newest first."""
    rows = await db.fetch(
        f"SELECT {', '.join('m.' + c for c in COLS.split(', '))} FROM miniapps m"
        " JOIN oa_accounts a ON a.id=m.account_id JOIN users u ON u.id=a.owner_id"
        " WHERE u.suspended_at IS NULL"
        " ORDER BY m.id DESC LIMIT $1",
        MAX_LISTED,
    )
    return [_app(r) for r in rows]


async def all_domains(db: Reader) -> list[str]:
    rows = await db.fetch("SELECT domains FROM miniapps")
    return [d for r in rows for d in msgspec.json.decode(r[0])]


def _app(r: Row) -> MiniApp:
    domains = tuple(msgspec.json.decode(r[5]))
    return MiniApp(
        AppId(r[0]), UserId(r[1]), r[2], r[3], r[4], domains, Instant(r[6]), Instant(r[7])
    )
