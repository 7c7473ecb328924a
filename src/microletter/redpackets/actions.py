"""Red packets' actions: check the request with rules.py (amounts with the wallet's
rules), run one unit of work, publish after the commit."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.core.ids import ConversationId
from microletter.core.models import Principal
from microletter.redpackets import rules
from microletter.redpackets.rules import Draw, Limits, Opening, PacketId, RedPacket
from microletter.redpackets.store import RedPacketStore
from microletter.redpackets.store.packets import ANNOUNCE_MS
from microletter.wallet import (
    PaymentTokenInvalid,
    check_amount,
    check_key,
    fingerprint,
    hash_token,
)

_random = random.SystemRandom()  # a lucky split is money: no guessable generator


@dataclass(frozen=True, slots=True)
class RedPacketSettings:
    limits: Limits = field(default_factory=Limits)
    currency: str = "CNY"
    exponent: int = 2
    expiry_ms: int = 24 * 3600_000


@dataclass
class RedPackets:
    """The room as app.py builds it. `draw` picks a lucky share (tests pass their own)."""

    ctx: Context
    store: RedPacketStore
    settings: RedPacketSettings
    draw: Draw = _random.randint
    # (packet, window) whose note to the sender a committed open of this process
    # scheduled: later opens of the window skip asking again (a round trip saved)
    announced: set[tuple[int, int]] = field(default_factory=set)

    @property
    def read_first(self) -> bool:
        return self.store.db.dialect == "postgresql"


@dataclass(frozen=True, slots=True)
class View:
    """A packet as one person sees it: the shares' amounts and openers only if they
    may see who got how much (the sender, and those who opened it)."""

    packet: RedPacket
    shares: list[Opening]
    sees_all: bool
    mine: Opening | None
    best: int | None


async def send(
    room: RedPackets,
    me: Principal,
    cid: ConversationId,
    kind: object,
    amount: object,
    shares: object,
    greeting: str,
    recipient_id: int | None,
    key: str,
    payment_token: str | None,
) -> tuple[View, bool]:
    """Send a red packet into a group or a one-to-one chat; (the packet as I see it, and
    False if this was a replay of `key`)."""
    s = room.settings
    minor = check_amount(amount, s.limits.max_amount)
    request = rules.check_request(kind, minor, shares, greeting, recipient_id, s.limits)
    key = check_key(key)
    if not payment_token:
        raise PaymentTokenInvalid()
    split = rules.split(request, s.limits.max_share, room.draw)
    fp = fingerprint(
        "redpacket",
        {
            "cid": cid,
            "kind": request.kind,
            "amount": request.amount,
            "shares": request.shares,
            "greeting": request.greeting,
            "recipient": request.recipient_id,
        },
    )
    outcome = await room.store.send_packet(
        me.user_id,
        cid,
        request,
        split,
        s.currency,
        key,
        fp,
        hash_token(payment_token),
        room.ctx.clock(),
        s.expiry_ms,
    )
    await room.ctx.publish(outcome)
    result, first = outcome.value
    pid = result["packet_id"]
    assert isinstance(pid, int)  # our own result, written by the store
    return await packet(room, me, PacketId(pid)), first


@dataclass(frozen=True, slots=True)
class Opened:
    packet_id: PacketId
    conversation_id: ConversationId
    amount: int
    finished: bool


async def open_packet(room: RedPackets, me: Principal, pid: PacketId) -> Opened:
    """Take my share of a packet (the hot path: one read, one claim, the money, my note;
    see store/packets.py)."""
    now = room.ctx.clock()
    window = (pid, now // ANNOUNCE_MS)
    # PostgreSQL: refusals from a read, without a transaction (one round trip, not
    # three); SQLite's writer reads in the open itself, where it costs a function call.
    seen = await room.store.look(me.user_id, pid, now) if room.read_first else None
    outcome = await room.store.open_packet(
        me.user_id, pid, now, announce=window not in room.announced, seen=seen
    )
    if outcome.value["scheduled"]:
        if len(room.announced) > 10_000:
            room.announced.clear()
        room.announced.add(window)
    await room.ctx.publish(outcome)
    v = outcome.value
    amount, cid = v["amount"], v["conversation_id"]
    assert isinstance(amount, int) and isinstance(cid, int)  # written by the store
    return Opened(pid, ConversationId(cid), amount, bool(v["finished"]))


async def packet(room: RedPackets, me: Principal, pid: PacketId) -> View:
    """A packet of one of my conversations; who got how much if I sent or opened it."""
    found, shares, sees_all = await room.store.find_packet(me.user_id, pid)
    mine = next((s for s in shares if s.opener_id == me.user_id), None)
    taken = [s for s in shares if s.opener_id is not None]
    best = rules.best_luck(shares) if found.status == rules.Status.FINISHED else None
    return View(found, taken if sees_all else [], sees_all, mine, best)
