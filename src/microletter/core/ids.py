"""Identifier types and the time-ordered id generator. Pure: the caller passes the time.

Ids fit in 53 bits so that JavaScript clients read them as exact numbers:

    | 41 bits: ms since 2025-01-01 UTC | 4 bits: node | 8 bits: counter |

That is 69 years of ids, 16 nodes and 256 ids per millisecond per node. When a node
needs more than 256 ids in one millisecond it borrows the next millisecond, so ids
stay unique and increasing even if the wall clock stalls or steps back.
"""

from __future__ import annotations

from typing import NewType

UserId = NewType("UserId", int)
DeviceId = NewType("DeviceId", int)
ConversationId = NewType("ConversationId", int)
MessageId = NewType("MessageId", int)
RequestId = NewType("RequestId", int)

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
NODE_BITS = 4
COUNTER_BITS = 8
MAX_NODE = (1 << NODE_BITS) - 1
_COUNTER_MASK = (1 << COUNTER_BITS) - 1
_TIME_SHIFT = NODE_BITS + COUNTER_BITS


class IdGenerator:
    """Hands out unique, increasing 53-bit ids for one node."""

    __slots__ = ("_node", "_last_ms", "_counter")

    def __init__(self, node: int = 0) -> None:
        if not 0 <= node <= MAX_NODE:
            raise ValueError(f"node must be in 0..{MAX_NODE}")
        self._node = node
        self._last_ms = 0
        self._counter = 0

    @property
    def node(self) -> int:
        return self._node

    def move_to(self, node: int) -> None:
        """Hand out ids as `node` from now on (a cluster re-leased our node number). The
        next id starts a new millisecond, so ids stay increasing across the move."""
        if not 0 <= node <= MAX_NODE:
            raise ValueError(f"node must be in 0..{MAX_NODE}")
        if node != self._node:
            self._node = node
            self._last_ms += 1
            self._counter = -1

    def next(self, now_ms: int) -> int:
        ms = max(now_ms - EPOCH_MS, self._last_ms)
        if ms == self._last_ms:
            self._counter += 1
            if self._counter > _COUNTER_MASK:
                ms += 1
                self._counter = 0
        else:
            self._counter = 0
        self._last_ms = ms
        return (ms << _TIME_SHIFT) | (self._node << COUNTER_BITS) | self._counter


def id_time_ms(any_id: int) -> int:
    """The millisecond (Unix epoch) an id was made in."""
    return (any_id >> _TIME_SHIFT) + EPOCH_MS


MAX_ID = (1 << 53) - 1  # the largest id (exact in JavaScript)
_ASCII_DIGITS = frozenset("0123456789")


def parse_id(text: str) -> int | None:
    """The number `text` spells in ASCII digits (an id in a path, a query or a header),
    0 to MAX_ID; None for anything else. The one id parser: `str.isdigit` also accepts
    '²' (which `int` refuses) and '١٢' (which `int` reads as 12), so it is never used."""
    if not 0 < len(text) <= 16 or not _ASCII_DIGITS.issuperset(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def json_id(raw: object) -> int | None:
    """An id as the WeChat protocols send it in a JSON body: a number, or a string of
    ASCII digits (`parse_id`), 0 to MAX_ID; None for anything else (a bool, a float, a
    negative or larger number, which the database could not even hold)."""
    if isinstance(raw, str):
        return parse_id(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if 0 <= raw <= MAX_ID else None
