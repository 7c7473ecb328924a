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
    ErrorInfo,
    ForwardBody,
    ForwardReply,
    ForwardResult,
    HideBody,
    HideReply,
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
    the newest page). You see nothing from before you joined.

    `notes` are the notes addressed to you (and a few others) that sit among this page,
    each after the message of its `after_seq`; pages read one after another give each
    note once (docs/protocol.md, "Notes")."""
    page = await messages.history(
        call.ctx,
        call.me,
        ConversationId(cid),
        before=query.before,
        after=query.after,
        limit=query.limit,
    )
    notes = await messages.notes_of_page(
        call.ctx,
        call.me,
        ConversationId(cid),
        page,
        before=query.before,
        after=query.after,
        limit=query.limit,
    )
    return MessagesReply(page, notes)


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
        data=body.data,
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


@router.post(
    "/conversations/{cid}/forward",
    errors=[*ACCESS, MessageNotFound, TooLarge],
)
async def forward(call: Call, cid: int, body: ForwardBody) -> ForwardReply:
    """Forward messages of this conversation to other chats (at most 9), one by one or
    merged into a chat-history card (`kind: history`). Media are re-referenced by the new
    messages. Each target succeeds or fails on its own (you may not be able to post there);
    a retry with the same `client_msg_id` returns the copies already made."""
    results = await messages.forward(
        call.ctx,
        call.me,
        ConversationId(cid),
        body.seqs,
        [ConversationId(c) for c in body.to],
        body.client_msg_id,
        merged=body.merged,
        title=body.title,
    )
    return ForwardReply(
        [
            ForwardResult(
                r.conversation_id,
                r.messages,
                None if r.error is None else ErrorInfo(r.error.code, r.error.message),
            )
            for r in results
        ]
    )


@router.post("/conversations/{cid}/messages/hide", errors=[*ACCESS, MessageNotFound, TooLarge])
async def hide(call: Call, cid: int, body: HideBody) -> HideReply:
    """Delete messages for yourself: your history no longer has them, on all your devices
    (they hear a `hidden` event). Nobody else's view changes."""
    return HideReply(list(await messages.hide(call.ctx, call.me, ConversationId(cid), body.seqs)))


@router.post("/conversations/{cid}/read", errors=ACCESS)
async def mark_read(call: Call, cid: int, body: ReadBody) -> ReadReply:
    """Move your read position forward (it never moves back)."""
    seq = await messages.mark_read(call.ctx, call.me, ConversationId(cid), body.seq)
    return ReadReply(seq)
