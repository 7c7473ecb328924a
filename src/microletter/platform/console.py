"""The developer console's actions: create an account and its credentials, edit it,
reset the AppSecret, configure the webhook (running the handshake), set the menu and the
web-authorization domains of its OAuth.

Every write goes through the PlatformStore, which checks the owner inside its
transaction; webhook changes are announced to the push dispatcher after commit.
"""

from __future__ import annotations

from microletter.core.errors import InvalidInput, Unavailable, UsernameTaken
from microletter.core.ids import UserId
from microletter.core.models import Principal
from microletter.platform.context import Platform
from microletter.platform.errors import NotAccountOwner
from microletter.platform.rules.menus import Menu, check_menu
from microletter.platform.rules.oauth import check_domains
from microletter.platform.rules.officials import (
    CREDENTIAL_BYTES,
    Credentials,
    MessageMode,
    OfficialAccount,
    aes_key_bytes,
    check_description,
    check_name,
    check_token,
    check_webhook_url,
    hash_secret,
    is_web_url,
    make_credentials,
    make_secret,
)


def _avatar(avatar: str | None) -> str | None:
    if avatar is not None and avatar and not is_web_url(avatar):
        raise InvalidInput("The avatar must be an http(s) URL.", field="avatar")
    return avatar or None


async def create_account(
    p: Platform, me: Principal, name: str, description: str, avatar: str | None
) -> tuple[OfficialAccount, Credentials]:
    """A new official account owned by `me`, with fresh credentials (the AppSecret is
    in the result only: it is stored as a hash)."""
    name, description = check_name(name), check_description(description)
    for _ in range(3):
        creds = make_credentials(p.random(CREDENTIAL_BYTES))
        try:
            account = await p.store.create_account(
                me.user_id,
                creds,
                name,
                description,
                _avatar(avatar),
                p.limits.accounts_per_owner,
                p.now(),
            )
        except UsernameTaken:  # a generated id collided; draw again
            continue
        return account, creds
    raise Unavailable("Could not make unique credentials; retry.")


async def owned(p: Platform, me: Principal, account_id: UserId) -> OfficialAccount:
    account = await p.store.account(account_id)
    if account.owner_id != me.user_id:
        raise NotAccountOwner(account_id=account_id)
    return account


async def mine(p: Platform, me: Principal) -> list[OfficialAccount]:
    return await p.store.accounts_of(me.user_id)


async def update_account(
    p: Platform,
    me: Principal,
    account_id: UserId,
    name: str | None,
    description: str | None,
    avatar: str | None,
) -> OfficialAccount:
    return await p.store.update_account(
        me.user_id,
        account_id,
        None if name is None else check_name(name),
        None if description is None else check_description(description),
        None if avatar is None else _avatar(avatar),
    )


async def reset_secret(
    p: Platform, me: Principal, account_id: UserId
) -> tuple[OfficialAccount, str]:
    """A new AppSecret; tokens minted with the old one stop working."""
    secret = make_secret(p.random(16))
    account = await p.store.reset_secret(me.user_id, account_id, hash_secret(secret))
    return account, secret


async def set_webhook(
    p: Platform,
    me: Principal,
    account_id: UserId,
    url: str,
    mode: MessageMode,
    token: str | None = None,
    encoding_aes_key: str | None = None,
) -> OfficialAccount:
    """Save the webhook after it passed the handshake (signed with the Token it will use).
    Pushes begin with what happens from now on."""
    account = await owned(p, me, account_id)
    token = check_token(token if token is not None else account.token)
    aes_key = encoding_aes_key if encoding_aes_key is not None else account.encoding_aes_key
    aes_key_bytes(aes_key)
    check_webhook_url(url)
    await p.webhooks.verify(url, token, p.seconds(), owner=account_id)
    saved = await p.store.set_webhook(me.user_id, account_id, url, token, aes_key, mode, p.now())
    await p.webhook_changed()
    return saved


async def clear_webhook(p: Platform, me: Principal, account_id: UserId) -> OfficialAccount:
    """Stop pushing; followers' messages still reach the conversation."""
    account = await owned(p, me, account_id)
    saved = await p.store.set_webhook(
        me.user_id,
        account_id,
        None,
        account.token,
        account.encoding_aes_key,
        account.mode,
        None,
    )
    await p.webhook_changed()
    return saved


async def set_oauth_domains(
    p: Platform, me: Principal, account_id: UserId, domains: list[str]
) -> OfficialAccount:
    """Replace the hosts the account's OAuth codes may be sent to (none: OAuth refused)."""
    return await p.store.set_oauth_domains(me.user_id, account_id, check_domains(domains))


async def set_menu(p: Platform, account_id: UserId, body: object) -> Menu:
    """Validate and save the custom menu (the same for the console and menu/create)."""
    menu = check_menu(body)
    await p.store.set_menu(account_id, menu)
    return menu


async def delete_menu(p: Platform, account_id: UserId) -> None:
    """Remove the menu, and its conditional menus with it (as menu/delete does)."""
    await p.store.delete_menus(account_id)
