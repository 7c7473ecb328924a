"""Events: the changes pushed to clients, and the update-log entries that carry them.

Every event that concerns a user is appended to that user's log with the next dense
`seq`; a device's cursor is a position in that log. `Typing` is the one ephemeral event:
published, never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from microletter.core.ids import ConversationId, DeviceId, UserId
from microletter.core.models import (
    ChatState,
    Contact,
    ContactRequest,
    Conversation,
    JsonValue,
    Message,
    Note,
    Role,
    User,
)


@dataclass(frozen=True, slots=True)
class MessagePosted:
    message: Message


@dataclass(frozen=True, slots=True)
class NotePosted:
    """A note for some members of a conversation only: in their logs, nobody else's."""

    note: Note


@dataclass(frozen=True, slots=True)
class MessageRecalled:
    conversation_id: ConversationId
    seq: int
    by: UserId


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """A message's text, entities or keyboard changed (a bot edited its message): the
    message as it is now, with `data.edited_at`. Like `MessagePosted`, its log row only
    points at the message, so a later recall leaves no copy of any version."""

    message: Message


@dataclass(frozen=True, slots=True)
class MessagesHidden:
    """Delete for me: these messages left my view (my devices only; nobody else's)."""

    conversation_id: ConversationId
    seqs: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReadMoved:
    conversation_id: ConversationId
    user_id: UserId
    seq: int


@dataclass(frozen=True, slots=True)
class ConversationUpdated:
    """You joined a conversation, or its name, announcement, your role or mute changed.
    Carries what a chat list shows for it: your read position and, in a direct
    conversation, the other person."""

    conversation: Conversation
    role: Role
    muted: bool
    last_read_seq: int = 0
    peer: User | None = None


@dataclass(frozen=True, slots=True)
class ConversationLeft:
    conversation_id: ConversationId
    removed_by: UserId | None  # None when you left yourself


@dataclass(frozen=True, slots=True)
class ContactRequestUpdated:
    request: ContactRequest


@dataclass(frozen=True, slots=True)
class ContactUpdated:
    contact: Contact


@dataclass(frozen=True, slots=True)
class ContactRemoved:
    user_id: UserId


@dataclass(frozen=True, slots=True)
class BlockUpdated:
    user_id: UserId
    blocked: bool


@dataclass(frozen=True, slots=True)
class ProfileUpdated:
    user: User


@dataclass(frozen=True, slots=True)
class ChatStateChanged:
    """My own view of a chat changed (pinned, marked unread, deleted, cleared): my
    devices only."""

    state: ChatState


@dataclass(frozen=True, slots=True)
class CollectionChanged:
    """One of my own collections changed (`favourites`, `stickers`): my devices fetch it
    again. Only in my own log."""

    name: str


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """For an official account's webhook, never for a person's device: a follower
    followed (`subscribe`), unfollowed, clicked a menu button (`CLICK`, `VIEW`), scanned a
    code (`SCAN`), or a send job finished. Lives only in the account's own log."""

    account_id: UserId
    user_id: UserId
    event: str
    key: str = ""
    ticket: str = ""
    extra: dict[str, JsonValue] | None = None


@dataclass(frozen=True, slots=True)
class MomentNotice:
    """Moments: someone liked or commented on my post, or replied to my comment. The log
    keeps only the pointer (`ref`: the like's or comment's id, on post `post_id`); its
    `notice` is resolved when the log is read, by the same visibility rules as every
    Moments read, so a deleted comment, an unfriending or a block leaves it `None`
    (shown as nothing). Only in the notified user's log."""

    ref: int
    post_id: int
    notice: dict[str, JsonValue] | None = None


@dataclass(frozen=True, slots=True)
class MomentLiked(MomentNotice):
    pass


@dataclass(frozen=True, slots=True)
class MomentCommented(MomentNotice):
    pass


@dataclass(frozen=True, slots=True)
class MomentReplied(MomentNotice):
    """A reply to my comment (on anyone's post)."""


@dataclass(frozen=True, slots=True)
class ChannelPosted:
    """Ephemeral: an official account broadcast post `seq` on its channel; followers'
    devices fetch it (read diffusion: it is in nobody's log)."""

    channel_id: UserId
    seq: int


@dataclass(frozen=True, slots=True)
class Typing:
    """Ephemeral: someone is typing. Never stored, never in the log."""

    conversation_id: ConversationId
    user_id: UserId


@dataclass(frozen=True, slots=True)
class DeviceRevoked:
    """Ephemeral: a device was logged out or revoked; its open connections must close."""

    device_id: DeviceId


Event = (
    MessagePosted
    | MessageRecalled
    | MessagesHidden
    | ReadMoved
    | ConversationUpdated
    | ConversationLeft
    | ContactRequestUpdated
    | ContactUpdated
    | ContactRemoved
    | BlockUpdated
    | ProfileUpdated
    | CollectionChanged
    | ChatStateChanged
    | AccountEvent
    | NotePosted
    | MomentLiked
    | MomentCommented
    | MomentReplied
    | MessageEdited
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of a user's update log: the `seq`th change that concerns `user_id`."""

    user_id: UserId
    seq: int
    event: Event


KINDS: dict[type[Event], str] = {
    MessagePosted: "message",
    MessageRecalled: "recall",
    MessagesHidden: "hidden",
    ReadMoved: "read",
    ConversationUpdated: "conversation",
    ConversationLeft: "left",
    ContactRequestUpdated: "contact_request",
    ContactUpdated: "contact",
    ContactRemoved: "contact_removed",
    BlockUpdated: "block",
    ProfileUpdated: "profile",
    CollectionChanged: "collection",
    ChatStateChanged: "chat_state",
    AccountEvent: "account_event",
    NotePosted: "note",
    MomentLiked: "moment_like",
    MomentCommented: "moment_comment",
    MomentReplied: "moment_reply",
    MessageEdited: "edit",  # last: the compact codec numbers kinds in this order
}
"""The stable name of each event kind, on the wire and in the log."""


def kind_of(event: Event) -> str:
    return KINDS[type(event)]


T = TypeVar("T", covariant=True)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What a write produced: its result and the log entries it appended (to publish)."""

    value: T
    entries: tuple[LogEntry, ...] = field(default=())
    # Messages of large groups that went to their streams instead of readers' logs.
    streamed: tuple[MessagePosted, ...] = field(default=())
