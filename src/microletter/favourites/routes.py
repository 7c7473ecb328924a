"""Favourites' /api/v1 routes: keep, list and search, remove ("Me → Favourites")."""

from __future__ import annotations

from microletter.core.errors import (
    ConversationNotFound,
    InvalidInput,
    MessageNotFound,
    NotMember,
    TooLarge,
)
from microletter.core.ids import ConversationId
from microletter.favourites import actions
from microletter.favourites.actions import Favourites
from microletter.favourites.errors import FavouriteNotFound
from microletter.favourites.rules import Favourite
from microletter.favourites.wire import (
    FavouriteReply,
    FavouritesQuery,
    FavouritesReply,
    FavouriteWire,
    KeepBody,
)
from microletter.gateway.api import Call, Router


def wire(f: Favourite) -> FavouriteWire:
    return FavouriteWire(
        f.id,
        f.kind,
        f.text,
        f.data,
        f.source_conversation_id,
        f.source_seq,
        f.source_sender_id,
        f.created_at,
    )


def routers(room: Favourites) -> list[Router]:
    router = Router("/api/v1", tags=["favourites"])

    @router.get("/favourites", rate=None)
    async def list_favourites(call: Call, query: FavouritesQuery) -> FavouritesReply:
        """Your favourites, newest first (50 a page, `before` an id); with `q`, those
        whose text, name or title contains it."""
        found = await actions.page(room, call.me, query.q, query.before)
        return FavouritesReply([wire(f) for f in found])

    @router.post(
        "/favourites",
        status=201,
        errors=[ConversationNotFound, NotMember, MessageNotFound, InvalidInput, TooLarge],
    )
    async def keep(call: Call, body: KeepBody) -> FavouriteReply:
        """Keep a message you can see (`conversation_id`, `seq`) or a link (`url`,
        `title`). The favourite is your own copy: a recall of the original keeps it."""
        if body.url is not None:
            if body.conversation_id is not None or body.seq is not None:
                raise InvalidInput("Keep a message or a link, not both.")
            return FavouriteReply(
                wire(await actions.keep_link(room, call.me, body.url, body.title))
            )
        if body.conversation_id is None or body.seq is None:
            raise InvalidInput("Name the message: conversation_id and seq.")
        kept = await actions.keep_message(
            room, call.me, ConversationId(body.conversation_id), body.seq
        )
        return FavouriteReply(wire(kept))

    @router.delete("/favourites/{favourite_id}", errors=[FavouriteNotFound])
    async def remove(call: Call, favourite_id: int) -> None:
        """Remove a favourite (on all your devices)."""
        await actions.remove(room, call.me, favourite_id)

    return [router]
