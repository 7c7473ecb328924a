"""Rules for messages: what may be sent, quoted, mentioned and recalled."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from microletter.core.errors import (
    InvalidInput,
    MessageNotFound,
    NotEditable,
    NotSender,
    PermissionDenied,
    RecallExpired,
    TooLarge,
)
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.limits import Limits
from microletter.core.media import MediaId
from microletter.core.models import (
    ConversationKind,
    Instant,
    JsonValue,
    Member,
    Message,
    MessageKind,
)

CLIENT_MSG_ID_RE = re.compile(r"[A-Za-z0-9_.:\-]+")


@dataclass(frozen=True, slots=True)
class Draft:
    """A message as its sender asks for it, before it has an id and a seq."""

    conversation_id: ConversationId
    sender_id: UserId
    client_msg_id: str
    kind: MessageKind
    text: str | None
    reply_to: int | None = None
    mentions: tuple[UserId, ...] = ()
    mention_all: bool = False
    data: dict[str, JsonValue] | None = None
    media_id: MediaId | None = None  # image, voice and file messages: the blob they carry

    def stamped(self, message_id: MessageId, seq: int, now: Instant) -> Message:
        """The message this draft becomes with its id and seq (a store gives them)."""
        return Message(
            id=message_id,
            conversation_id=self.conversation_id,
            seq=seq,
            sender_id=self.sender_id,
            client_msg_id=self.client_msg_id,
            kind=self.kind,
            text=self.text,
            reply_to=self.reply_to,
            mentions=self.mentions,
            mention_all=self.mention_all,
            created_at=now,
            data=self.data,
        )


MAX_HIDDEN = 100  # messages deleted for me at once


def check_hidden(seqs: Sequence[int], joined_seq: int, last_seq: int) -> tuple[int, ...]:
    """Delete for me: messages I can see (not older than my membership), at most 100."""
    unique = tuple(sorted(set(seqs)))
    if not unique:
        raise InvalidInput("Name at least one message.", field="seqs")
    if len(unique) > MAX_HIDDEN:
        raise TooLarge("Too many messages at once.", field="seqs", max_items=MAX_HIDDEN)
    unseen = [s for s in unique if not joined_seq <= s <= last_seq]
    if unseen:
        raise MessageNotFound("No such message.", field="seqs", seqs=unseen)
    return unique


def mentioned_members(message: Message, members: Iterable[UserId]) -> list[UserId]:
    """Whom a message mentions, among the members (not its sender)."""
    named = set(message.mentions)
    return [u for u in members if u != message.sender_id and (message.mention_all or u in named)]


def note(action: str, actor: UserId, **fields: JsonValue) -> dict[str, JsonValue]:
    """The data of a system note ("X invited Y", "X renamed the group"...)."""
    return {"action": action, "actor": actor, **fields}


def check_text(text: str, limits: Limits) -> str:
    if not text.strip():
        raise InvalidInput("A message needs some text.", field="text")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_text_bytes:
        raise TooLarge(
            "Message text is too long.", field="text", max_bytes=limits.max_text_bytes, size=size
        )
    if "\x00" in text:
        raise InvalidInput("Message text contains a NUL character.", field="text")
    return text


def check_client_msg_id(client_msg_id: str, limits: Limits) -> str:
    if not 0 < len(client_msg_id) <= limits.max_client_msg_id or not CLIENT_MSG_ID_RE.fullmatch(
        client_msg_id
    ):
        raise InvalidInput(
            f"client_msg_id must be 1-{limits.max_client_msg_id} characters of A-Z a-z 0-9 _ . : -",
            field="client_msg_id",
        )
    return client_msg_id


def check_mentions(
    requested: Sequence[UserId],
    mention_all: bool,
    sender: Member,
    member_ids: Collection[UserId],
    limits: Limits,
) -> tuple[UserId, ...]:
    """Return the de-duplicated mentions; `@all` is for the owner and admins only."""
    if mention_all and not sender.is_manager:
        raise PermissionDenied("Only the owner or an admin may mention @all.", field="mention_all")
    unique = tuple(dict.fromkeys(requested))
    if len(unique) > limits.max_mentions:
        raise TooLarge("Too many mentions.", field="mentions", max_items=limits.max_mentions)
    strangers = [u for u in unique if u not in member_ids]
    if strangers:
        raise InvalidInput("Mentioned users must be members.", field="mentions", users=strangers)
    return unique


def check_reply(reply_to: int | None, sender: Member, last_seq: int) -> int | None:
    """A reply quotes a message the sender can see: one that exists and is not older than
    the sender's membership."""
    if reply_to is None:
        return None
    if not sender.joined_seq <= reply_to <= last_seq:
        raise MessageNotFound("The quoted message does not exist.", field="reply_to", seq=reply_to)
    return reply_to


def check_recall(
    message: Message,
    by: UserId,
    now: Instant,
    limits: Limits,
    *,
    window_ms: int | None = None,
    moderator: bool = False,
) -> None:
    """Only the sender may recall (or a `moderator`: a group's owner or admin acting for a
    bot's deleteMessage), only within the window (the limits' unless `window_ms` is
    given), and never a system note."""
    if message.kind is MessageKind.SYSTEM or (message.sender_id != by and not moderator):
        raise NotSender(conversation_id=message.conversation_id, seq=message.seq)
    window = limits.recall_window_ms if window_ms is None else window_ms
    if now - message.created_at > window:
        raise RecallExpired(window_seconds=window // 1000)


def check_edit(message: Message, by: UserId, text: str | None) -> None:
    """Only the sender edits, never a recalled message or a system note, and new text
    only on a text message (other kinds change their keyboard only). Who may edit at all
    is the caller's to decide: today only bots (docs/platform.md, "Edits")."""
    if message.kind is MessageKind.SYSTEM or message.sender_id != by or message.recalled:
        raise NotEditable(conversation_id=message.conversation_id, seq=message.seq)
    if text is not None and message.kind is not MessageKind.TEXT:
        raise NotEditable(conversation_id=message.conversation_id, seq=message.seq)


def visible_from(member: Member) -> int:
    """The first seq a member may read: members do not see history from before they joined."""
    return member.joined_seq


def read_receipt_readers(
    kind: ConversationKind, members: Iterable[UserId], me: UserId, receipts: bool = True
) -> list[UserId]:
    """Whose logs learn that `me` read up to a seq: my own devices always; in a direct
    conversation the peer too (that is the read receipt), unless I turned receipts off;
    never a whole group."""
    return list(members) if kind is ConversationKind.DIRECT and receipts else [me]
