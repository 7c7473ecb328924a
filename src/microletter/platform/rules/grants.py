"""Tokens of the open platform, pure: access tokens (/cgi-bin/token) and OAuth access and
refresh tokens, minted and read without a database.

A token is its claims and an HMAC-SHA256 over them with the server's platform key:

    <base64url(kind, account, issued, secret_gen, user, scope)>.<base64url(mac[:16])>

So any process can check one without a lookup, and tokens survive restarts. A token
stops working when it expires, or when the account's AppSecret is reset (the account's
`secret_gen` moves on). Every token ever issued stays valid until then, which gives the
overlap that several processes sharing one AppID need (none kills another's token).
Authorization codes are not here: they are single-use, so they live in the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from enum import IntEnum

from microletter.core.ids import UserId
from microletter.platform.rules.officials import Scope

_CLAIMS = struct.Struct(">BQQIQB")
_SCOPES = {None: 0, Scope.BASE: 1, Scope.USERINFO: 2, Scope.LOGIN: 3}
_SCOPE_OF = {v: k for k, v in _SCOPES.items()}
MAX_TOKEN = 128


class Kind(IntEnum):
    ACCESS = 1  # /cgi-bin calls of an account
    OAUTH = 2  # /sns calls on behalf of one user
    REFRESH = 3  # renews an OAUTH token


@dataclass(frozen=True, slots=True)
class Grant:
    kind: Kind
    account_id: UserId
    issued_at: int  # Unix milliseconds
    secret_gen: int
    user_id: UserId = UserId(0)
    scope: Scope | None = None

    def expired(self, now_ms: int, lifetime_seconds: int) -> bool:
        return now_ms >= self.issued_at + lifetime_seconds * 1000


def mint(key: bytes, grant: Grant) -> str:
    claims = _CLAIMS.pack(
        grant.kind,
        grant.account_id,
        grant.issued_at,
        grant.secret_gen,
        grant.user_id,
        _SCOPES[grant.scope],
    )
    return f"{_b64(claims)}.{_b64(_sign(key, claims))}"


def read(key: bytes, token: str) -> Grant | None:
    """The grant a token carries, or None if it is malformed or not ours."""
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        claims = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(claims) != _CLAIMS.size or not hmac.compare_digest(given, _sign(key, claims)):
        return None
    kind, account, issued, gen, user, scope = _CLAIMS.unpack(claims)
    if kind not in Kind._value2member_map_ or scope not in _SCOPE_OF:
        return None
    return Grant(Kind(kind), UserId(account), issued, gen, UserId(user), _SCOPE_OF[scope])


def _sign(key: bytes, claims: bytes) -> bytes:
    return hmac.new(key, claims, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hash_code(code: str) -> bytes:
    """Authorization codes are stored as hashes, like every other secret."""
    return hashlib.sha256(code.encode()).digest()
