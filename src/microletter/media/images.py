"""Images, with Pillow: decode what was uploaded, turn it upright, and write it again
without its metadata (EXIF with GPS, XMP, comments), plus a small WebP thumbnail.

Runs in a worker thread. What comes out is what gets stored and served: the uploaded
bytes themselves are never kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from microletter.core.errors import MediaUnsupported, TooLarge
from microletter.core.media import THUMBNAIL_SIDE, thumbnail_size

# Our own pixel limit (checked before decoding) replaces Pillow's global warning.
Image.MAX_IMAGE_PIXELS = None

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
THUMBNAIL_MIME = "image/webp"
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


@dataclass(frozen=True, slots=True)
class Rewritten:
    mime: str
    width: int
    height: int
    has_thumbnail: bool


def rewrite(source: Path, out: Path, thumbnail: Path, max_pixels: int) -> Rewritten:
    """Write the image at `source` again to `out` (same format, upright, no metadata) and,
    if it is larger than a thumbnail, a thumbnail to `thumbnail`."""
    try:
        with Image.open(source, formats=list(MIME)) as im:
            fmt = im.format or ""
            if im.width * im.height > max_pixels:
                raise TooLarge(
                    "The image has too many pixels.",
                    max_pixels=max_pixels,
                    width=im.width,
                    height=im.height,
                )
            if getattr(im, "is_animated", False):
                upright = _save_animation(im, out, fmt)
            else:
                im.load()
                upright = ImageOps.exif_transpose(im)
                _save_still(upright, out, fmt, im.info.get("icc_profile"))
            size = thumbnail_size(upright.width, upright.height)
            if size is not None:
                _save_thumbnail(upright, thumbnail)
            return Rewritten(MIME[fmt], upright.width, upright.height, size is not None)
    except DECODE_ERRORS as exc:
        raise MediaUnsupported(
            "This is not an image we can read (JPEG, PNG, WebP or GIF).", reason=type(exc).__name__
        ) from None


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


def _save_animation(im: Image.Image, out: Path, fmt: str) -> Image.Image:
    """Animated GIF and WebP keep their frames; their EXIF (rare) is dropped, not applied."""
    options: dict[str, object] = {"exif": b""} if fmt == "WEBP" else {}
    im.save(out, fmt, save_all=True, **options)
    im.seek(0)
    return im.convert("RGBA")


def _save_thumbnail(im: Image.Image, thumbnail: Path) -> None:
    small = im.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert(
            "RGBA" if "A" in small.getbands() or "transparency" in small.info else "RGB"
        )
    small.save(thumbnail, "WEBP", quality=80)
