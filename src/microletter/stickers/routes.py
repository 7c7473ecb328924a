"""Stickers' /api/v1 routes: list, save, reorder, remove."""

from __future__ import annotations

from microletter.core.errors import InvalidInput, MediaKindMismatch, MediaNotFound, TooLarge
from microletter.gateway.api import Call, Router
from microletter.stickers import actions
from microletter.stickers.actions import Stickers
from microletter.stickers.errors import StickerNotFound
from microletter.stickers.wire import OrderBody, StickerBody, StickersReply


def routers(room: Stickers) -> list[Router]:
    router = Router("/api/v1", tags=["stickers"])

    @router.get("/stickers", rate=None)
    async def list_stickers(call: Call) -> StickersReply:
        """Your stickers, in your order (each a Media: send it as a `sticker` message)."""
        return StickersReply(await actions.listed(room, call.me))

    @router.post("/stickers", errors=[MediaNotFound, MediaKindMismatch, TooLarge])
    async def save_sticker(call: Call, body: StickerBody) -> StickersReply:
        """Save an image you can see as a sticker (last in your order): it becomes your
        own, whatever becomes of the message it came from. Saving it again changes nothing."""
        return StickersReply(await actions.save(room, call.me, body.media_id))

    @router.put("/stickers/order", errors=[InvalidInput])
    async def reorder_stickers(call: Call, body: OrderBody) -> StickersReply:
        """Put your stickers in this order (name each exactly once)."""
        return StickersReply(await actions.reorder(room, call.me, body.media_ids))

    @router.delete("/stickers/{media_id}", errors=[StickerNotFound])
    async def remove_sticker(call: Call, media_id: str) -> None:
        """Remove a sticker (the image stays wherever it was sent)."""
        await actions.remove(room, call.me, media_id)

    return [router]
