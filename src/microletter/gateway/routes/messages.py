"""REST: send (the same exactly-once semantics as the WebSocket), history, recall, read."""

from __future__ import annotations

from microletter.actions import messages
from microletter.core.errors import (
    Blocked,
    ConversationNotFound,
    MediaKindMismatch,
    MediaNotFound,
    MessageNotFound,
    NotContact,
    NotMember,
    NotSender,
    RecallExpired,
    TooLarge,
    YouBlocked,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import MessageKind
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import (
    HistoryQuery,
    MessageReply,
    MessagesReply,
    ReadBody,
    ReadReply,
    SendBody,
)

router = Router("/api/v1", tags=["messages"])
ACCESS = [ConversationNotFound, NotMember]


@router.get("/conversations/{cid}/messages", rate=None, errors=ACCESS)
async def history(call: Call, cid: int, query: HistoryQuery) -> MessagesReply:
    """A page of history, oldest first: after `after`, or else before `before` (default:
    the newest page). You see nothing from before you joined."""
    page = await messages.history(
        call.ctx,
        call.me,
        ConversationId(cid),
        before=query.before,
        after=query.after,
        limit=query.limit,
    )
    return MessagesReply(page)


@router.post(
    "/conversations/{cid}/messages",
    status=201,
    errors=[
        *ACCESS,
        NotContact,
        Blocked,
        YouBlocked,
        TooLarge,
        MessageNotFound,
        MediaNotFound,
        MediaKindMismatch,
    ],
)
async def send(call: Call, cid: int, body: SendBody) -> MessageReply:
    """Send a message (text, or image, voice or file with an uploaded `media_id`); the
    reply follows the durable commit.

    Sending the same `client_msg_id` again returns the original message, never a copy.
    A media message's `data` is `{"media": Media}`."""
    message = await messages.send_message(
        call.ctx,
        call.me,
        ConversationId(cid),
        body.client_msg_id,
        body.text,
        kind=MessageKind(body.kind),
        media_id=body.media_id,
        reply_to=body.reply_to,
        mentions=[UserId(u) for u in body.mentions],
        mention_all=body.mention_all,
    )
    return MessageReply(message)


@router.get("/conversations/{cid}/messages/{seq}", rate=None, errors=[*ACCESS, MessageNotFound])
async def get_message(call: Call, cid: int, seq: int) -> MessageReply:
    """One message by its seq."""
    return MessageReply(await messages.message(call.ctx, call.me, ConversationId(cid), seq))


@router.post(
    "/conversations/{cid}/messages/{seq}/recall",
    errors=[*ACCESS, MessageNotFound, NotSender, RecallExpired],
)
async def recall(call: Call, cid: int, seq: int) -> MessageReply:
    """Recall your own message within the recall window: its content is erased for
    everyone and they see that you recalled a message."""
    return MessageReply(await messages.recall(call.ctx, call.me, ConversationId(cid), seq))


@router.post("/conversations/{cid}/read", errors=ACCESS)
async def mark_read(call: Call, cid: int, body: ReadBody) -> ReadReply:
    """Move your read position forward (it never moves back)."""
    seq = await messages.mark_read(call.ctx, call.me, ConversationId(cid), body.seq)
    return ReadReply(seq)
