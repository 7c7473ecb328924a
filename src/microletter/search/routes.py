"""Search's /api/v1 routes: every conversation of mine, or one (text, files, images,
links). Rate-limited per user on their own budget ("search"): a search reads more than a
send does."""

from __future__ import annotations

from microletter.core.errors import ConversationNotFound, InvalidInput, NotMember
from microletter.core.ids import ConversationId
from microletter.gateway.api import Call, Router
from microletter.search import actions
from microletter.search.actions import Hit, Search
from microletter.search.errors import EmptyQuery, QueryTooLong
from microletter.search.rules import PAGE, Facet
from microletter.search.wire import (
    ConversationSearchQuery,
    MessageSearchQuery,
    MessageSearchReply,
    SearchHit,
)


def reply(hits: list[Hit], limit: int) -> MessageSearchReply:
    results = [SearchHit(h.message, h.snippet, h.highlights, h.links) for h in hits]
    more = len(hits) == limit and hits
    return MessageSearchReply(results, hits[-1].message.id if more else None)


def routers(room: Search) -> list[Router]:
    router = Router("/api/v1", tags=["search"])

    @router.get("/search", rate="search", errors=[EmptyQuery, QueryTooLong])
    async def search_messages(call: Call, query: MessageSearchQuery) -> MessageSearchReply:
        """Search the messages of all your conversations, newest first.

        Chinese and Japanese are found by one or more characters, other languages by
        words (the last one of `q` as a prefix). Only what you may read: not from before
        you joined, nor recalled, nor deleted or cleared for you, nor of groups you left."""
        limit = query.limit or PAGE
        hits = await actions.search(room, call.me, query.q, before=query.before, limit=limit)
        return reply(hits, limit)

    @router.get(
        "/conversations/{cid}/search",
        rate="search",
        errors=[ConversationNotFound, NotMember, EmptyQuery, QueryTooLong, InvalidInput],
    )
    async def search_conversation(
        call: Call, cid: int, query: ConversationSearchQuery
    ) -> MessageSearchReply:
        """Search one conversation's messages (`kind=text`), or list its files, images or
        links (`kind=file|image|link`, optionally with `q`), newest first."""
        try:
            facet = Facet(query.kind)
        except ValueError:
            raise InvalidInput("kind is text, file, image or link.", field="kind") from None
        limit = query.limit or PAGE
        hits = await actions.search(
            room, call.me, query.q, ConversationId(cid), facet, query.before, limit
        )
        return reply(hits, limit)

    return [router]
