"""Mini apps' room object (`MiniApps`) and its actions: registration (the developer
console), Discover's list, a page's wx.config, wx.login() and /sns/jscode2session, app
cards shared into chats and the share tickets that name a group to an app.

Writes go through the room's store in one unit of work each; a shared card is a message
posted in that unit of work and published after the commit.
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microletter.actions import conversations
from microletter.actions.context import Context, MediaGrant
from microletter.actions.media import visible_media
from microletter.core.errors import MediaNotFound
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import Media, MediaId, MediaKind, check_media_id
from microletter.core.messages import Draft, check_client_msg_id
from microletter.core.models import ConversationKind, Instant, Message, MessageKind, Principal
from microletter.miniapps import rules
from microletter.miniapps.errors import (
    AppIdMismatch,
    AppNotFound,
    PageNotJsSafe,
    ShareTicketInvalid,
)
from microletter.miniapps.rules import AppId, MiniApp
from microletter.miniapps.store import MiniAppStore
from microletter.platform import (
    OfficialAccount,
    Platform,
    account_by_id,
    account_image,
    account_voice,
    account_with_secret,
    check_js_config,
    openid_for,
    openid_of,
    owned_account,
    unionid_of,
)

FRAMES_TTL = 2.0  # seconds the shell's frame-src may lag a registration (any process)


@dataclass
class MiniApps:
    """The room as app.py builds it: the core's context, its store, and the platform
    (apps belong to official accounts; their tickets sign wx.config)."""

    ctx: Context
    store: MiniAppStore
    platform: Platform
    random: Callable[[int], bytes] = field(default=secrets.token_bytes)
    _frames: tuple[float, str] = (0.0, "'none'")

    def now(self) -> Instant:
        return self.ctx.clock()

    def token(self, size: int = 24) -> str:
        return base64.urlsafe_b64encode(self.random(size)).decode().rstrip("=")


# --- registration (the console) ---


async def register(
    room: MiniApps,
    me: Principal,
    account_id: UserId,
    name: str,
    icon: str,
    entry_url: str,
    domains: Sequence[str],
    own_hosts: Sequence[str],
) -> MiniApp:
    account = await owned_account(room.platform, me, account_id)
    draft = rules.check_app(name, icon, entry_url, domains, own_hosts)
    made = await room.store.add_app(account.id, draft, room.now())
    room._frames = (0.0, room._frames[1])  # this process shows it at once
    return made


async def update(
    room: MiniApps,
    me: Principal,
    account_id: UserId,
    app_id: AppId,
    name: str,
    icon: str,
    entry_url: str,
    domains: Sequence[str],
    own_hosts: Sequence[str],
) -> MiniApp:
    account = await owned_account(room.platform, me, account_id)
    draft = rules.check_app(name, icon, entry_url, domains, own_hosts)
    changed = await room.store.update_app(account.id, app_id, draft, room.now())
    room._frames = (0.0, room._frames[1])
    return changed


async def remove(room: MiniApps, me: Principal, account_id: UserId, app_id: AppId) -> None:
    account = await owned_account(room.platform, me, account_id)
    await room.store.remove_app(account.id, app_id)
    room._frames = (0.0, room._frames[1])


async def apps_of(room: MiniApps, me: Principal, account_id: UserId) -> list[MiniApp]:
    account = await owned_account(room.platform, me, account_id)
    return await room.store.apps_of(account.id)


# --- people ---


async def listed(room: MiniApps) -> list[MiniApp]:
    return await room.store.listed_apps()


async def app(room: MiniApps, app_id: AppId) -> tuple[MiniApp, OfficialAccount]:
    """An app people may run: one whose account is open (a suspended developer's apps
    answer as gone, as Discover leaves them out)."""
    found = await room.store.app(app_id)
    account = await account_by_id(room.platform, found.account_id)
    if account.restricted:
        raise AppNotFound(app_id=app_id)
    return found, account


async def frame_sources(room: MiniApps) -> str:
    """The shell's CSP `frame-src`: every registered JS-safe domain (cached briefly)."""
    at, value = room._frames
    if time.monotonic() - at > FRAMES_TTL:
        value = rules.frame_sources(await room.store.all_domains())
        room._frames = (time.monotonic(), value)
    return value


@dataclass(frozen=True, slots=True)
class Configured:
    app: MiniApp
    granted: tuple[str, ...]
    unsupported: tuple[str, ...]


async def js_config(
    room: MiniApps,
    app_id: AppId,
    url: str,
    appid: str,
    noncestr: str,
    timestamp: str,
    signature: str,
    js_api_list: object,
) -> Configured:
    """A page's wx.config, checked as WeChat checks it: the page is on a JS-safe domain of
    the app, `appid` is its account's, and the signature was made with one of the
    account's live jsapi tickets for this URL, nonceStr and timestamp."""
    found, account = await app(room, app_id)
    asked = rules.check_js_api_list(js_api_list)
    if not rules.is_js_safe(found, url):
        raise PageNotJsSafe(url=url[:200])
    if appid != account.appid:
        raise AppIdMismatch(appid=appid[:64])
    await check_js_config(room.platform, appid, noncestr, timestamp, url, signature)
    granted = rules.granted_apis(asked)
    return Configured(found, granted, tuple(a for a in asked if a not in rules.SUPPORTED_APIS))


# --- wx.login() and /sns/jscode2session ---


async def login(room: MiniApps, me: Principal, app_id: AppId) -> str:
    """A code for the app's server to exchange (once, within 5 minutes)."""
    found, _ = await app(room, app_id)
    code = room.token(24)
    await room.store.issue_code(
        found.id, me.user_id, rules.code_hash(code), room.now(), rules.CODE_MS
    )
    return code


