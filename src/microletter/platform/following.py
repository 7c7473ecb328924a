"""A person and official accounts: find one (search, QR code), see its profile and menu,
follow and unfollow it, press its menu buttons, and read its broadcasts.

Following opens the person's conversation with the account (delivered through the
normal sync); the account's webhook hears subscribe, unsubscribe, SCAN, CLICK and VIEW.
"""

from __future__ import annotations

from dataclasses import dataclass

from microletter.core.errors import InvalidInput, NotFollowing
from microletter.core.ids import ConversationId, UserId
from microletter.core.menus import Press, press
from microletter.core.models import ChannelPost, Principal
from microletter.core.officials import Follower, OfficialAccount, QrCode
from microletter.platform.context import Platform

SCENES = {
    "search": "ADD_SCENE_SEARCH",
    "profile": "ADD_SCENE_PROFILE_CARD",
    "link": "ADD_SCENE_PROFILE_LINK",
    "other": "ADD_SCENE_OTHERS",
}
MAX_QUERY = 64


@dataclass(frozen=True, slots=True)
class Profile:
    """An account as one person sees it."""

    account: OfficialAccount
    follower: Follower | None
    conversation_id: ConversationId | None

    @property
    def following(self) -> bool:
        return self.follower is not None and self.follower.following


async def search(p: Platform, query: str, limit: int = 20) -> list[OfficialAccount]:
    query = query.strip()
    if not 1 <= len(query) <= MAX_QUERY:
        raise InvalidInput(f"Search for 1 to {MAX_QUERY} characters.", field="q")
    return await p.store.search_accounts(query, max(1, min(limit, 50)))


async def profile(p: Platform, me: Principal, account_id: UserId) -> Profile:
    account = await p.store.account(account_id)
    follower = await p.store.follower(account_id, me.user_id)
    cid = await p.store.conversation_with(account_id, me.user_id)
    return Profile(account, follower, cid)


async def following(p: Platform, me: Principal) -> list[OfficialAccount]:
    return [await p.store.account(a) for a in await p.store.followed(me.user_id)]


async def follow(
    p: Platform, me: Principal, account_id: UserId, how: str = "profile"
) -> ConversationId:
    """Follow (nothing changes if you already do); returns the conversation."""
    if how not in SCENES:
        raise InvalidInput(f"`scene` is one of {', '.join(SCENES)}.", field="scene")
    outcome = await p.store.follow(account_id, me.user_id, SCENES[how], None, p.now())
    await p.publish(outcome)
    return outcome.value


async def unfollow(p: Platform, me: Principal, account_id: UserId) -> None:
    outcome = await p.store.unfollow(account_id, me.user_id, p.now())
    await p.publish(outcome)


async def resolve_qr(p: Platform, ticket: str) -> tuple[QrCode, OfficialAccount]:
    """What a scanned code is, without acting on it."""
    code = await p.store.qrcode(ticket, p.now())
    return code, await p.store.account(code.account_id)


async def scan(p: Platform, me: Principal, ticket: str) -> tuple[OfficialAccount, ConversationId]:
    """Act on a scanned code: follow with its scene, or (already following) SCAN."""
    code, account = await resolve_qr(p, ticket)
    qr = code if code.scene else None  # an account's own profile code has no scene
    outcome = await p.store.follow(account.id, me.user_id, "ADD_SCENE_QR_CODE", qr, p.now())
    await p.publish(outcome)
    return account, outcome.value


async def press_button(p: Platform, me: Principal, account_id: UserId, path: list[int]) -> Press:
    """Press a button of the account's current menu; a `view` button's URL comes back
    for the client to open."""
    account = await p.store.account(account_id)
    pressed = press(account.menu, path)
    outcome = await p.store.press(account_id, me.user_id, pressed.event, pressed.key, p.now())
    await p.publish(outcome)
    return pressed


async def broadcasts(
    p: Platform, me: Principal, account_id: UserId, after: int, limit: int
) -> list[ChannelPost]:
    return await p.ctx.store.channel_posts(me.user_id, account_id, after, max(1, min(limit, 100)))


async def read_broadcasts(p: Platform, me: Principal, account_id: UserId, seq: int) -> int:
    follower = await p.store.follower(account_id, me.user_id)
    if follower is None or not follower.following:
        raise NotFollowing(account_id=account_id)
    return await p.ctx.store.mark_channel_read(me.user_id, account_id, seq)
