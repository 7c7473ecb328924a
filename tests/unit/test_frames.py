"""Server-to-client WebSocket frames: FIN set, no mask, and the three length encodings."""

from __future__ import annotations

import struct

import pytest

from microletter.gateway.connection import OP_BINARY, OP_TEXT, ws_frame


@pytest.mark.parametrize(
    ("length", "header"),
    [
        (0, bytes([0x81, 0])),
        (125, bytes([0x81, 125])),
        (126, bytes([0x81, 126]) + struct.pack("!H", 126)),
        (65535, bytes([0x81, 126, 0xFF, 0xFF])),
        (65536, bytes([0x81, 127]) + struct.pack("!Q", 65536)),
    ],
)
def test_a_text_frame_has_the_shortest_length_header_for_its_payload(
    length: int, header: bytes
) -> None:
    payload = bytes(i % 251 for i in range(length))
    frame = ws_frame(payload, OP_TEXT)
    assert frame[: len(header)] == header
    assert frame[len(header) :] == payload


def test_a_binary_frame_carries_the_binary_opcode() -> None:
    frame = ws_frame(b"\x00\x01", OP_BINARY)
    assert frame == bytes([0x82, 2, 0, 1])


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_frames_parse_back_to_their_payload(length: int) -> None:
    payload = b"x" * length
    frame = ws_frame(payload, OP_TEXT)
    fin_opcode, second = frame[0], frame[1]
    assert fin_opcode == 0x80 | OP_TEXT
    assert second & 0x80 == 0  # servers never mask
    size, offset = second & 0x7F, 2
    if size == 126:
        (size,), offset = struct.unpack_from("!H", frame, 2), 4
    elif size == 127:
        (size,), offset = struct.unpack_from("!Q", frame, 2), 10
    assert size == length
    assert frame[offset:] == payload
