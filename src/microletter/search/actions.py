"""Search's actions: search all my conversations, or one, for text; list a conversation's
files, images and links. Reads only: the index is written by the message writes
themselves (store/index.py)."""

from __future__ import annotations

from dataclasses import dataclass

from microletter.actions.context import Context
from microletter.core.ids import ConversationId
from microletter.core.models import Message, Principal
from microletter.search.indexer import Indexer
from microletter.search.rules import (
    MAX_PAGE,
    PAGE,
    Facet,
    check_query,
    links_in,
    searchable_text,
    snippet,
)
from microletter.search.store import SearchStore


@dataclass
class Search:
    """The room as app.py builds it: the core's context, the room's store and its
    background indexer (SQLite)."""

    ctx: Context
    store: SearchStore
    indexer: Indexer


@dataclass(frozen=True, slots=True)
class Hit:
    message: Message
    snippet: str
    highlights: list[tuple[int, int]]
    links: list[str]


async def search(
    room: Search,
    me: Principal,
    q: str,
    cid: ConversationId | None = None,
    facet: Facet = Facet.TEXT,
    before: int | None = None,
    limit: int = PAGE,
) -> list[Hit]:
    """Messages I may read with every word of `q`, newest first (`before`: a message id,
    the page after the last one shown); of one conversation with `cid`, where `facet`
    lists its files, images or links (then `q` may be empty)."""
    query = check_query(q, required=facet is Facet.TEXT or cid is None)
    found = await room.store.search(
        me.user_id, query, cid, facet, before, max(1, min(limit, MAX_PAGE))
    )
    hits = []
    for message in found:
        text = searchable_text(message.kind, message.text, message.data)
        piece, spans = snippet(text, query)
        hits.append(Hit(message, piece, spans, links_in(message.text)))
    return hits
