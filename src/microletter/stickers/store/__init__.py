"""Stickers' facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.stickers.store import queries as _queries
from microletter.storage import Facade, reads, writes

__all__ = ["StickersStore"]


class StickersStore(Facade):
    ids = reads(_queries.ids)
    add = writes(_queries.add)
    remove = writes(_queries.remove)
    reorder = writes(_queries.reorder)
