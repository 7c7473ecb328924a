"""Search's facade, on the one database (built in app.py): the searches, and the index
that the database keeps in its write transactions (`index`, given to `add_index`)."""

from __future__ import annotations

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Message
from microletter.ports import Database
from microletter.search.rules import Facet, Query
from microletter.search.store import index as _index
from microletter.search.store import queries as _queries
from microletter.storage import Facade, reads

__all__ = ["SearchStore"]


class SearchStore(Facade):
    _search = reads(_queries.search)
    messages = reads(_index.count_messages)

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.sqlite = db.dialect == "sqlite"
        self.index = _index.index_for(db)

    async def catch_up(self) -> int:
        """Index what sends queued (SQLite; nothing to do on PostgreSQL): how many."""
        done = 0
        for _ in range(20):  # sends outrun by far (100,000 queued): the rest next time
            if not (self.sqlite and await self.db.read(_index.has_pending)):
                break
            done += (await self.db.write(_index.drain, _index.BATCH)).value
        return done

    async def search(
        self,
        me: UserId,
        query: Query,
        cid: ConversationId | None,
        facet: Facet,
        before: int | None,
        limit: int,
    ) -> list[Message]:
        await self.catch_up()  # every message acknowledged before the search is found
        return await self._search(self.sqlite, me, query, cid, facet, before, limit)

    async def ensure_index(self) -> None:
        await _index.ensure_index(self.db)

    async def rebuild(self, progress: _index.Progress | None = None) -> int:
        return await _index.rebuild(self.db, progress)
