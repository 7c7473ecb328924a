"""What other rooms need of official accounts: the merchant API (wxpay; accounts are its
merchants) an account by AppID or as its developer owns it, a person's OpenID towards
an account, and whether they follow it; the mini apps (which accounts register) an
account by AppID and AppSecret and a person's UnionID. Reads only; those rooms write
their own rows."""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Principal
from microletter.platform import console, tokens
from microletter.platform.context import Platform
from microletter.platform.rules.officials import OfficialAccount, openid_for


async def account_by_appid(p: Platform, appid: str) -> OfficialAccount:
    """AccountNotFound if no account has this AppID."""
    return await p.store.account_by_appid(appid)


async def account_by_id(p: Platform, account_id: UserId) -> OfficialAccount:
    return await p.store.account(account_id)


async def owned_account(p: Platform, me: Principal, account_id: UserId) -> OfficialAccount:
    """One of my accounts (NotAccountOwner, AccountNotFound otherwise)."""
    return await console.owned(p, me, account_id)


def openid_of(p: Platform, account_id: UserId, user_id: UserId) -> str:
    """The person's OpenID towards the account (as its API and OAuth give it)."""
    return openid_for(p.key, account_id, user_id)


async def is_follower(p: Platform, account_id: UserId, user_id: UserId) -> bool:
    found = await p.store.follower(account_id, user_id)
    return found is not None and found.following


# --- what the mini apps' room needs (they belong to official accounts) ---


async def account_with_secret(p: Platform, appid: str, secret: str) -> OfficialAccount:
    """The open account with this AppID and AppSecret (AccountNotFound, AppSecretInvalid,
    AccountRestricted otherwise): who calls /sns/jscode2session."""
    return await tokens.with_secret(p, appid, secret)


def unionid_of(p: Platform, account: OfficialAccount, user_id: UserId) -> str:
    """The person's UnionID: the same for every account of the account's owner."""
    return tokens.unionid(p, account, user_id)
