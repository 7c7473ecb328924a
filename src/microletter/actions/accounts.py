"""Accounts and devices: register, log in, authenticate, log out, revoke, edit the profile."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from microletter.actions.context import Context
from microletter.core import accounts as rules
from microletter.core import media as media_rules
from microletter.core.errors import (
    BadCredentials,
    InvalidToken,
    MediaKindMismatch,
    MediaNotFound,
    NotOperator,
    SetupTokenInvalid,
    UsernameReserved,
    UsernameTaken,
)
from microletter.core.events import DeviceRevoked
from microletter.core.ids import DeviceId, UserId
from microletter.core.media import MediaId, MediaKind
from microletter.core.models import Device, Principal, User
from microletter.ports import Subscription, user_topic

log = logging.getLogger(__name__)

TOKEN_PREFIX = "mlt_"  # noqa: S105 - a prefix, not a secret
REVOCATIONS = "devices:revoked"  # the bus topic every process follows


@dataclass(frozen=True, slots=True)
class Session:
    """A fresh login: the token is shown once, here, and stored only as a hash."""

    user: User
    device: Device
    token: str


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def _new_device(ctx: Context, user: User, device_name: str) -> Session:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    name = rules.clean_device_name(device_name)
    device = await ctx.store.create_device(user.id, name, hash_token(token), ctx.clock())
    return Session(user, device, token)


async def register(
    ctx: Context,
    username: str,
    password: str,
    display_name: str = "",
    locale: str = rules.DEFAULT_LOCALE,
    device_name: str = "",
) -> Session:
    """Public sign-up. The operators' usernames are reserved (UsernameReserved): their
    accounts are made with the setup link (`register_operator`)."""
    _check_new_account(username, password, display_name, locale)
    if username in ctx.operators:
        raise UsernameReserved(username=username)
    return await _create(ctx, username, password, display_name, locale, device_name)


async def register_operator(
    ctx: Context,
    token: str,
    username: str,
    password: str,
    display_name: str = "",
    locale: str = rules.DEFAULT_LOCALE,
    device_name: str = "",
) -> Session:
    """Make the account of a listed operator who has none, with the setup link's
    one-time token. Everything is checked before the token is taken, so a typo does not
    use the link up; if the account cannot be made after all, the token is given back."""
    _check_new_account(username, password, display_name, locale)
    if username not in ctx.operators:
        raise NotOperator(
            "Only usernames listed in MICROLETTER_OPERATORS are made with the setup link.",
            username=username,
        )
    if await ctx.store.user_by_name(username) is not None:
        raise UsernameTaken(username=username)
    if ctx.setup is None or not ctx.setup.claim(token):
        raise SetupTokenInvalid()
    try:
        session = await _create(ctx, username, password, display_name, locale, device_name)
    except BaseException:
        ctx.setup.restore(token)
        raise
    log.info("admin.operator_created", extra={"user_id": session.user.id})
    return session


async def missing_operators(ctx: Context) -> list[str]:
    """The listed operators' usernames that have no account yet."""
    return [name for name in sorted(ctx.operators) if await ctx.store.user_by_name(name) is None]


def _check_new_account(username: str, password: str, display_name: str, locale: str) -> None:
    rules.check_username(username)
    rules.check_password(password)
    rules.clean_display_name(display_name, fallback=username)
    rules.check_locale(locale)


async def _create(
    ctx: Context, username: str, password: str, display_name: str, locale: str, device_name: str
) -> Session:
    name = rules.clean_display_name(display_name, fallback=username)
    password_hash = await ctx.passwords.hash(password)
    user = await ctx.store.create_user(username, password_hash, name, locale, ctx.clock())
    return await _new_device(ctx, user, device_name)


async def login(ctx: Context, username: str, password: str, device_name: str = "") -> Session:
    """Unknown user and wrong password fail alike, after the same amount of hashing."""
    found = await ctx.store.credentials(username)
    ok = await ctx.passwords.verify(None if found is None else found[1], password)
    if found is None or not ok:
        raise BadCredentials()
    return await _new_device(ctx, found[0], device_name)


