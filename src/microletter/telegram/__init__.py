"""Telegram's Bot API, a feature room: bots are users of the server, and bots written
with python-telegram-bot or aiogram run unchanged against /bot<token>/METHOD
(docs/platform.md, "Telegram bots").

rules.py and errors.py (pure: tokens, privacy mode, chat numbering), params.py and
objects.py (pure: the API's parameters and objects), store.py, actions.py (updates from
the bot's own log), methods.py (the method table), pusher.py (webhooks), routes.py and
wire.py. app.py builds it on the one database and mounts it."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.platform import WebhookClient
from microletter.telegram.actions import Bots
from microletter.telegram.methods import METHODS
from microletter.telegram.pusher import Pusher
from microletter.telegram.routes import Limit, mount_bot_api, routers
from microletter.telegram.store import BotStore

__all__ = ["METHODS", "Bots", "Pusher", "mount", "open_room"]


def mount(app: web.Application, room: Bots, limit: Limit) -> list[Router]:
    """Add /bot<token>/METHOD and /file/bot<token>/...; return the console's routers."""
    mount_bot_api(app, room, limit)
    return routers(room)


def open_room(ctx: Context, webhooks: WebhookClient) -> tuple[Bots, Pusher]:
    """The room on the context's database, and its webhook pusher (app.py starts it)."""
    room = Bots(ctx, BotStore(ctx.store.db), webhooks)
    pusher = Pusher(room, ctx.store.db.lease("telegram-webhooks"))
    room.on_webhook_change = pusher.changed
    return room, pusher
