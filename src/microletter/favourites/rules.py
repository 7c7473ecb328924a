"""Favourites, pure: what may be kept, and how a kept item looks.

A favourite is the user's own copy, made when they keep it: its text and data are copied
out of the message (so a recall of the original does not take it away) and its blob, if
any, becomes the user's own upload. Links are kept as a URL and a title."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import ConversationId, UserId
from microletter.core.kinds import check_forwardable
from microletter.core.models import Instant, JsonValue, Message, MessageKind

MAX_FAVOURITES = 10_000  # per user
MAX_URL = 2048
MAX_TITLE = 200
MAX_QUERY = 100
PAGE = 50


@dataclass(frozen=True, slots=True)
class Favourite:
    id: int
    kind: str  # a message kind, or "link"
    text: str | None
    data: dict[str, JsonValue] | None
    source_conversation_id: ConversationId | None
    source_seq: int | None
    source_sender_id: UserId | None
    created_at: Instant


def check_keepable(message: Message) -> None:
    """Anything a user can see and forward may be kept; never a recalled message or a
    system note."""
    check_forwardable(message)


def check_link(url: str, title: str) -> tuple[str, str]:
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("A link is an http(s) URL.", field="url")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise TooLarge("The title is too long.", field="title", max_length=MAX_TITLE)
    return url, title


def check_room(count: int) -> None:
    if count >= MAX_FAVOURITES:
        raise TooLarge(
            "You have kept too many favourites; remove some first.",
            max_items=MAX_FAVOURITES,
        )


def check_query(query: str) -> str:
    query = query.strip()
    if len(query) > MAX_QUERY:
        raise TooLarge("The search is too long.", field="q", max_length=MAX_QUERY)
    return query


def searchable(kind: MessageKind | str, text: str | None, data: dict[str, JsonValue] | None) -> str:
    """The text a search of favourites looks in: the text, and what a card or a file
    shows (a file's name, a place, a link's title, a chat history's lines)."""
    parts = [text or ""]
    stack: list[JsonValue] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key in ("name", "title", "text", "display_name", "address", "url", "description"):
                found = value.get(key)
                if isinstance(found, str):
                    parts.append(found)
            stack.extend(v for k, v in value.items() if k in ("items", "data", "media", "articles"))
        elif isinstance(value, list):
            stack.extend(value)
    return " ".join(p for p in parts if p).casefold()[:4000]


def contains(query: str) -> str:
    """A LIKE pattern (escape `!`) for search text that contains `query`, casefolded."""
    escaped = query.casefold().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"
