"""Stickers, a feature room: a user's own images, saved from any image they can see,
in the order they chose, sent as `sticker` messages (core/kinds.py).

rules.py and errors.py (pure), store/ (units of work and their facade), actions.py,
routes.py and wire.py. app.py builds it on the one database and mounts its routes."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.stickers.actions import Stickers
from microletter.stickers.routes import routers
from microletter.stickers.store import StickersStore
from microletter.stickers.store.queries import REFERRERS

__all__ = ["REFERRERS", "Stickers", "StickersStore", "mount", "open_room", "routers"]


def mount(app: web.Application, room: Stickers) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context) -> Stickers:
    return Stickers(ctx, StickersStore(ctx.store.db))
