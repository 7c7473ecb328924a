"""Search of message history, a feature room: full-text search on the server, on both
databases, for Chinese and Japanese (by characters and bigrams) and space-separated
languages (by words), showing a person only what they may read.

rules.py and errors.py (pure: the tokeniser, queries, snippets), store/ (the index kept in
every message write, its rebuild, the searches), indexer.py (SQLite's background
indexing), actions.py, routes.py and wire.py. app.py adds the index to the database
(`add_index`), rebuilds it if needed at start, runs the indexer and mounts the routes;
`admin import` rebuilds it (dumps leave it out: `DERIVED`)."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.search.actions import Search
from microletter.search.indexer import Indexer
from microletter.search.routes import routers
from microletter.search.rules import VERSION
from microletter.search.store import SearchStore

__all__ = ["DERIVED", "VERSION", "Search", "SearchStore", "mount", "open_room", "routers"]

# Tables made from others, which dumps leave out and an import rebuilds: the index
# (SQLite's FTS5 table comes with shadow tables named after it).
DERIVED = ("message_search", "search_pending")


def mount(app: web.Application, room: Search) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context) -> Search:
    """The room on the context's database, whose write transactions now keep its index."""
    store = SearchStore(ctx.store.db)
    ctx.store.db.add_index(store.index)
    return Search(ctx, store, Indexer(store))
