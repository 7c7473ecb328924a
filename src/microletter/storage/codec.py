"""How events are kept in the update log, for every backend.

A log row is (kind, conversation_id, ref_seq, payload). Message events (posts and
edits) only point at the message (its body lives once, in `messages`, so a recall really
erases it, and an edit's entry shows the message as it is now); every other event keeps a
small JSON snapshot in `payload`.
"""

from __future__ import annotations

from dataclasses import replace

import msgspec

from microletter.core.events import (
    KINDS,
    ChatStateChanged,
    ConversationUpdated,
    Event,
    MessageEdited,
    MessagePosted,
    MomentNotice,
    NotePosted,
)
from microletter.core.models import Message

_CLASSES = {kind: cls for cls, kind in KINDS.items()}
_DECODERS = {kind: msgspec.json.Decoder(cls) for kind, cls in _CLASSES.items()}
_encoder = msgspec.json.Encoder()

LogRow = tuple[str, int | None, int | None, str | None]


def event_row(event: Event) -> LogRow:
    """(kind, conversation_id, ref_seq, payload) for one log row."""
    if isinstance(event, MessagePosted):
        m = event.message
        return "message", m.conversation_id, m.seq, None
    if isinstance(event, MessageEdited):
        m = event.message
        return "edit", m.conversation_id, m.seq, None
    conversation_id = getattr(event, "conversation_id", None)
    if isinstance(event, ConversationUpdated):
        conversation_id = event.conversation.id
    elif isinstance(event, ChatStateChanged):
        conversation_id = event.state.conversation_id
    elif isinstance(event, NotePosted):
        conversation_id = event.note.conversation_id
    elif isinstance(event, MomentNotice):  # the pointer only: resolved when read
        event = replace(event, notice=None)
    return KINDS[type(event)], conversation_id, None, _encoder.encode(event).decode()


def row_event(kind: str, payload: str | None, message: Message | None) -> Event:
    """Rebuild an event from its log row (and, for message events, the joined message)."""
    if kind == "message":
        if message is None:
            raise LookupError("message event without its message")
        return MessagePosted(message)
    if kind == "edit":
        if message is None:
            raise LookupError("edit event without its message")
        return MessageEdited(message)
    if payload is None:
        raise LookupError(f"{kind} event without payload")
    event: Event = _DECODERS[kind].decode(payload)
    return event
