"""wx.login() codes, the session keys /sns/jscode2session hands out, and share tickets
(units of work, both databases). A code is kept only as its hash."""

from __future__ import annotations

from collections.abc import Callable

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.miniapps.errors import LoginCodeInvalid, ShareTicketInvalid
from microletter.miniapps.rules import AppId, LoginCode, check_code
from microletter.ports import Reader, Tx


async def issue_code(
    tx: Tx, app_id: AppId, user_id: UserId, code_hash: str, now: Instant, ttl_ms: int
) -> None:
    # Expired codes go as new ones come: the table holds minutes of logins.
    await tx.execute(
        "DELETE FROM miniapp_codes WHERE code_hash IN (SELECT code_hash FROM miniapp_codes"
        " WHERE expires_at < $1 LIMIT 100)",
        now,
    )
    await tx.execute(
        "INSERT INTO miniapp_codes (code_hash, app_id, user_id, created_at, expires_at)"
        " VALUES ($1,$2,$3,$4,$5)",
        code_hash,
        app_id,
        user_id,
        now,
        now + ttl_ms,
    )


async def spend_code(
    tx: Tx,
    account_id: UserId,
    code_hash: str,
    session_key: str,
    now: Instant,
    openid_of: Callable[[UserId], str],
) -> LoginCode:
    """Exchange a code of one of the account's apps (once): its person's session key for
    the app becomes `session_key`, kept with their OpenID (`openid_of`, for the account)."""
    row = await tx.fetchrow(
        "SELECT c.app_id, c.user_id, c.expires_at, c.used_at FROM miniapp_codes c"
        " JOIN miniapps m ON m.id=c.app_id WHERE c.code_hash=$1 AND m.account_id=$2",
        code_hash,
        account_id,
    )
    if row is None:
        raise LoginCodeInvalid()
    code = LoginCode(AppId(row[0]), UserId(row[1]), Instant(row[2]), row[3])
    check_code(code, now)
    await tx.execute("UPDATE miniapp_codes SET used_at=$2 WHERE code_hash=$1", code_hash, now)
    await tx.execute(
        "INSERT INTO miniapp_sessions (app_id, user_id, session_key, created_at, openid)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (app_id, user_id)"
        " DO UPDATE SET session_key=excluded.session_key, created_at=excluded.created_at,"
        " openid=excluded.openid",
        code.app_id,
        code.user_id,
        session_key,
        now,
        openid_of(code.user_id),
    )
    return code


async def session_key(db: Reader, app_id: AppId, user_id: UserId) -> str | None:
    key: str | None = await db.fetchval(
        "SELECT session_key FROM miniapp_sessions WHERE app_id=$1 AND user_id=$2",
        app_id,
        user_id,
    )
    return key


async def issue_share_ticket(
    tx: Tx,
    ticket: str,
    app_id: AppId,
    user_id: UserId,
    cid: ConversationId,
    now: Instant,
    ttl_ms: int,
) -> None:
    await tx.execute(
        "DELETE FROM miniapp_share_tickets WHERE ticket IN (SELECT ticket FROM"
        " miniapp_share_tickets WHERE expires_at < $1 LIMIT 100)",
        now,
    )
    await tx.execute(
        "INSERT INTO miniapp_share_tickets (ticket, app_id, user_id, conversation_id,"
        " created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6)",
        ticket,
        app_id,
        user_id,
        cid,
        now,
        now + ttl_ms,
    )


async def share_ticket(
    db: Reader, ticket: str, app_id: AppId, user_id: UserId, now: Instant
) -> ConversationId:
    """The conversation of a live share ticket of this app and person."""
    cid = await db.fetchval(
        "SELECT conversation_id FROM miniapp_share_tickets WHERE ticket=$1 AND app_id=$2"
        " AND user_id=$3 AND expires_at > $4",
        ticket,
        app_id,
        user_id,
        now,
    )
    if cid is None:
        raise ShareTicketInvalid()
    return ConversationId(cid)
