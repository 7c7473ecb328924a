"""A person and official accounts: find one (search, QR code), see its profile and menu,
follow and unfollow it, press its menu buttons, and read its broadcasts.

Following opens the person's conversation with the account (delivered through the
normal sync); the account's webhook hears subscribe, unsubscribe, SCAN, CLICK and VIEW.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from microletter.core.errors import InvalidInput, NotFollowing
from microletter.core.events import AccountEvent, Outcome
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import ChannelPost, MessageKind, Principal
from microletter.platform import sending
from microletter.platform.context import Platform
from microletter.platform.rules.menus import Press, press
from microletter.platform.rules.officials import Follower, OfficialAccount, QrCode

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
    """The account as `me` sees it: with the menu that matches them (conditional menus)."""
    account = await p.store.account(account_id)
    if account.menu:
        account = replace(account, menu=await p.store.menu_seen_by(account_id, me.user_id))
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
    await welcome(p, account_id, me.user_id, outcome)
    return outcome.value


async def welcome(
    p: Platform, account_id: UserId, uid: UserId, outcome: Outcome[ConversationId]
) -> None:
    """A new follower of an account without a webhook gets its on-follow auto-reply (with
    a webhook, the developer's code answers `subscribe` itself). Once per follow: the
    message's client_msg_id names the subscribe's log entry."""
    subscribed = [
        e for e in outcome.entries
        if isinstance(e.event, AccountEvent) and e.event.event == "subscribe"
    ]  # fmt: skip
    if not subscribed:
        return
    account = await p.store.account(account_id)
    settings = await p.store.autoreplies(account_id)
    if account.webhook_url or settings.on_follow is None:
        return
    said = sending.Content(MessageKind.TEXT, settings.on_follow)
    await sending.say(p, account, uid, f"welcome:{subscribed[0].seq}", said)


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
    await welcome(p, account.id, me.user_id, outcome)
    return account, outcome.value


async def press_button(
    p: Platform, me: Principal, account_id: UserId, path: list[int]
) -> tuple[Press, bool]:
    """Press a button of the menu `me` sees (the default or a conditional one); a `view`
    button's URL comes back for the client to open, with whether the account can answer (it
    has a webhook to hear the press; without one, a CLICK goes nowhere and the client should
    say so)."""
    account = await p.store.account(account_id)
    pressed = press(await p.store.menu_seen_by(account_id, me.user_id), path)
    outcome = await p.store.press(account_id, me.user_id, pressed.event, pressed.key, p.now())
    await p.publish(outcome)
    return pressed, account.webhook_url is not None


async def broadcasts(
    p: Platform, me: Principal, account_id: UserId, after: int, limit: int
) -> list[ChannelPost]:
    return await p.ctx.store.channel_posts(me.user_id, account_id, after, max(1, min(limit, 100)))


async def read_broadcasts(p: Platform, me: Principal, account_id: UserId, seq: int) -> int:
    follower = await p.store.follower(account_id, me.user_id)
    if follower is None or not follower.following:
        raise NotFollowing(account_id=account_id)
    return await p.ctx.store.mark_channel_read(me.user_id, account_id, seq)
