"""What official accounts keep besides followers: QR codes, when they uploaded
which blobs (the protocol's temporary media), message templates and OAuth authorization
codes (single-use, stored as hashes)."""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.platform.errors import QrCodeNotFound, TemplateNotFound
from microletter.platform.rules.oauth import check_code
from microletter.platform.rules.officials import (
    AccountUpload,
    QrCode,
    QrRequest,
    Scope,
    Template,
    check_qr_live,
    new_qrcode,
)
from microletter.platform.store.accounts import load_account
from microletter.platform.store.followers import ensure_follower
from microletter.platform.store.rows import (
    CODE_COLS,
    QR_COLS,
    TEMPLATE_COLS,
    code_of,
    qr_of,
    template_of,
)
from microletter.ports import Reader, Tx

# --- QR codes ---


async def create_qrcode(
    tx: Tx, account_id: UserId, request: QrRequest, ticket: str, now: Instant
) -> QrCode:
    """A new code; a permanent code of a scene that has one already is that one (the
    account's row is locked, so two requests for one scene make one code)."""
    await load_account(tx, account_id, lock=request.permanent)
    if request.permanent:
        row = await tx.fetchrow(
            f"SELECT {QR_COLS} FROM oa_qrcodes q WHERE q.account_id=$1 AND q.permanent"
            " AND q.scene_id IS NOT DISTINCT FROM $2 AND q.scene_str IS NOT DISTINCT FROM $3",
            account_id,
            request.scene_id,
            request.scene_str,
        )
        if row is not None:
            return qr_of(row)
    code = new_qrcode(ticket, account_id, request, now)
    await tx.execute(
        "INSERT INTO oa_qrcodes (ticket, account_id, scene_id, scene_str, permanent,"
        " expires_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        ticket,
        account_id,
        code.scene_id,
        code.scene_str,
        code.permanent,
        code.expires_at,
        now,
    )
    return code


async def qrcode(db: Reader, ticket: str, now: Instant) -> QrCode:
    found = await db.fetchrow(f"SELECT {QR_COLS} FROM oa_qrcodes q WHERE q.ticket=$1", ticket)
    if found is None:
        raise QrCodeNotFound()
    return check_qr_live(qr_of(found), now)


# --- media (the blobs are the media room's; this is the protocol's clock) ---


async def record_upload(tx: Tx, upload: AccountUpload) -> AccountUpload:
    """Note (again) that an account uploaded a blob as a protocol type: a repeated upload
    of the same bytes starts its temporary-media clock anew."""
    await load_account(tx, upload.account_id)
    await tx.execute(
        "INSERT INTO oa_uploads (account_id, media_id, type, uploaded_at) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (account_id, media_id, type) DO UPDATE SET uploaded_at=excluded.uploaded_at",
        upload.account_id,
        upload.media_id,
        upload.type,
        upload.uploaded_at,
    )
    return upload


async def uploads(db: Reader, account_id: UserId, media_id: str) -> list[AccountUpload]:
    """The account's uploads of a blob, one per protocol type, newest first."""
    rows = await db.fetch(
        "SELECT type, uploaded_at FROM oa_uploads WHERE account_id=$1 AND media_id=$2"
        " ORDER BY uploaded_at DESC",
        account_id,
        media_id,
    )
    return [AccountUpload(account_id, media_id, r[0], Instant(r[1])) for r in rows]


# --- templates ---


async def add_template(tx: Tx, template: Template) -> Template:
    await load_account(tx, template.account_id)
    await tx.execute(
        "INSERT INTO oa_templates (template_id, account_id, title, content, created_at)"
        " VALUES ($1,$2,$3,$4,$5)",
        template.template_id,
        template.account_id,
        template.title,
        template.content,
        template.created_at,
    )
    return template


async def delete_template(tx: Tx, account_id: UserId, template_id: str) -> None:
    row = await tx.fetchrow(
        "DELETE FROM oa_templates WHERE account_id=$1 AND template_id=$2 RETURNING 1",
        account_id,
        template_id,
    )
    if row is None:
        raise TemplateNotFound(template_id=template_id)


async def templates(db: Reader, account_id: UserId) -> list[Template]:
    rows = await db.fetch(
        f"SELECT {TEMPLATE_COLS} FROM oa_templates t WHERE t.account_id=$1 ORDER BY t.created_at",
        account_id,
    )
    return [template_of(r) for r in rows]


async def template(db: Reader, account_id: UserId, template_id: str) -> Template:
    row = await db.fetchrow(
        f"SELECT {TEMPLATE_COLS} FROM oa_templates t WHERE t.account_id=$1 AND t.template_id=$2",
        account_id,
        template_id,
    )
    if row is None:
        raise TemplateNotFound(template_id=template_id)
    return template_of(row)


# --- OAuth codes ---


async def create_code(
    tx: Tx,
    code_hash: bytes,
    account_id: UserId,
    uid: UserId,
    scope: Scope,
    redirect_uri: str,
    key: bytes,
    expires_at: Instant,
) -> str:
    """Store a new authorization code, bound to the redirect_uri it is sent to (the caller
    checked it against the account's domains); returns the user's OpenID (made if need be)."""
    follower = await ensure_follower(tx, await load_account(tx, account_id), uid, key)
    await tx.execute(
        "INSERT INTO oa_oauth_codes (code_hash, account_id, user_id, scope, expires_at,"
        " redirect_uri) VALUES ($1,$2,$3,$4,$5,$6)",
        code_hash,
        account_id,
        uid,
        scope.value,
        expires_at,
        redirect_uri,
    )
    return follower.openid


async def use_code(
    tx: Tx, code_hash: bytes, account_id: UserId, redirect_uri: str | None, now: Instant
) -> tuple[UserId, Scope]:
    """Spend a code: once only, for its own account, before it expires, towards a domain
    the account still has, and to the same redirect_uri if one is given (rules/oauth.py).
    Its row is locked, so two concurrent uses cannot both succeed."""
    row = await tx.fetchrow(
        f"SELECT {CODE_COLS} FROM oa_oauth_codes o WHERE o.code_hash=$1 FOR UPDATE", code_hash
    )
    account = await load_account(tx, account_id)
    code = check_code(
        None if row is None else code_of(row), account_id, account.oauth_domains, redirect_uri, now
    )
    await tx.execute("UPDATE oa_oauth_codes SET used_at=$1 WHERE code_hash=$2", now, code_hash)
    # Sweep codes a day past expiry; skip rows another use holds, so sweeps never deadlock.
    await tx.execute(
        "DELETE FROM oa_oauth_codes WHERE code_hash IN (SELECT code_hash FROM oa_oauth_codes"
        " WHERE expires_at<$1 FOR UPDATE SKIP LOCKED)",
        now - 86_400_000,
    )
    return code.user_id, code.scope
