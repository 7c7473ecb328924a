"""Favourites' facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.favourites.store import queries as _queries
from microletter.storage import Facade, reads, writes

__all__ = ["FavouritesStore"]


class FavouritesStore(Facade):
    keep = writes(_queries.keep)
    remove = writes(_queries.remove)
    page = reads(_queries.page)
