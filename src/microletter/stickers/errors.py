"""Stickers' errors, in the one error tree (core/errors.py).

NotFound                              not_found
└── StickerNotFound                   sticker.not_found
"""

from __future__ import annotations

from microletter.core.errors import NotFound


class StickerNotFound(NotFound):
    code = "sticker.not_found"
    hint = "That image is not among your stickers."
