"""A connection's streams of large groups (revision 3; docs/protocol.md, "Streams").

Theory of operation. A device that sends `streams` reads the large groups its user is in
from their streams instead of its update log: per group, a `Delivery` over the group's
message seqs, exactly like the log's cursor (connection.py): a live hint with the next seq
is sent as it comes, an older one dropped, a newer one starts a pull of the group's
messages from the cursor. The start of each group's stream is told to the client first
(`{"t": "stream", "conversation_id", "after"}`): its position if it gave one, else the
last `limits.stream_backlog` messages. Groups join as `conversation` events show them
large (the user joined, or the group grew), and leave with `left`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from microletter.core.errors import MicroletterError, NotMember
from microletter.core.events import ConversationUpdated, MessagePosted
from microletter.core.ids import ConversationId
from microletter.core.models import ConversationKind, StreamView
from microletter.gateway.connection import Decision, Delivery

if TYPE_CHECKING:
    from microletter.gateway.ws import Session

READY_TIMEOUT = 2.0  # seconds to wait for the bus to confirm a stream's subscription


async def open_streams(session: Session, after: dict[int, int]) -> int:
    """The `streams` request: store the device's opt-in (once), subscribe to the user's
    large groups, read their heads (after subscribing: nothing falls between), tell the
    client where each stream starts, and pull what it lacks. Returns how many."""
    ctx, principal, hub = session.ctx, session.principal, session.hub
    if principal.device_id not in hub.opted:
        await ctx.store.read_streams(principal.user_id, principal.device_id)
        hub.opted.add(principal.device_id)
    session.reads_streams = True
    members = ctx.limits.stream_members
    views = await ctx.store.streams(principal.user_id, members)
    for view in views:
        subscription = hub.join_stream(session, view.conversation_id)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(READY_TIMEOUT):
                await subscription.ready()
    for view in await ctx.store.streams(principal.user_id, members):
        if view.conversation_id not in session.streams:
            start = _start(view, after.get(view.conversation_id), ctx.limits.stream_backlog)
            _begin(session, view.conversation_id, start, view.head)
    for view in views:  # gone between the two reads: left the group meanwhile
        if view.conversation_id not in session.streams:
            hub.leave_stream(session, view.conversation_id)
    return len(session.streams)


def _start(view: StreamView, given: int | None, backlog: int) -> int:
    if given is None:
        return max(view.joined_seq, view.head - backlog)
    return min(max(given, view.joined_seq), view.head)


def _begin(session: Session, cid: ConversationId, start: int, head: int) -> None:
    session.hub.join_stream(session, cid)
    delivery = session.streams[cid] = Delivery(start, pulling=start < head)
    delivery.hint_max = head
    session.reply({"t": "stream", "conversation_id": cid, "after": start})
    if start < head:
        session.spawn(pull(session, cid, delivery))


def follow(session: Session, event: object) -> None:
    """A `conversation` event of a group that is large now: read its stream from the
    last seq the event knew (a pull fills in anything since)."""
    if not session.reads_streams or not isinstance(event, ConversationUpdated):
        return
    conv = event.conversation
    if (
        conv.kind is ConversationKind.GROUP
        and conv.member_count >= session.ctx.limits.stream_members
        and conv.id not in session.streams
    ):
        delivery = Delivery(conv.last_seq, pulling=True)
        session.hub.join_stream(session, conv.id)
        session.streams[conv.id] = delivery
        session.reply({"t": "stream", "conversation_id": conv.id, "after": conv.last_seq})
        session.spawn(pull(session, conv.id, delivery))


def leave(session: Session, cid: ConversationId) -> None:
    if session.streams.pop(cid, None) is not None:
        session.hub.leave_stream(session, cid)


def posted(session: Session, event: MessagePosted) -> None:
    """A live hint of the group's stream."""
    m = event.message
    delivery = session.streams.get(m.conversation_id)
    if delivery is None:
        return
    if delivery.next_in_line(m.seq):
        send(session, event)
        return
    decision = delivery.offer(m.seq)
    if decision is Decision.SEND:
        send(session, event)
    elif decision is Decision.PULL:
        session.spawn(pull(session, m.conversation_id, delivery))


def resync(session: Session) -> None:
    """Hints may have been lost: read each stream from its cursor (as the log)."""
    for cid, delivery in list(session.streams.items()):
        if delivery.resync():
            session.spawn(pull(session, cid, delivery))


def send(session: Session, event: MessagePosted, bounded: bool = True) -> None:
    ref = session.echo_ref(event) if session.awaiting else None
    if ref is None and bounded:
        delivered = session.outbox.put_framed(session.hub.stream_frame(event, session.codec))
    else:
        _, data = session.hub.encoded(event, session.codec)
        delivered = session.outbox.put(session.codec.stream_event(data, ref), bounded)
    if delivered:
        session.ctx.metrics.deliveries += 1


async def pull(session: Session, cid: ConversationId, delivery: Delivery) -> None:
    """Send the group's messages from the cursor until caught up (as `Session.pull`)."""
    page = session.ctx.limits.sync_page
    uid = session.principal.user_id
    try:
        while not session.closing and session.streams.get(cid) is delivery:
            found = await session.ctx.store.stream_page(uid, cid, delivery.sent, page)
            for message in found:
                if message.seq > delivery.sent + 1:  # before they joined: not theirs
                    delivery.sent = message.seq - 1
                if delivery.take(message.seq):
                    send(session, MessagePosted(message), bounded=False)
            await session.outbox.drained()
            if delivery.page_done(len(found) == page):
                break
    except NotMember:  # they left; the `left` event follows on the log
        leave(session, cid)
    except MicroletterError as exc:
        session.reply_error(None, exc)
        leave(session, cid)
