"""Moments, a feature room: the social feed with WeChat's privacy rules, contact tags and
notices (docs/moments.md).

rules.py and errors.py (pure: who sees what), values.py, store/ (units of work and their
facade), actions.py (and the room's media grant and log resolver), routes.py and wire.py.
app.py builds it on the one database, mounts its routes and registers its hooks."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.moments.actions import FetchUrl, Moments, media_grant, resolve_log
from microletter.moments.routes import routers
from microletter.moments.store import REFERRERS, MomentsStore

__all__ = ["REFERRERS", "FetchUrl", "Moments", "MomentsStore", "mount", "open_room", "routers"]


def mount(app: web.Application, room: Moments) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, fetch_url: FetchUrl | None = None) -> Moments:
    """The room on the context's database, its media grant and log resolver registered
    (so a post's media and a notice in the log follow the room's rules). `fetch_url`
    fetches link cards' pictures (under an SSRF guard); without it, cards given only a
    picture URL go without a picture."""
    room = Moments(ctx, MomentsStore(ctx.store.db), fetch_url)
    ctx.media.grants.append(media_grant(room))
    ctx.resolvers.append(lambda user, entries: resolve_log(room, user, entries))
    return room
