"""Favourites ("Me → Favourites"), a feature room: a user keeps copies of messages
(text, images, files, voice, locations, cards, chat histories) and links, synced to all
their devices, searchable, and kept even when the original is recalled.

rules.py and errors.py (pure), store/ (units of work and their facade), actions.py,
routes.py and wire.py. app.py builds it on the one database and mounts its routes."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.favourites.actions import Favourites
from microletter.favourites.routes import routers
from microletter.favourites.store import FavouritesStore
from microletter.favourites.store.queries import REFERRERS
from microletter.gateway.api import Router

__all__ = ["REFERRERS", "Favourites", "FavouritesStore", "mount", "open_room", "routers"]


def mount(app: web.Application, room: Favourites) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context) -> Favourites:
    return Favourites(ctx, FavouritesStore(ctx.store.db))
