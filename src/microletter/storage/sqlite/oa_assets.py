"""SQLite: what official accounts keep besides followers: QR codes, when they uploaded
which blobs (the protocol's temporary media), message templates and OAuth authorization
codes (single-use, stored as hashes)."""

from __future__ import annotations

import sqlite3

from microletter.core.errors import QrCodeNotFound, TemplateNotFound
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.core.officials import (
    AccountUpload,
    QrCode,
    QrRequest,
    Scope,
    Template,
    check_code,
    check_qr_live,
    new_qrcode,
)
from microletter.storage.platform_rows import (
    CODE_COLS,
    QR_COLS,
    TEMPLATE_COLS,
    code_of,
    qr_of,
    template_of,
)
from microletter.storage.sqlite.followers import ensure_follower
from microletter.storage.sqlite.officials import load_account

# , qr_of, template_of
from microletter.storage.sqlite.writetx import WriteTx

# --- QR codes ---


def create_qrcode(
    tx: WriteTx, account_id: UserId, request: QrRequest, ticket: str, now: Instant
) -> QrCode:
    """A new code; a permanent code of a scene that has one already is that one."""
    load_account(tx.conn, account_id)
    if request.permanent:
        row = tx.conn.execute(
            f"SELECT {QR_COLS} FROM oa_qrcodes q WHERE q.account_id=? AND q.permanent=1"
            " AND q.scene_id IS ? AND q.scene_str IS ?",
            (account_id, request.scene_id, request.scene_str),
        ).fetchone()
        if row is not None:
            return qr_of(row)
    code = new_qrcode(ticket, account_id, request, now)
    tx.conn.execute(
        "INSERT INTO oa_qrcodes (ticket, account_id, scene_id, scene_str, permanent,"
        " expires_at, created_at) VALUES (?,?,?,?,?,?,?)",
        (ticket, account_id, code.scene_id, code.scene_str, code.permanent, code.expires_at, now),
    )
    return code


def qrcode(conn: sqlite3.Connection, ticket: str, now: Instant) -> QrCode:
    row = conn.execute(f"SELECT {QR_COLS} FROM oa_qrcodes q WHERE q.ticket=?", (ticket,))
    found = row.fetchone()
    if found is None:
        raise QrCodeNotFound()
    return check_qr_live(qr_of(found), now)


# --- media (the blobs are the media room's; this is the protocol's clock) ---


def record_upload(tx: WriteTx, upload: AccountUpload) -> AccountUpload:
    """Note (again) that an account uploaded a blob as a protocol type: a repeated upload
    of the same bytes starts its temporary-media clock anew."""
    load_account(tx.conn, upload.account_id)
    tx.conn.execute(
        "INSERT INTO oa_uploads (account_id, media_id, type, uploaded_at) VALUES (?,?,?,?)"
        " ON CONFLICT (account_id, media_id, type) DO UPDATE SET uploaded_at=excluded.uploaded_at",
        (upload.account_id, upload.media_id, upload.type, upload.uploaded_at),
    )
    return upload


def uploads(conn: sqlite3.Connection, account_id: UserId, media_id: str) -> list[AccountUpload]:
    """The account's uploads of a blob, one per protocol type, newest first."""
    rows = conn.execute(
        "SELECT type, uploaded_at FROM oa_uploads WHERE account_id=? AND media_id=?"
        " ORDER BY uploaded_at DESC",
        (account_id, media_id),
    ).fetchall()
    return [AccountUpload(account_id, media_id, r[0], Instant(r[1])) for r in rows]


# --- templates ---


def add_template(tx: WriteTx, template: Template) -> Template:
    load_account(tx.conn, template.account_id)
    tx.conn.execute(
        "INSERT INTO oa_templates (template_id, account_id, title, content, created_at)"
        " VALUES (?,?,?,?,?)",
        (
            template.template_id,
            template.account_id,
            template.title,
            template.content,
            template.created_at,
        ),
    )
    return template


def delete_template(tx: WriteTx, account_id: UserId, template_id: str) -> None:
    cur = tx.conn.execute(
        "DELETE FROM oa_templates WHERE account_id=? AND template_id=?", (account_id, template_id)
    )
    if cur.rowcount == 0:
        raise TemplateNotFound(template_id=template_id)


def templates(conn: sqlite3.Connection, account_id: UserId) -> list[Template]:
    rows = conn.execute(
        f"SELECT {TEMPLATE_COLS} FROM oa_templates t WHERE t.account_id=? ORDER BY t.created_at",
        (account_id,),
    ).fetchall()
    return [template_of(r) for r in rows]


def template(conn: sqlite3.Connection, account_id: UserId, template_id: str) -> Template:
    row = conn.execute(
        f"SELECT {TEMPLATE_COLS} FROM oa_templates t WHERE t.account_id=? AND t.template_id=?",
        (account_id, template_id),
    ).fetchone()
    if row is None:
        raise TemplateNotFound(template_id=template_id)
    return template_of(row)


# --- OAuth codes ---


def create_code(
    tx: WriteTx,
    code_hash: bytes,
    account_id: UserId,
    uid: UserId,
    scope: Scope,
    key: bytes,
    expires_at: Instant,
) -> str:
    """Store a new authorization code; returns the user's OpenID (made if need be)."""
    follower = ensure_follower(tx, load_account(tx.conn, account_id), uid, key)
    tx.conn.execute(
        "INSERT INTO oa_oauth_codes (code_hash, account_id, user_id, scope, expires_at)"
        " VALUES (?,?,?,?,?)",
        (code_hash, account_id, uid, scope, expires_at),
    )
    return follower.openid


def use_code(
    tx: WriteTx, code_hash: bytes, account_id: UserId, now: Instant
) -> tuple[UserId, Scope]:
    """Spend a code: once only, for its own account, before it expires."""
    row = tx.conn.execute(
        f"SELECT {CODE_COLS} FROM oa_oauth_codes o WHERE o.code_hash=?",
        (code_hash,),
    ).fetchone()
    code = check_code(None if row is None else code_of(row), account_id, now)
    tx.conn.execute("UPDATE oa_oauth_codes SET used_at=? WHERE code_hash=?", (now, code_hash))
    tx.conn.execute("DELETE FROM oa_oauth_codes WHERE expires_at<?", (now - 86_400_000,))
    return code.user_id, code.scope
