"""Access tokens and OAuth 2 web authorization of the open platform.

- /cgi-bin/token: AppID + AppSecret → an access token (7200 s), checked on every call.
- /connect/oauth2/authorize → a code (single-use, 5 minutes) for a signed-in person, sent
  only to a redirect_uri on one of the account's registered domains (rules/oauth.py);
  /sns/oauth2/access_token: code + AppSecret → an OAuth token, an OpenID and a refresh
  token (30 days); /sns/oauth2/refresh_token renews; /sns/userinfo and /sns/auth read.

Tokens are stateless (core/grants.py); codes live in the store. A token is rejected
as expired (42001) only when it is; a bad one is invalid (40001). A token just issued
is always accepted, so an SDK's refresh-and-retry loop ends after one turn.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from microletter.core.errors import InvalidInput
from microletter.core.ids import UserId
from microletter.core.models import Instant, Principal
from microletter.platform.context import Platform
from microletter.platform.errors import (
    AccessTokenExpired,
    AccessTokenInvalid,
    AccessTokenMissing,
    AccountRestricted,
    AppSecretInvalid,
    RefreshTokenExpired,
    RefreshTokenInvalid,
    ScopeNotGranted,
)
from microletter.platform.rules import grants
from microletter.platform.rules.grants import Grant, Kind
from microletter.platform.rules.oauth import check_redirect, redirect_with
from microletter.platform.rules.officials import (
    OfficialAccount,
    Scope,
    openid_for,
    secret_matches,
    unionid_for,
)

MAX_STATE = 128


async def issue_access_token(p: Platform, appid: str, secret: str) -> tuple[str, int]:
    """(token, expires_in) for an AppID and its AppSecret."""
    account = await with_secret(p, appid, secret)
    grant = Grant(Kind.ACCESS, account.id, p.now(), account.secret_gen)
    return grants.mint(p.key, grant), p.limits.access_token_seconds


async def with_secret(p: Platform, appid: str, secret: str) -> OfficialAccount:
    account = await p.store.account_by_appid(appid)
    if not secret_matches(account.secret_hash, secret):
        raise AppSecretInvalid(appid=appid)
    _check_open(account)
    return account


def _check_open(account: OfficialAccount) -> None:
    """A suspended owner's accounts keep their followers and history, but neither get
    tokens nor use them (50002, which SDKs do not answer with a token refresh)."""
    if account.restricted:
        raise AccountRestricted(appid=account.appid)


async def authenticate(p: Platform, token: str | None) -> OfficialAccount:
    """The account an access token speaks for."""
    _, account = await _read_token(p, token, Kind.ACCESS)
    return account


async def _read_token(p: Platform, token: str | None, kind: Kind) -> tuple[Grant, OfficialAccount]:
    """A live token of `kind` (access or OAuth) and the open account that minted it."""
    if not token:
        raise AccessTokenMissing()
    grant = grants.read(p.key, token)
    if grant is None or grant.kind is not kind:
        raise AccessTokenInvalid()
    account = await p.store.account(grant.account_id)
    if grant.secret_gen != account.secret_gen:
        raise AccessTokenInvalid("The AppSecret was reset since this token was issued.")
    if grant.expired(p.now(), p.limits.access_token_seconds):
        raise AccessTokenExpired()
    _check_open(account)
    return grant, account


# --- OAuth 2 ---


def check_scope(scope: str) -> Scope:
    try:
        return Scope(scope)
    except ValueError:
        raise InvalidInput(
            f"scope must be one of {', '.join(s.value for s in Scope)}.", field="scope"
        ) from None


@dataclass(frozen=True, slots=True)
class Consent:
    """What the consent screen shows before a person authorizes an account."""

    account: OfficialAccount
    scope: Scope
    redirect_uri: str  # on one of the account's registered domains
    silent: bool  # snsapi_base: no screen, the page goes on at once


async def consent(p: Platform, appid: str, redirect_uri: str, scope: str) -> Consent:
    """A request to authorize, checked before anything is shown, minted or redirected: an
    open account, a known scope, and a redirect_uri on one of the account's domains."""
    account = await p.store.account_by_appid(appid)
    _check_open(account)
    chosen = check_scope(scope)
    target = check_redirect(redirect_uri, account.oauth_domains)
    return Consent(account, chosen, target, chosen is Scope.BASE)


