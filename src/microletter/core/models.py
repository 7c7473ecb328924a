"""The domain values: users, devices, contacts, conversations, members and messages.

Plain frozen dataclasses, no behaviour beyond small derived properties. Times are
`Instant`s: integer milliseconds since the Unix epoch, UTC (compact on the wire and exact
in JavaScript; we never store local time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType

from microletter.core.ids import ConversationId, DeviceId, MessageId, RequestId, UserId

Instant = NewType("Instant", int)
JsonValue = object  # anything JSON can hold; msgspec checks it when encoding


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"
    OFFICIAL = "official"  # a follower and an official account (its owner_id is the account)
    # A person's service notifications: they are its one member, nobody posts in it; notices
    # from apps and accounts they do not follow arrive there (platform/notifications).
    SERVICE = "service"


class MessageKind(StrEnum):
    TEXT = "text"
    SYSTEM = "system"
    IMAGE = "image"  # data: {"media": Media}, text: an optional caption
    VOICE = "voice"  # data: {"media": Media}, no text
    FILE = "file"  # data: {"media": Media}, text: an optional caption
    VIDEO = "video"  # data: {"media": Media} (MP4, with width, height, duration_ms, a poster)
    STICKER = "sticker"  # data: {"media": Media} (an image, shown without a bubble)
    LOCATION = "location"  # data: {latitude, longitude, name, address}
    CARD = "card"  # a contact card: data {user_id, username, display_name, avatar}
    HISTORY = "history"  # a merged forward: data {title, items: [...]}, see core/kinds.py
    # Sent by official accounts only; `text` is null and `data` holds the content.
    NEWS = "news"  # data: {articles: [{title, description, url, picurl}]}
    TEMPLATE = "template"  # data: {template_id, title, text, url, fields}
    # Sent by the wallet (wallet/): a money card; its state changes come as system notes.
    TRANSFER = "transfer"  # data: {transfer_id, amount, currency, note, recipient_id}
    # data: {packet_id, kind, greeting, shares, currency, recipient_id}: the amount is
    # not on the card (WeChat shows it only to those who open)
    RED_PACKET = "red_packet"
    # Sent by the mini apps' room for a person whose app page shared it: an app card,
    # data {app_id, account_id, name, icon, title, path, image_url}
    APP = "app"
    # Sent by a shop's account (shop/): an order's card, one per change of its state
    # data: {order_id, shop_id, shop_name, event, status, total, currency, items, window}
    ORDER = "order"
    # Sent by a person from a shop's product page (shop/): a product's card, bought from it
    # data: {shop_id, product_id, shop_name, name, kind, price, currency, picture}
    PRODUCT = "product"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    display_name: str
    locale: str
    avatar: str | None
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Device:
    id: DeviceId
    user_id: UserId
    name: str
    created_at: Instant
    last_seen_at: Instant


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an authenticated device of a user."""

    user_id: UserId
    device_id: DeviceId


@dataclass(frozen=True, slots=True)
class ContactRequest:
    id: RequestId
    from_user: User
    to_user: User
    greeting: str
    status: RequestStatus
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Contact:
    """One side of a friendship: `user` as seen by its owner, with the owner's remark
    name and description (only the owner sees them)."""

    user: User
    remark: str
    created_at: Instant
    description: str = ""


@dataclass(frozen=True, slots=True)
class Conversation:
    id: ConversationId
    kind: ConversationKind
    name: str
    announcement: str
    owner_id: UserId | None
    last_seq: int
    member_count: int
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Member:
    conversation_id: ConversationId
    user_id: UserId
    role: Role
    joined_seq: int
    last_read_seq: int
    muted: bool
    joined_at: Instant

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Message:
    id: MessageId
    conversation_id: ConversationId
    seq: int
    sender_id: UserId
    client_msg_id: str
    kind: MessageKind
    text: str | None
    reply_to: int | None
    mentions: tuple[UserId, ...]
    mention_all: bool
    created_at: Instant
    recalled: bool = False
    data: dict[str, JsonValue] | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A note addressed to some members of a conversation (`audience`), not a message:
    it takes no seq, so nobody else's history or unread count changes. It sits after the
    message `after_seq` in the history of those it is for ("Bob opened your red
    packet"); `data` is `{action, actor, ...}` like a system note's."""

    id: int
    conversation_id: ConversationId
    after_seq: int
    audience: tuple[UserId, ...]
    data: dict[str, JsonValue]
    created_at: Instant


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation as one member sees it in their chat list."""

    conversation: Conversation
    role: Role
    last_read_seq: int
    muted: bool
    unread: int
    peer: User | None = None
    last_message: Message | None = None
    peer_read_seq: int | None = None  # direct conversations: the other person's position
    mentioned: bool = False  # a message I have not read mentions me (or @all)
    pinned: bool = False  # pinned to the top of my chat list
    marked_unread: bool = False  # I marked it unread (cleared when I open it)
    saved: bool = False  # a group I saved to my contacts ("Saved groups")


@dataclass(frozen=True, slots=True)
class ChatState:
    """How one member keeps a chat in their own list: pinned (since when), marked
    unread, deleted from the list until a message after `hidden_seq`, history cleared
    up to `cleared_seq`, and (groups) saved to my contacts. Nobody else's view changes."""

    conversation_id: ConversationId
    pinned_at: Instant | None = None
    marked_unread: bool = False
    hidden_seq: int = 0
    cleared_seq: int = 0
    saved: bool = False


@dataclass(frozen=True, slots=True)
class ChannelPost:
    """One broadcast of an official account: stored once, read by every follower
    (read diffusion). `seq` is dense per channel; the channel id is the account's id."""

    channel_id: UserId
    seq: int
    id: MessageId
    kind: MessageKind
    text: str | None
    data: dict[str, JsonValue] | None
    created_at: Instant


@dataclass(frozen=True, slots=True)
class StreamView:
    """A large group as one of its members reads its stream (read diffusion): messages
    after `joined_seq` up to `head` are theirs."""

    conversation_id: ConversationId
    head: int
    joined_seq: int


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A followed account's broadcast channel as one follower sees it: posts after
    `joined_seq` up to `head` are theirs to read; `read_seq` is how far they read."""

    channel_id: UserId
    conversation_id: ConversationId
    head: int
    joined_seq: int
    read_seq: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a device needs to start, read in one consistent view, with the log
    position it corresponds to: apply events after `log_seq` and you stay current."""

    user: User
    log_seq: int
    conversations: list[ConversationView]
    contacts: list[Contact]
    requests: list[ContactRequest]
    blocks: list[User]
    channels: list[ChannelView] = field(default_factory=list)