async def code_to_session(room: MiniApps, appid: str, secret: str, js_code: str) -> dict[str, Any]:
    """What /sns/jscode2session answers: the person's OpenID and UnionID towards the
    account, and a fresh session key for the app (WeChat's shape)."""
    account = await account_with_secret(room.platform, appid, secret)
    key = base64.b64encode(room.random(16)).decode()
    code = await room.store.spend_code(
        account.id,
        rules.code_hash(js_code),
        key,
        room.now(),
        # A pure function of the key, not a closure over the platform: the unit of work
        # may run in another process (the SQLite writer of `serve --workers N`).
        functools.partial(openid_for, room.platform.key, account.id),
    )
    return {
        "openid": openid_of(room.platform, account.id, code.user_id),
        "session_key": key,
        "unionid": unionid_of(room.platform, account, code.user_id),
    }


# --- uploadImage, uploadVoice ---

PAGE_MEDIA = {"image": MediaKind.IMAGE, "voice": MediaKind.VOICE}


async def upload(
    room: MiniApps, me: Principal, app_id: AppId, media_id: str, kind: str = "image"
) -> MediaId:
    """Let the app's account fetch a picture or recording I uploaded (its serverId) for 3
    days, at /cgi-bin/media/get; MediaNotFound unless it is mine and of `kind`."""
    found, _ = await app(room, app_id)
    mid = check_media_id(media_id)
    seen = (await visible_media(room.ctx, me.user_id, [mid])).get(mid)
    if seen is None or seen.kind is not PAGE_MEDIA.get(kind):
        raise MediaNotFound(media_id=media_id)
    await room.store.keep_upload(found.account_id, found.id, me.user_id, mid, room.now())
    return mid


# --- downloadImage, downloadVoice ---


async def download(
    room: MiniApps, me: Principal, app_id: AppId, server_id: str, kind: str = "image"
) -> tuple[Media, Path]:
    """wx.downloadImage / wx.downloadVoice: a picture or recording the app's account
    uploaded (/cgi-bin/media/upload of type `kind`, its serverId), for my client to hand
    the page as a local resource."""
    found, _ = await app(room, app_id)
    fetch = account_voice if kind == "voice" else account_image
    return await fetch(room.platform, found.account_id, server_id[:128])


def media_grant(room: MiniApps) -> MediaGrant:
    """Which of these blobs an account may fetch because a page of its apps uploaded them
    (the media room asks every room's grant: /cgi-bin/media/get, signed links)."""

    async def grant(user: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        by = await room.store.uploaders(user, ids, room.now())
        found: dict[MediaId, Media] = {}
        for uploader in set(by.values()):
            mine = [m for m, u in by.items() if u == uploader]
            found.update(await room.ctx.store.visible_media(uploader, mine))
        return found

    return grant


# --- cards and groups ---


async def share(
    room: MiniApps,
    me: Principal,
    app_id: AppId,
    cid: ConversationId,
    title: object,
    path: object,
    image_url: object,
    client_msg_id: str,
) -> Message:
    """Post the app's card into a conversation of mine, as me."""
    found, _ = await app(room, app_id)
    card = rules.check_share(found, title, path, image_url)
    draft = Draft(
        cid,
        me.user_id,
        check_client_msg_id(client_msg_id, room.ctx.limits),
        MessageKind.APP,
        None,
        data=rules.card_data(found, card),
    )
    outcome = await room.ctx.store.post_message(draft, room.now())
    if outcome.entries or outcome.streamed:  # not a repeat of client_msg_id
        await room.ctx.publish(outcome)
    return outcome.value


async def share_ticket(room: MiniApps, me: Principal, app_id: AppId, cid: ConversationId) -> str:
    """A ticket naming the group I opened a card of the app in (a group of mine)."""
    view = await conversations.conversation(room.ctx, me, cid)
    if view.conversation.kind is not ConversationKind.GROUP:
        raise ShareTicketInvalid("Share tickets name groups.")
    found, _ = await app(room, app_id)
    ticket = room.token(24)
    await room.store.issue_share_ticket(
        ticket, found.id, me.user_id, cid, room.now(), rules.SHARE_TICKET_MS
    )
    return ticket


async def share_info(room: MiniApps, me: Principal, app_id: AppId, ticket: str) -> dict[str, str]:
    """wx.getShareInfo: {encryptedData, iv}, the group's openGId sealed with my session
    key for the app (AES-128-CBC, as WeChat's), which only the app's server can open."""
    found, _ = await app(room, app_id)
    cid = await room.store.share_ticket(ticket, found.id, me.user_id, room.now())
    await conversations.conversation(room.ctx, me, cid)  # still a member
    key = await room.store.session_key(found.id, me.user_id)
    if key is None:
        raise ShareTicketInvalid("Log in first: wx.login(), then your server's jscode2session.")
    account = await account_by_id(room.platform, found.account_id)
    plain = {
        "openGId": rules.open_gid(room.platform.key, found.account_id, cid),
        "watermark": {"appid": account.appid, "timestamp": room.now() // 1000},
    }
    iv = room.random(16)
    sealed = _seal(base64.b64decode(key), iv, json.dumps(plain).encode())
    return {"encryptedData": base64.b64encode(sealed).decode(), "iv": base64.b64encode(iv).decode()}


def _seal(key: bytes, iv: bytes, data: bytes) -> bytes:
    # Imported here: cryptography's bindings cost time at start, and few servers share.
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()
