"""Red packets' /api/v1 routes: send one into a conversation, open it, see it; and the
realtime protocol's `open_red_packet` frame, the same open without an HTTP request."""

from __future__ import annotations

from typing import Any

from microletter.core.errors import ConversationNotFound, NotMember, TooLarge
from microletter.core.ids import ConversationId
from microletter.core.models import Principal
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import OpenRedPacket
from microletter.redpackets import actions
from microletter.redpackets.actions import RedPackets, View
from microletter.redpackets.errors import (
    AlreadyOpened,
    AmountTooSmall,
    AmountUneven,
    Exhausted,
    NotForYou,
    RecipientInvalid,
    RedPacketExpired,
    RedPacketKindInvalid,
    RedPacketNotAllowed,
    RedPacketNotFound,
    SharesInvalid,
    ShareTooLarge,
)
from microletter.redpackets.rules import PacketId
from microletter.redpackets.wire import (
    CurrencyWire,
    OpenReply,
    PacketReply,
    PacketWire,
    SendBody,
    ShareWire,
)
from microletter.wallet import (
    AmountInvalid,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentTokenExpired,
    PaymentTokenInvalid,
)


def routers(room: RedPackets) -> list[Router]:
    s = room.settings
    currency = CurrencyWire(s.currency, s.exponent)

    def reply(v: View, replayed: bool = False) -> PacketReply:
        p = v.packet
        openings = [
            ShareWire(o.opener_id, o.amount, o.opened_at or 0, o.idx == v.best)
            for o in v.shares
            if o.opener_id is not None
        ]
        wire = PacketWire(
            p.id,
            p.conversation_id,
            p.seq,
            p.sender_id,
            p.kind,
            p.amount,
            p.shares,
            p.opened,
            p.greeting,
            p.recipient_id,
            p.status,
            p.created_at,
            p.expires_at,
            p.finished_at,
            p.refunded,
            None if v.mine is None else v.mine.amount,
            openings,
        )
        return PacketReply(wire, currency, replayed)

    router = Router("/api/v1", tags=["red packets"])

    @router.post(
        "/conversations/{cid}/red-packets",
        status=201,
        errors=[
            AmountInvalid,
            AmountTooLarge,
            IdempotencyKeyInvalid,
            IdempotencyKeyReused,
            PaymentTokenInvalid,
            PaymentTokenExpired,
            InsufficientFunds,
            RedPacketKindInvalid,
            SharesInvalid,
            AmountTooSmall,
            AmountUneven,
            ShareTooLarge,
            RecipientInvalid,
            RedPacketNotAllowed,
            TooLarge,
            ConversationNotFound,
            NotMember,
        ],
    )
    async def send_packet(call: Call, cid: int, body: SendBody) -> PacketReply:
        """Send a red packet: `kind` normal (equal shares), lucky (a random split, decided
        now) or exclusive (one share, for `recipient_id`, a member of the group);
        `amount` is the total in minor units, `shares` how many may open it (up to the
        group's size; 1 in a one-to-one chat). A `red_packet` card appears in the chat;
        what is left after 24 hours goes back to you.

        Needs a payment token (`/wallet/pay-password/verify`) and an `idempotency_key`:
        the same key again returns the first packet (`replayed`) and moves nothing."""
        found, first = await actions.send(
            room,
            call.me,
            ConversationId(cid),
            body.kind,
            body.amount,
            body.shares,
            body.greeting,
            body.recipient_id,
            body.idempotency_key,
            body.payment_token,
        )
        return reply(found, not first)

    @router.post(
        "/red-packets/{packet_id}/open",
        rate=None,
        errors=[
            RedPacketNotFound,
            NotMember,
            NotForYou,
            AlreadyOpened,
            Exhausted,
            RedPacketExpired,
        ],
    )
    async def open_packet(call: Call, packet_id: int) -> OpenReply:
        """Open a red packet: my share moves to my wallet. Each member opens a packet at
        most once (again: `redpacket.already_opened`, with the amount I got); the sender
        may open their own in a group. Only I (and, a moment later in one note for
        everyone who opened meanwhile, the sender) get a note of it."""
        o = await actions.open_packet(room, call.me, PacketId(packet_id))
        return OpenReply(o.packet_id, o.conversation_id, o.amount, o.finished, currency)

    @router.get("/red-packets/{packet_id}", errors=[RedPacketNotFound])
    async def get_packet(call: Call, packet_id: int) -> PacketReply:
        """A red packet of one of my conversations: its state, what I got, and, for its
        sender and those who opened it, who got how much (and "best luck" once empty)."""
        return reply(await actions.packet(room, call.me, PacketId(packet_id)))

    return [router]


def frames(room: RedPackets) -> dict[type, Any]:
    """The /ws frames this room answers (docs/protocol.md, revision 2): `open_red_packet`
    {packet_id, ref} -> `opened` {packet_id, conversation_id, amount, finished, currency},
    or an `error` frame with the REST route's codes."""
    s = room.settings
    currency = {"code": s.currency, "exponent": s.exponent}

    async def open_frame(me: Principal, f: OpenRedPacket) -> dict[str, Any]:
        o = await actions.open_packet(room, me, PacketId(f.packet_id))
        return {
            "t": "opened",
            "packet_id": o.packet_id,
            "conversation_id": o.conversation_id,
            "amount": o.amount,
            "finished": o.finished,
            "currency": currency,
        }

    return {OpenRedPacket: open_frame}
