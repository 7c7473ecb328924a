"""Favourites' actions: keep a message or a link, remove, list and search. Each keeps the
user's own copy (rules.py) and tells their devices (a `collection` event)."""

from __future__ import annotations

from dataclasses import dataclass

from microletter.actions.context import Context
from microletter.core.ids import ConversationId
from microletter.core.kinds import carried_media
from microletter.core.media import Media, MediaId, media_kind_of
from microletter.core.models import Principal
from microletter.favourites.errors import FavouriteNotFound
from microletter.favourites.rules import (
    Favourite,
    check_keepable,
    check_link,
    check_query,
    searchable,
)
from microletter.favourites.store import FavouritesStore


@dataclass
class Favourites:
    """The room as app.py builds it: the core's context and the room's store."""

    ctx: Context
    store: FavouritesStore


async def keep_message(room: Favourites, me: Principal, cid: ConversationId, seq: int) -> Favourite:
    """Keep a copy of a message I can see: it survives a recall of the original."""
    message = await room.ctx.store.message(me.user_id, cid, seq)
    check_keepable(message)
    ids: list[MediaId] = carried_media(message.kind, message.data)
    media = (message.data or {}).get("media")
    if media_kind_of(message.kind) is not None and isinstance(media, dict):
        ids.insert(0, MediaId(str(media["id"])))
    seen = await room.ctx.store.visible_media(me.user_id, ids)
    blobs: list[Media] = [seen[i] for i in ids if i in seen]
    return await room.ctx.write(
        room.store.keep(
            me.user_id,
            message.kind.value,
            message.text,
            message.data,
            (cid, seq, message.sender_id),
            blobs,
            searchable(message.kind, message.text, message.data),
            room.ctx.clock(),
        )
    )


async def keep_link(room: Favourites, me: Principal, url: str, title: str) -> Favourite:
    url, title = check_link(url, title)
    data = {"url": url, "title": title}
    outcome = await room.store.keep(
        me.user_id,
        "link",
        None,
        dict(data),
        None,
        [],
        searchable("link", None, dict(data)),
        room.ctx.clock(),
    )
    await room.ctx.publish(outcome)
    return outcome.value


async def remove(room: Favourites, me: Principal, favourite_id: int) -> None:
    outcome = await room.store.remove(me.user_id, favourite_id, room.ctx.clock())
    if not outcome.value:
        raise FavouriteNotFound(favourite_id=favourite_id)
    await room.ctx.publish(outcome)


async def page(
    room: Favourites, me: Principal, query: str = "", before: int | None = None
) -> list[Favourite]:
    return await room.store.page(me.user_id, check_query(query), before)
