"""Red packets' values and rules, pure: the kinds, the limits, how a packet is split into
shares (decided at sending, so opening only takes the next one), who may open. No I/O,
no clock, no randomness of its own: the caller passes `draw`.

Theory of operation. A packet moves its whole amount from the sender's wallet into one
escrow account per share (its envelopes) when it is sent, and its shares are written
then, in order. Opening claims one untaken share (one guarded UPDATE, after the opener's
row, which makes a member open once) and moves it from its envelope to the opener's
wallet, in the same transaction. So exactly `shares` opens succeed, each share goes to
one opener, and the envelopes hold the rest until the packet is empty or expires (then
the rest goes back to the sender). store/packets.py says how this stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NewType

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import ConversationKind, Instant
from microletter.redpackets.errors import (
    AmountTooSmall,
    AmountUneven,
    RecipientInvalid,
    RedPacketKindInvalid,
    RedPacketNotAllowed,
    SharesInvalid,
    ShareTooLarge,
)

PacketId = NewType("PacketId", int)

NORMAL = "normal"  # equal shares
LUCKY = "lucky"  # a random split, decided at sending
EXCLUSIVE = "exclusive"  # one share, for one named member of a group
KINDS = (NORMAL, LUCKY, EXCLUSIVE)
ACCOUNT_KIND = "redpacket"  # each packet's escrow account: (ACCOUNT_KIND, packet id)
MAX_GREETING = 50  # characters ("Best wishes" is WeChat's default)

Draw = Callable[[int, int], int]  # a random int in [lo, hi], both included


class Status:
    OPEN = "open"
    FINISHED = "finished"  # every share taken
    REFUNDED = "refunded"  # expired; what was left went back to the sender


@dataclass(frozen=True, slots=True)
class Limits:
    """What an operator allows (settings): minor units and counts."""

    max_amount: int = 2_000_000
    max_share: int = 20_000
    max_shares: int = 500


@dataclass(frozen=True, slots=True)
class Request:
    """A packet as its sender asks for it, checked."""

    kind: str
    amount: int  # the total, for every kind
    shares: int
    greeting: str
    recipient_id: UserId | None


@dataclass(frozen=True, slots=True)
class Opening:
    """One share and who took it (None: not taken yet)."""

    idx: int
    amount: int
    opener_id: UserId | None
    opened_at: Instant | None


@dataclass(frozen=True, slots=True)
class RedPacket:
    id: PacketId
    conversation_id: ConversationId
    seq: int  # its card
    sender_id: UserId
    kind: str
    amount: int
    shares: int
    greeting: str
    recipient_id: UserId | None
    status: str
    opened: int
    created_at: Instant
    expires_at: Instant
    finished_at: Instant | None
    refunded: int


def check_request(
    kind: object,
    amount: int,
    shares: object,
    greeting: str,
    recipient_id: int | None,
    limits: Limits,
) -> Request:
    """A packet's kind, shares and greeting by the rules and the operator's limits;
    `amount` was checked by the wallet (a positive int, at most `limits.max_amount`)."""
    if kind not in KINDS:
        raise RedPacketKindInvalid(field="kind", kinds=list(KINDS))
    assert isinstance(kind, str)  # it is one of KINDS
    if isinstance(shares, bool) or not isinstance(shares, int):
        raise SharesInvalid(field="shares")
    if kind == EXCLUSIVE and shares != 1:
        raise SharesInvalid(field="shares", reason="exclusive_is_one_share")
    if not 1 <= shares <= limits.max_shares:
        raise SharesInvalid(field="shares", max_shares=limits.max_shares)
    if amount < shares:
        raise AmountTooSmall(field="amount", min_amount=shares)
    if kind == NORMAL and amount % shares:
        raise AmountUneven(field="amount", shares=shares)
    if amount > shares * limits.max_share:
        raise ShareTooLarge(field="amount", max_share=limits.max_share)
    if (kind == EXCLUSIVE) != (recipient_id is not None):
        raise RecipientInvalid(field="recipient_id")
    recipient = None if recipient_id is None else UserId(recipient_id)
    return Request(kind, amount, shares, check_greeting(greeting), recipient)


def check_greeting(greeting: str) -> str:
    line = " ".join(greeting.split())
    if len(line) > MAX_GREETING:
        raise TooLarge("The greeting is too long.", field="greeting", max_length=MAX_GREETING)
    return line


def check_place(
    request: Request,
    sender: UserId,
    kind: ConversationKind,
    members: Sequence[UserId],
) -> None:
    """Where a packet may go: a group (shares up to its size; an exclusive one for
    another member), or a one-to-one chat (one share, for the other person)."""
    if kind is ConversationKind.GROUP:
        if request.shares > len(members):
            raise SharesInvalid(field="shares", max_shares=len(members))
        if request.recipient_id is not None and (
            request.recipient_id == sender or request.recipient_id not in members
        ):
            raise RecipientInvalid(field="recipient_id")
        return
    if kind is ConversationKind.DIRECT:
        if request.kind == EXCLUSIVE:
            raise RedPacketNotAllowed(reason="exclusive_in_groups_only")
        if request.shares != 1:
            raise SharesInvalid(field="shares", max_shares=1)
        return
    raise RedPacketNotAllowed(reason="conversation_kind")


def split(request: Request, max_share: int, draw: Draw) -> list[int]:
    """The shares of a packet, in the order they will be taken; they sum to its amount."""
    if request.kind == LUCKY:
        return split_lucky(request.amount, request.shares, max_share, draw)
    return [request.amount // request.shares] * request.shares


def split_lucky(amount: int, shares: int, max_share: int, draw: Draw) -> list[int]:
    """A random split, WeChat's "twice the mean" way: each share, drawn in turn, is at
    least 1 and at most twice the mean of what remains (and at most `max_share`), while
    leaving enough for the shares after it (at least 1 each, at most `max_share` each)."""
    if not 1 <= shares <= amount <= shares * max_share:
        raise InvalidInput("A packet's amount is between its shares and shares x max_share.")
    out: list[int] = []
    left = amount
    for k in range(shares, 1, -1):  # k shares remain, this one included
        lo = max(1, left - (k - 1) * max_share)
        hi = min(2 * left // k, left - (k - 1), max_share)
        share = draw(lo, hi)
        out.append(share)
        left -= share
    out.append(left)  # the last one takes the rest: at most 2 x itself, at most max_share
    return out


def best_luck(openings: Sequence[Opening]) -> int | None:
    """The share index of "best luck": the largest share (the first taken of equals),
    once every share was taken; None before."""
    if not openings or any(o.opener_id is None for o in openings):
        return None
    best = max(openings, key=lambda o: (o.amount, -(o.opened_at or 0), -o.idx))
    return best.idx


def may_open(packet: RedPacket, me: UserId, kind: ConversationKind) -> bool:
    """Whether `me` (a member) may open it at all: not one's own in a one-to-one chat, and
    an exclusive one only its recipient."""
    if packet.recipient_id is not None:
        return me == packet.recipient_id
    return not (kind is ConversationKind.DIRECT and me == packet.sender_id)