async def authorize(
    p: Platform, me: Principal, appid: str, redirect_uri: str, scope: str, state: str
) -> str:
    """The person agreed: the redirect URL carrying a fresh code and the state."""
    asked = await consent(p, appid, redirect_uri, scope)
    _check_state(state)
    code = secrets.token_urlsafe(24)
    expires = Instant(p.now() + p.limits.oauth_code_seconds * 1000)
    await p.store.create_code(
        grants.hash_code(code),
        asked.account.id,
        me.user_id,
        asked.scope,
        asked.redirect_uri,
        expires,
    )
    return redirect_with(asked.redirect_uri, code=code, state=state)


async def decline(p: Platform, appid: str, redirect_uri: str, scope: str, state: str) -> str:
    """The person said no: back to the page without a code (as WeChat does), but only to
    where a code could have gone."""
    asked = await consent(p, appid, redirect_uri, scope)
    _check_state(state)
    return redirect_with(asked.redirect_uri, state=state)


def _check_state(state: str) -> None:
    if len(state.encode()) > MAX_STATE:
        raise InvalidInput(f"state is at most {MAX_STATE} bytes.", field="state")


async def exchange(
    p: Platform, appid: str, secret: str, code: str, redirect_uri: str | None = None
) -> dict[str, object]:
    """/sns/oauth2/access_token: spend the code. WeChat's exchange sends no redirect_uri;
    a client that sends one (RFC 6749 4.1.3) must send the one the code was issued for."""
    account = await with_secret(p, appid, secret)
    uid, scope = await p.store.use_code(grants.hash_code(code), account.id, redirect_uri, p.now())
    return await _tokens(p, account, uid, scope)


async def refresh(p: Platform, appid: str, refresh_token: str) -> dict[str, object]:
    account = await p.store.account_by_appid(appid)
    grant = grants.read(p.key, refresh_token)
    if grant is None or grant.kind is not Kind.REFRESH or grant.account_id != account.id:
        raise RefreshTokenInvalid()
    if grant.secret_gen != account.secret_gen:
        raise RefreshTokenInvalid("The AppSecret was reset since; authorize again.")
    if grant.expired(p.now(), p.limits.refresh_token_seconds):
        raise RefreshTokenExpired()
    _check_open(account)
    assert grant.scope is not None  # minted with one
    return await _tokens(p, account, grant.user_id, grant.scope, refresh_token)


async def _tokens(
    p: Platform, account: OfficialAccount, uid: UserId, scope: Scope, keep: str | None = None
) -> dict[str, object]:
    now = p.now()
    access = Grant(Kind.OAUTH, account.id, now, account.secret_gen, uid, scope)
    renew = Grant(Kind.REFRESH, account.id, now, account.secret_gen, uid, scope)
    out: dict[str, object] = {
        "access_token": grants.mint(p.key, access),
        "expires_in": p.limits.access_token_seconds,
        "refresh_token": keep or grants.mint(p.key, renew),
        "openid": await openid(p, account, uid),
        "scope": scope.value,
    }
    if scope is not Scope.BASE:
        out["unionid"] = unionid(p, account, uid)
    return out


async def openid(p: Platform, account: OfficialAccount, uid: UserId) -> str:
    return openid_for(p.key, account.id, uid)


def unionid(p: Platform, account: OfficialAccount, uid: UserId) -> str:
    return unionid_for(p.key, account.owner_id, uid)


async def oauth_user(
    p: Platform, token: str | None, openid_given: str | None, need_userinfo: bool
) -> tuple[OfficialAccount, UserId, Scope]:
    """Who an OAuth access token speaks for; the OpenID, if given, must be theirs."""
    grant, account = await _read_token(p, token, Kind.OAUTH)
    if grant.scope is None:  # OAuth tokens are minted with one
        raise AccessTokenInvalid()
    if openid_given and openid_given != await openid(p, account, grant.user_id):
        raise AccessTokenInvalid("This token is not for that OpenID.")
    if need_userinfo and grant.scope is Scope.BASE:
        raise ScopeNotGranted(scope=grant.scope.value)
    return account, grant.user_id, grant.scope
