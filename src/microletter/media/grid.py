"""A group's avatar: the pictures of its first members in a grid, as WeChat draws it
(one to nine tiles on a light square: 2 side by side, 3 as one over two, 4 as 2 x 2, up
to 9 as 3 x 3, a short top row centred). A member without a picture gets a coloured tile
with a silhouette (no font, so no script is left out).

Runs in a decoder process (media.decoders), like media.images: the tiles it reads are
our own thumbnails, written by images.rewrite, but are opened under the same bomb guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from microletter.core.errors import MediaUnsupported

SIDE = 144  # pixels of the square avatar (48 CSS px at 3x)
GAP = 4
BACKGROUND = (221, 221, 221)
MAX_TILES = 9
MAX_TILE_PIXELS = 4096 * 4096  # a thumbnail is at most 320 px; this only guards a stray file
# The web client's avatar colours (web/js/dom.js PALETTE), so a tile matches the initials
# the same person gets elsewhere.
PALETTE = (
    (0xF5, 0x9E, 0x0B),
    (0x10, 0xB9, 0x81),
    (0x3B, 0x82, 0xF6),
    (0x8B, 0x5C, 0xF6),
    (0xEC, 0x48, 0x99),
    (0xEF, 0x44, 0x44),
    (0x14, 0xB8, 0xA6),
    (0x63, 0x66, 0xF1),
    (0xF9, 0x73, 0x16),
    (0x0E, 0xA5, 0xE9),
)


@dataclass(frozen=True, slots=True)
class Tile:
    """One member: their picture (a file we wrote), or none and the key of their colour
    (their username, hashed as the web client hashes it)."""

    picture: Path | None
    key: str


def layout(count: int, side: int = SIDE, gap: int = GAP) -> list[tuple[int, int, int]]:
    """(x, y, size) of each of `count` tiles (1-9), rows top to bottom; the whole grid is
    centred, and a short first row is centred in its width."""
    count = max(1, min(count, MAX_TILES))
    columns = 1 if count == 1 else 2 if count <= 4 else 3
    rows = -(-count // columns)
    size = (side - gap * (columns + 1)) // columns
    top = (side - rows * size - (rows - 1) * gap) // 2
    boxes = []
    first = count - (rows - 1) * columns  # the top row takes what is left over
    for row in range(rows):
        in_row = first if row == 0 else columns
        left = (side - in_row * size - (in_row - 1) * gap) // 2
        for i in range(in_row):
            boxes.append((left + i * (size + gap), top + row * (size + gap), size))
    return boxes


def color_for(key: str) -> tuple[int, int, int]:
    """The web client's colorFor: a 32-bit rolling hash of the code points."""
    h = 0
    for ch in key:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    return PALETTE[h % len(PALETTE)]


def compose(tiles: list[Tile], out: Path) -> None:
    """Write the grid of `tiles` (the first nine) to `out` as WebP."""
    canvas = Image.new("RGB", (SIDE, SIDE), BACKGROUND)
    for tile, (x, y, size) in zip(tiles[:MAX_TILES], layout(len(tiles)), strict=False):
        canvas.paste(_picture(tile.picture, size) or _silhouette(tile.key, size), (x, y))
    canvas.save(out, "WEBP", quality=85)


def _picture(path: Path | None, size: int) -> Image.Image | None:
    if path is None:
        return None
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_TILE_PIXELS:
                raise MediaUnsupported("A member's picture is too large for a tile.")
            square = min(im.width, im.height)
            left, top = (im.width - square) // 2, (im.height - square) // 2
            cropped = im.convert("RGB").crop((left, top, left + square, top + square))
            return cropped.resize((size, size), Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # a picture we cannot read is drawn as if there were none


def _silhouette(key: str, size: int) -> Image.Image:
    tile = Image.new("RGB", (size, size), color_for(key))
    draw = ImageDraw.Draw(tile)
    white = (255, 255, 255)
    r = size * 0.18
    cx, cy = size / 2, size * 0.38
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=white)
    draw.ellipse((size * 0.2, size * 0.62, size * 0.8, size * 1.15), fill=white)
    return tile
