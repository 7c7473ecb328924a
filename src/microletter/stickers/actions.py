"""Stickers' actions: save an image I can see, list in my order, reorder, remove."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microletter.actions.context import Context
from microletter.core.errors import MediaNotFound
from microletter.core.media import Media, MediaId, check_media_id
from microletter.core.models import Principal
from microletter.stickers.errors import StickerNotFound
from microletter.stickers.rules import check_sticker
from microletter.stickers.store import StickersStore


@dataclass
class Stickers:
    """The room as app.py builds it: the core's context and the room's store."""

    ctx: Context
    store: StickersStore


async def listed(room: Stickers, me: Principal) -> list[Media]:
    order = await room.store.ids(me.user_id)
    seen = await room.ctx.store.visible_media(me.user_id, order)
    return [seen[i] for i in order if i in seen]


async def save(room: Stickers, me: Principal, media_id: str) -> list[Media]:
    """Save an image I can see (I uploaded it, or a message I can see carries it)."""
    wanted = check_media_id(media_id)
    media = (await room.ctx.store.visible_media(me.user_id, [wanted])).get(wanted)
    if media is None:
        raise MediaNotFound(media_id=wanted)
    check_sticker(media, room.ctx.limits)
    await room.ctx.write(room.store.add(me.user_id, media, room.ctx.clock()))
    return await listed(room, me)


async def reorder(room: Stickers, me: Principal, media_ids: Sequence[str]) -> list[Media]:
    order = [check_media_id(m) for m in media_ids]
    await room.ctx.write(room.store.reorder(me.user_id, order, room.ctx.clock()))
    return await listed(room, me)


async def remove(room: Stickers, me: Principal, media_id: str) -> None:
    outcome = await room.store.remove(
        me.user_id, MediaId(check_media_id(media_id)), room.ctx.clock()
    )
    if not outcome.value:
        raise StickerNotFound(media_id=media_id)
    await room.ctx.publish(outcome)
