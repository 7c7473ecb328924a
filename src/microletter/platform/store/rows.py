"""Rows of the open platform's tables to its values, for every backend (a row is anything
indexable: a sqlite3 tuple or an asyncpg Record)."""

from __future__ import annotations

import msgspec

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.platform.rules.oauth import OAuthCode
from microletter.platform.rules.officials import (
    Follower,
    MessageMode,
    OfficialAccount,
    QrCode,
    Scope,
    Template,
)
from microletter.ports import Row

ACCOUNT_COLS = (
    "a.id, a.owner_id, a.appid, a.original_id, a.name, a.description, a.avatar,"
    " a.secret_hash, a.secret_gen, a.token, a.encoding_aes_key, a.webhook_url, a.mode,"
    " a.webhook_verified_at, a.menu, a.channel_head, a.follower_count, a.push_cursor,"
    " a.created_at, EXISTS(SELECT 1 FROM users s WHERE s.id IN (a.owner_id, a.id)"
    " AND s.suspended_at IS NOT NULL), a.oauth_domains"
)
ACCOUNT_WIDTH = 21  # the number of ACCOUNT_COLS: a query's next column is at this index
FOLLOWER_COLS = (
    "f.account_id, f.user_id, f.openid, f.following, f.followed_at, f.unfollowed_at, f.scene,"
    " f.qr_scene, f.qr_scene_str, f.remark, f.last_active_at, f.channel_joined_seq,"
    " f.channel_read_seq"
)
QR_COLS = "q.ticket, q.account_id, q.scene_id, q.scene_str, q.permanent, q.expires_at, q.created_at"
TEMPLATE_COLS = "t.template_id, t.account_id, t.title, t.content, t.created_at"
CODE_COLS = "o.account_id, o.user_id, o.scope, o.expires_at, o.used_at, o.redirect_uri"
NO_LOGIN = "!"  # an account's password hash: never a valid argon2 hash, nobody logs in


def _instant(v: int | None) -> Instant | None:
    return None if v is None else Instant(v)


def account_of(r: Row, at: int = 0) -> OfficialAccount:
    menu = r[at + 14]
    return OfficialAccount(
        id=UserId(r[at]),
        owner_id=UserId(r[at + 1]),
        appid=r[at + 2],
        original_id=r[at + 3],
        name=r[at + 4],
        description=r[at + 5],
        avatar=r[at + 6],
        secret_hash=bytes(r[at + 7]),
        secret_gen=r[at + 8],
        token=r[at + 9],
        encoding_aes_key=r[at + 10],
        webhook_url=r[at + 11],
        mode=MessageMode(r[at + 12]),
        webhook_verified_at=_instant(r[at + 13]),
        menu=msgspec.json.decode(menu) if menu else None,
        channel_head=r[at + 15],
        follower_count=r[at + 16],
        push_cursor=r[at + 17],
        created_at=Instant(r[at + 18]),
        restricted=bool(r[at + 19]),
        oauth_domains=tuple(msgspec.json.decode(r[at + 20], type=list[str])),
    )


def follower_of(r: Row, at: int = 0) -> Follower:
    return Follower(
        account_id=UserId(r[at]),
        user_id=UserId(r[at + 1]),
        openid=r[at + 2],
        following=bool(r[at + 3]),
        followed_at=_instant(r[at + 4]),
        unfollowed_at=_instant(r[at + 5]),
        scene=r[at + 6],
        qr_scene=r[at + 7],
        qr_scene_str=r[at + 8],
        remark=r[at + 9],
        last_active_at=_instant(r[at + 10]),
        channel_joined_seq=r[at + 11],
        channel_read_seq=r[at + 12],
    )


def qr_of(r: Row) -> QrCode:
    return QrCode(r[0], UserId(r[1]), r[2], r[3], bool(r[4]), _instant(r[5]), Instant(r[6]))


def template_of(r: Row) -> Template:
    return Template(r[0], UserId(r[1]), r[2], r[3], Instant(r[4]))


def code_of(r: Row) -> OAuthCode:
    return OAuthCode(UserId(r[0]), UserId(r[1]), Scope(r[2]), Instant(r[3]), _instant(r[4]), r[5])