async def authenticate(ctx: Context, token: str) -> Principal:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        raise InvalidToken()
    digest = hash_token(token)
    cached = ctx.tokens.get(digest)
    if cached is not None:
        return cached
    found = await ctx.store.device_for_token(digest)
    if found is None:
        raise InvalidToken()
    principal = Principal(*found)
    ctx.tokens.put(digest, principal)
    return principal


async def revoke_device(ctx: Context, me: Principal, device_id: DeviceId) -> None:
    """Log a device out (yours or, with its id, any of your devices): its token stops
    working and its open connections close, in every process."""
    await ctx.store.revoke_device(me.user_id, device_id)
    await announce_revoked(ctx, me.user_id, [device_id])


async def announce_revoked(ctx: Context, user_id: UserId, device_ids: Sequence[DeviceId]) -> None:
    """After the devices' rows are gone: forget their tokens here, and tell every process
    to forget them and close their connections."""
    messages: list[tuple[str, object]] = []
    for device_id in device_ids:
        ctx.tokens.evict_device(device_id)
        revoked = DeviceRevoked(device_id)
        messages += [(user_topic(user_id), revoked), (REVOCATIONS, revoked)]
    if messages:
        await ctx.bus.publish(messages)


def follow_revocations(ctx: Context) -> Subscription:
    """Evict devices revoked by other processes from this process's token cache at once
    (without it, a revoked token would work here until its cache entry expires)."""

    def evict(message: object) -> None:
        if isinstance(message, DeviceRevoked):
            ctx.tokens.evict_device(message.device_id)

    return ctx.bus.subscribe(REVOCATIONS, evict)


async def logout(ctx: Context, me: Principal) -> None:
    await revoke_device(ctx, me, me.device_id)


async def change_password(
    ctx: Context, me: Principal, old: str, new: str, *, log_out_others: bool = False
) -> list[DeviceId]:
    """Change my password (the old one proves it is me); with `log_out_others`, every
    other device of mine is logged out at once (its connections close). Returns those."""
    rules.check_password(new)
    if not await ctx.passwords.verify(await ctx.store.password_hash(me.user_id), old):
        raise BadCredentials("The current password is wrong.")
    hashed = await ctx.passwords.hash(new)
    keep = me.device_id if log_out_others else None
    revoked = await ctx.store.change_password(me.user_id, hashed, keep)
    await announce_revoked(ctx, me.user_id, revoked)
    return revoked


async def devices(ctx: Context, me: Principal) -> list[Device]:
    return await ctx.store.devices(me.user_id)


async def me(ctx: Context, me: Principal) -> User:
    return await ctx.store.user(me.user_id)


async def update_profile(
    ctx: Context,
    me: Principal,
    display_name: str | None,
    locale: str | None,
    avatar: str | None = None,
) -> User:
    """Change the name, language or picture. An avatar is an image `me` may see (normally
    one they uploaded); from then on anyone may fetch it, as profile pictures are public."""
    current = await ctx.store.user(me.user_id)
    if display_name is not None:
        display_name = rules.clean_display_name(display_name, fallback=current.username)
    if locale is not None:
        rules.check_locale(locale)
    if avatar is not None:
        await _check_avatar(ctx, me, avatar)
    return await ctx.write(
        ctx.store.update_profile(me.user_id, display_name, locale, avatar, ctx.clock())
    )


async def _check_avatar(ctx: Context, me: Principal, avatar: str) -> None:
    if not media_rules.MEDIA_ID_RE.fullmatch(avatar):
        raise MediaNotFound(media_id=avatar)
    found = (await ctx.store.visible_media(me.user_id, [MediaId(avatar)])).get(MediaId(avatar))
    if found is None:
        raise MediaNotFound(media_id=avatar)
    if found.kind is not MediaKind.IMAGE:
        raise MediaKindMismatch("An avatar must be an image.", media_id=avatar)


async def profile(ctx: Context, user_id: UserId) -> User:
    """Anyone's public profile (name, avatar, locale); never their contacts or chats."""
    return await ctx.store.user(user_id)


async def find_user(ctx: Context, username: str) -> User | None:
    """Exact lookup by username (no fuzzy search: people share their name to be found)."""
    if not rules.USERNAME_RE.fullmatch(username):
        return None
    return await ctx.store.user_by_name(username)
