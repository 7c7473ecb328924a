"""Mini apps, a feature room: H5 apps that official accounts register and the web client
runs in a sandboxed frame, the JS-SDK bridge (WeChat's `wx` object over postMessage),
wx.login() with /sns/jscode2session, app cards in chats, and games: players' records,
friend and group rankings drawn by the client, "beaten" notices (docs/miniapps.md).

rules/ and errors.py (pure: registrations, JS-safe pages, frame sources, codes, cards;
`rules/games.py`: records, signatures, periods, rankings), store/ (`MiniAppStore`),
actions.py and games.py, routes.py, gameroutes.py and wire.py (/api/v1), protocol.py
(/sns/jscode2session, /wxa/set_user_storage and /wxa/remove_user_storage, and the
jweixin script, jweixin.js). It stands on the platform (apps
belong to official accounts, whose jsapi tickets sign wx.config), through its door.
app.py builds it, mounts its paths and gives the gateway its `frame_sources` (the
shell's CSP allows frames from registered domains only).
"""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.miniapps.actions import MiniApps, frame_sources, media_grant
from microletter.miniapps.gameroutes import routers as game_routers
from microletter.miniapps.protocol import Limit
from microletter.miniapps.protocol import mount as mount_protocol
from microletter.miniapps.routes import routers
from microletter.miniapps.store import REFERRERS, MiniAppStore
from microletter.platform import Platform

__all__ = ["REFERRERS", "MiniApps", "frame_sources", "mount", "open_room"]


def mount(app: web.Application, room: MiniApps, limit: Limit) -> list[Router]:
    """Add /sns/jscode2session and the jweixin script to `app`; return the /api/v1 routers."""
    mount_protocol(app, room, limit)
    return [*routers(room), *game_routers(room)]


def open_room(ctx: Context, platform: Platform) -> MiniApps:
    """The room on the context's database, its media grant registered (an account fetches
    what its apps' pages uploaded with uploadImage)."""
    room = MiniApps(ctx, MiniAppStore(ctx.store.db), platform)
    ctx.media.grants.append(media_grant(room))
    return room
