"""Stickers, pure: a user's own images, in the order they chose, sent as `sticker`
messages (core/kinds.py). Saving one makes the image the user's own upload, so it stays
theirs whatever becomes of the message it came from."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.errors import InvalidInput, MediaKindMismatch, TooLarge
from microletter.core.limits import Limits
from microletter.core.media import Media, MediaId, MediaKind

MAX_STICKERS = 300  # per user


def check_sticker(media: Media, limits: Limits) -> None:
    if media.kind is not MediaKind.IMAGE:
        raise MediaKindMismatch("Only images can be stickers.", media_id=media.id)
    if media.size > limits.max_sticker_bytes:
        raise TooLarge(
            "A sticker is a small image.", field="media_id", max_bytes=limits.max_sticker_bytes
        )


def check_room(count: int) -> None:
    if count >= MAX_STICKERS:
        raise TooLarge("You have too many stickers; remove some first.", max_items=MAX_STICKERS)


def check_order(wanted: Sequence[MediaId], current: Sequence[MediaId]) -> list[MediaId]:
    """A new order must name every sticker exactly once."""
    if len(wanted) != len(set(wanted)) or set(wanted) != set(current):
        raise InvalidInput("Name each of your stickers exactly once.", field="media_ids")
    return list(wanted)
