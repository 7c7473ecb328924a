"""Hostile GIFs, built byte by byte in the test: what each declares is what it claims, not
what a well-behaved encoder would write. Pillow never wrote these (it would refuse to).

A GIF is a header with the logical screen (the canvas it declares), a colour table, and
frames: each an image descriptor (its own position and size on the canvas) followed by
LZW-compressed pixels. Our pixels are coded one literal at a time, each after a clear
code, so the code width never grows and no LZW dictionary is needed: small and valid.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

CLEAR, END, WIDTH = 4, 5, 3  # for a minimum code size of 2 (4 colours)


@dataclass(frozen=True)
class Frame:
    x: int
    y: int
    width: int  # as declared in the descriptor
    height: int
    pixels: int = 1  # how many pixels the data really holds (colour index 1)
    colour: tuple[int, int, int] | None = None  # a local colour table of its own
    delay: int = 10  # hundredths of a second


def gif(screen: tuple[int, int], frames: Sequence[Frame]) -> bytes:
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", screen[0], screen[1], 0x81, 0, 0)  # 4-entry global table
    out += bytes((0, 0, 0, 255, 255, 255))
    out += b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for frame in frames:
        out += b"!\xf9\x04" + struct.pack("<BHB", 0x04, frame.delay, 0) + b"\x00"
        flags = 0x81 if frame.colour else 0  # a 4-entry local table
        out += b"," + struct.pack("<HHHHB", frame.x, frame.y, frame.width, frame.height, flags)
        if frame.colour:
            out += bytes((0, 0, 0, *frame.colour, 0, 0, 0, 0, 0, 0))
        out += b"\x02" + _blocks(_literals(frame.pixels))
    return bytes(out + b";")


def _literals(count: int) -> bytes:
    """LZW codes: (clear, 1) `count` times, then the end code; 3 bits each, LSB first."""
    bits, nbits, data = 0, 0, bytearray()
    for code in [c for _ in range(count) for c in (CLEAR, 1)] + [END]:
        bits |= code << nbits
        nbits += WIDTH
        while nbits >= 8:
            data.append(bits & 0xFF)
            bits, nbits = bits >> 8, nbits - 8
    if nbits:
        data.append(bits)
    return bytes(data)


def _blocks(data: bytes) -> bytes:
    return (
        b"".join(
            bytes((len(data[i : i + 255]),)) + data[i : i + 255] for i in range(0, len(data), 255)
        )
        + b"\x00"
    )


def frame_bomb(side: int = 40_000) -> bytes:
    """Declares a 10x10 canvas; its second frame claims side x side (with one pixel)."""
    return gif((10, 10), [Frame(0, 0, 10, 10, pixels=100), Frame(0, 0, side, side)])


def many_frames(count: int = 401, side: int = 1000) -> bytes:
    """`count` one-pixel frames, each with its own colours, on a side x side canvas: tiny
    to send, but every frame is a whole canvas to composite and re-encode."""
    return gif(
        (side, side),
        [
            Frame(i % side, (i * 7) % side, 1, 1, colour=(i % 256, (i * 3) % 256, 200))
            for i in range(count)
        ],
    )


def grows_past_limit(side: int = 1000, grown: int = 3000) -> bytes:
    """Declares side x side (within the limit); its second frame sits at (grown-1,
    grown-1), so the canvas grows to grown x grown as it animates."""
    return gif((side, side), [Frame(0, 0, 1, 1), Frame(grown - 1, grown - 1, 1, 1)])
