"""Images, with Pillow: decode what was uploaded, turn it upright, and write it again
without its metadata (EXIF with GPS, XMP, comments), plus a small WebP thumbnail.

Runs in a decoder process (media.decoders), never in the server. What comes out is what
gets stored and served: the uploaded bytes themselves are never kept. Every cost is
checked before it is paid: the pixels of the canvas (by Pillow's own bomb guard at our
limit, and by us after every frame seek, since a GIF's canvas grows as it animates), the
frames x pixels of an animation, and the scans of a progressive JPEG.
"""

from __future__ import annotations

import mmap
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from microletter.core.errors import MediaTooComplex, MediaUnsupported, TooLarge
from microletter.core.media import THUMBNAIL_SIDE, MediaLimits, thumbnail_size

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
THUMBNAIL_MIME = "image/webp"
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)
BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True, slots=True)
class Rewritten:
    mime: str
    width: int
    height: int
    has_thumbnail: bool


def rewrite(source: Path, out: Path, thumbnail: Path, limits: MediaLimits) -> Rewritten:
    """Write the image at `source` again to `out` (same format, upright, no metadata) and,
    if it is larger than a thumbnail, a thumbnail to `thumbnail`. Refuses (TooLarge,
    MediaTooComplex) before decoding what would pass `limits`."""
    # Pillow's guard at our limit: it checks the declared size on open and every size a
    # GIF frame grows the canvas to; its warning (between 1x and 2x the limit) refuses too.
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=list(MIME)) as im:
                return _rewrite(im, source, out, thumbnail, limits)
    except BOMB as exc:
        raise _too_many_pixels(limits.max_image_pixels, str(exc)) from None
    except DECODE_ERRORS as exc:
        raise MediaUnsupported(
            "This is not an image we can read (JPEG, PNG, WebP or GIF).", reason=type(exc).__name__
        ) from None


def _rewrite(
    im: Image.Image, source: Path, out: Path, thumbnail: Path, limits: MediaLimits
) -> Rewritten:
    fmt = im.format or ""
    _check_canvas(im, limits.max_image_pixels)
    if fmt == "JPEG":
        _check_scans(source, limits.max_jpeg_scans)
    if getattr(im, "is_animated", False):
        upright = _save_animation(im, out, fmt, limits)
    else:
        im.load()
        upright = ImageOps.exif_transpose(im)
        _save_still(upright, out, fmt, im.info.get("icc_profile"))
    size = thumbnail_size(upright.width, upright.height)
    if size is not None:
        _save_thumbnail(upright, thumbnail)
    return Rewritten(MIME[fmt], upright.width, upright.height, size is not None)


def _check_canvas(im: Image.Image, max_pixels: int) -> None:
    if im.width * im.height > max_pixels:
        raise TooLarge(
            "The image has too many pixels.",
            max_pixels=max_pixels,
            width=im.width,
            height=im.height,
        )


_BOMB_SIZE = re.compile(r"Image size \((\d+) pixels\)")


def _too_many_pixels(max_pixels: int, pillow_says: str) -> TooLarge:
    """Pillow refused (before we saw the image): its message has the pixel count."""
    found = _BOMB_SIZE.search(pillow_says)
    size = {"pixels": int(found.group(1))} if found else {}
    return TooLarge("The image has too many pixels.", max_pixels=max_pixels, **size)


def _save_still(im: Image.Image, out: Path, fmt: str, icc: bytes | None) -> None:
    """Only pixels (and the colour profile, which carries no personal data) are written."""
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if im.mode not in ("RGB", "L", "CMYK"):
            im = im.convert("RGB")
        im.save(out, "JPEG", quality=90, exif=b"", **options)
    elif fmt == "WEBP":
        im.save(out, "WEBP", quality=90, exif=b"", xmp=b"", **options)
    elif fmt == "PNG":
        im.save(out, "PNG", exif=b"", **options)
    else:
        im.save(out, fmt)


def _save_animation(im: Image.Image, out: Path, fmt: str, limits: MediaLimits) -> Image.Image:
    """Animated GIF, WebP and PNG keep their frames; their EXIF (rare) is dropped, not
    applied. The frames are counted first (without decoding them), then checked one by
    one as they are decoded: the canvas after every seek, and the pixels so far."""
    frames = getattr(im, "n_frames", 1)
    if frames > limits.max_animation_frames:
        raise MediaTooComplex(
            "The animation has too many frames.",
            limit="frames",
            max_frames=limits.max_animation_frames,
            frames=frames,
        )
    _check_animation_pixels(frames * im.width * im.height, limits)
    checked = _checked_frames(im, frames, limits)
    first = next(checked)
    options: dict[str, object] = {"exif": b""} if fmt == "WEBP" else {}
    first.save(out, fmt, save_all=True, append_images=checked, **options)
    im.seek(0)
    return im.convert("RGBA")


def _checked_frames(im: Image.Image, frames: int, limits: MediaLimits) -> Iterator[Image.Image]:
    """Each frame as a picture of its own, refused before it is decoded if the canvas
    has grown past the pixel limit or the frames so far past the animation's budget."""
    spent = 0
    for index in range(frames):
        im.seek(index)  # reads the frame's header; Pillow decodes it on copy()
        _check_canvas(im, limits.max_image_pixels)
        spent += im.width * im.height
        _check_animation_pixels(spent, limits)
        yield im.copy()


def _check_animation_pixels(pixels: int, limits: MediaLimits) -> None:
    if pixels > limits.max_animation_pixels:
        raise MediaTooComplex(
            "The animation has too many frames for its size.",
            limit="animation_pixels",
            max_animation_pixels=limits.max_animation_pixels,
        )


# After a SOS segment comes entropy-coded data, where 0xFF is followed only by 0x00
# (a stuffed byte) or a restart marker (0xD0-0xD7); anything else is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # markers without a length


def _check_scans(source: Path, max_scans: int) -> None:
    """Refuse a JPEG with more scans than `max_scans` before libjpeg decodes any: each
    scan of a progressive JPEG is a pass over the whole image, so a small file with
    thousands of scans costs minutes. Walks the markers (segments by their length, scan
    data to the next marker), so a thumbnail inside the EXIF does not count."""
    with source.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        scans, pos, end = 0, 2, len(data)  # after SOI
        while pos + 4 <= end:
            if data[pos] != 0xFF:
                return  # not a marker: let libjpeg judge the rest
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            if marker == _EOI:
                return
            if marker in _STANDALONE:
                pos += 2
                continue
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
            if marker == _SOS:
                scans += 1
                if scans > max_scans:
                    raise MediaTooComplex(
                        "The JPEG has too many scans.", limit="jpeg_scans", max_scans=max_scans
                    )
                found = _NEXT_MARKER.search(data, pos)
                if found is None:
                    return
                pos = found.start()


def _save_thumbnail(im: Image.Image, thumbnail: Path) -> None:
    small = im.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert(
            "RGBA" if "A" in small.getbands() or "transparency" in small.info else "RGB"
        )
    small.save(thumbnail, "WEBP", quality=80)
