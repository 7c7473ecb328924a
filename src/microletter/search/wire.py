"""Search's request and reply bodies (msgspec), as the gateway's wire.py does it."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from microletter.core.models import Message

Before = Annotated[int, Meta(ge=1, le=2**63 - 1)]
Limit = Annotated[int, Meta(ge=1, le=50)]


class MessageSearchQuery(Struct, forbid_unknown_fields=True):
    """`q`: words or characters, all of which a message must have; `before`: the
    `next_before` of the page before; `limit`: 20 by default."""

    q: Annotated[str, Meta(max_length=400)] = ""
    before: Before | None = None
    limit: Limit | None = None


class ConversationSearchQuery(Struct, forbid_unknown_fields=True):
    """As MessageSearchQuery; `kind`: `text` (needs `q`), or `file`, `image`, `link` to list
    those (`q` optional)."""

    q: Annotated[str, Meta(max_length=400)] = ""
    kind: str = "text"
    before: Before | None = None
    limit: Limit | None = None


class SearchHit(Struct):
    """A message found: the message itself, a piece of its text around the first hit,
    the hits' [start, end) ranges in that piece (in code points), and its links."""

    message: Message
    snippet: str
    highlights: list[tuple[int, int]]
    links: list[str]


class MessageSearchReply(Struct):
    results: list[SearchHit]
    next_before: int | None  # the id to pass as `before` for more; null: no more
