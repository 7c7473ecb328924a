"""The shapes on the wire: REST bodies and replies, and WebSocket frames (protocol v1).

Typed with msgspec, which validates what arrives and writes the OpenAPI schemas. Replies
embed the core values (User, Message, ...) as they are, so the API and the domain share
one vocabulary.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from microletter import PROTOCOL_VERSION
from microletter.core.contacts import Privacy
from microletter.core.invites import JoinRequest
from microletter.core.media import Media
from microletter.core.models import (
    ChannelView,
    ChatState,
    Contact,
    ContactRequest,
    Conversation,
    ConversationView,
    Device,
    Message,
    Note,
    Role,
    User,
)
from microletter.core.moderation import Suspension

Id = Annotated[int, Meta(ge=1, lt=2**53, description="A 53-bit id (exact in JavaScript).")]
Seq = Annotated[int, Meta(ge=0, lt=2**53)]
Short = Annotated[str, Meta(max_length=256)]
Medium = Annotated[str, Meta(max_length=4096)]
Text = Annotated[str, Meta(max_length=262144)]  # the byte limit (16 KiB) is the core rule's
Ref = Annotated[str, Meta(max_length=64)] | Annotated[int, Meta(ge=0, lt=2**53)] | None
IdList = Annotated[list[Id], Meta(max_length=1000)]
MediaIdText = Annotated[
    str, Meta(pattern="^[0-9a-f]{64}$", description="A media id: the sha256 of its bytes, in hex.")
]
SendKind = Literal["text", "image", "voice", "file", "video", "sticker", "location", "card"]
SendData = Annotated[dict[str, Any], Meta(max_length=8)]  # location and card fields


class Problem(Struct):
    code: str
    message: str
    details: dict[str, object]


class ErrorReply(Struct):
    """Every error, on every route: a stable code, a human message and details."""

    error: Problem


# --- accounts ---


class RegisterBody(Struct, forbid_unknown_fields=True):
    username: Short
    password: Short
    display_name: Short = ""
    locale: Short = "en"
    device_name: Short = ""


class OperatorSetupBody(Struct, forbid_unknown_fields=True):
    """`token`: the one in the setup link `microletter serve` printed (after `#/setup/`);
    `username`: one of MICROLETTER_OPERATORS that has no account yet."""

    token: Short
    username: Short
    password: Short
    display_name: Short = ""
    locale: Short = "en"
    device_name: Short = ""


class LoginBody(Struct, forbid_unknown_fields=True):
    username: Short
    password: Short
    device_name: Short = ""


class SessionReply(Struct):
    """A new device: keep `token` secret; it is shown only once."""

    user: User
    device: Device
    token: str


class ProfilePatch(Struct, forbid_unknown_fields=True):
    """`avatar`: the id of an image you uploaded (POST /api/v1/media?kind=image)."""

    display_name: Short | None = None
    locale: Short | None = None
    avatar: Annotated[str, Meta(max_length=64)] | None = None


class AvatarQuery(Struct, forbid_unknown_fields=True):
    """`v`: the first characters of the avatar's media id (a cache key)."""

    v: Annotated[str, Meta(max_length=64)] | None = None


class DevicesReply(Struct):
    devices: list[Device]
    current: int


class UserReply(Struct):
    user: User


# --- moderation (operators only) ---


class SuspendBody(Struct, forbid_unknown_fields=True):
    """`reason`: why, for the other operators (1-500 characters; the user is not shown it)."""

    reason: Medium


class StandingReply(Struct):
    """A user as an operator sees them: `suspension` is null unless they are suspended
    (`at`: since when, in ms; `reason`: the operator's note)."""

    user: User
    operator: bool
    suspension: Suspension | None


# --- contacts ---


class RequestBody(Struct, forbid_unknown_fields=True):
    """Name the person by `user_id` or by exact `username`."""

    user_id: Id | None = None
    username: Short | None = None
    greeting: Short = ""
    via: Literal["username", "qr", "group", "card"] | None = None  # how you found them
    remark: Short = ""  # your remark name for them once they accept (only you see it)


class RequestReply(Struct):
    request: ContactRequest


class RequestsReply(Struct):
    requests: list[ContactRequest]


class ContactsReply(Struct):
    contacts: list[Contact]


class ContactReply(Struct):
    contact: Contact


class PresenceReply(Struct):
    """The ids of your contacts who have a live connection now."""

    online: list[int]


class RemarkBody(Struct, forbid_unknown_fields=True):
    """Your remark name and/or description of a contact (a field left out is kept)."""

    remark: Short | None = None
    description: Medium | None = None


class BlocksReply(Struct):
    users: list[User]


# --- conversations ---


class GroupBody(Struct, forbid_unknown_fields=True):
    name: Short = ""
    member_ids: IdList = []


class DirectBody(Struct, forbid_unknown_fields=True):
    user_id: Id


class GroupPatch(Struct, forbid_unknown_fields=True):
    name: Short | None = None
    announcement: Medium | None = None


class MembersBody(Struct, forbid_unknown_fields=True):
    user_ids: IdList


class RoleBody(Struct, forbid_unknown_fields=True):
    role: Literal["admin", "member"]


class OwnerBody(Struct, forbid_unknown_fields=True):
    user_id: Id


class MuteBody(Struct, forbid_unknown_fields=True):
    muted: bool


class ConversationsReply(Struct):
    conversations: list[ConversationView]


class ConversationReply(Struct):
    conversation: ConversationView


class MemberOut(Struct):
    user: User
    role: Role
    joined_seq: int
    last_read_seq: int


class MembersReply(Struct):
    members: list[MemberOut]


# --- messages ---


class SendBody(Struct, forbid_unknown_fields=True):
    """`text` is required for text messages and an optional caption for image and file
    messages (voice messages have none); `media_id` names an uploaded blob."""

    client_msg_id: Short
    text: Text | None = None
    kind: SendKind = "text"
    media_id: MediaIdText | None = None
    reply_to: Seq | None = None
    mentions: IdList = []
    mention_all: bool = False
    data: SendData | None = None


class MessageReply(Struct):
    message: Message


class MessagesReply(Struct):
    messages: list[Message]
    notes: list[Note] = []


class ReadBody(Struct, forbid_unknown_fields=True):
    seq: Seq


class ReadReply(Struct):
    last_read_seq: int


class ChatBody(Struct, forbid_unknown_fields=True):
    """Your own view of a chat: pin it, mark it unread, save a group to your contacts
    (any of them)."""

    pinned: bool | None = None
    unread: bool | None = None
    saved: bool | None = None


class DeleteChatBody(Struct, forbid_unknown_fields=True):
    clear_history: bool = False


class ChatStateReply(Struct):
    state: ChatState


class InviteBody(Struct, forbid_unknown_fields=True):
    approval: bool = False  # joining needs an owner's or admin's approval


class InviteWire(Struct):
    id: int
    conversation_id: int
    approval: bool
    expires_at: int
    token: str | None = None  # only when it was just made
    url: str | None = None


class InviteReply(Struct):
    invite: InviteWire


class InvitePreviewReply(Struct):
    invite: InviteWire
    conversation: Conversation


class JoinReply(Struct):
    conversation_id: int
    request: JoinRequest | None  # with approval on: the request that waits


class JoinRequestReply(Struct):
    request: JoinRequest


class JoinRequestsReply(Struct):
    requests: list[JoinRequest]


class PrivacyBody(Struct, forbid_unknown_fields=True):
    """Change any of your privacy settings (the others stay)."""

    add_by_username: bool | None = None
    add_by_qr: bool | None = None
    add_by_group: bool | None = None
    add_by_card: bool | None = None
    read_receipts: bool | None = None


class PrivacyReply(Struct):
    privacy: Privacy


class PasswordBody(Struct, forbid_unknown_fields=True):
    old_password: Annotated[str, Meta(max_length=1024)]
    new_password: Annotated[str, Meta(max_length=1024)]
    log_out_others: bool = False


class PasswordReply(Struct):
    logged_out: list[int]  # the devices logged out


SeqList = Annotated[list[Seq], Meta(max_length=100)]


class HideBody(Struct, forbid_unknown_fields=True):
    seqs: SeqList


class HideReply(Struct):
    seqs: list[int]


class ForwardBody(Struct, forbid_unknown_fields=True):
    """Forward `seqs` of this conversation to the chats `to`: one by one, or `merged`
    into one chat-history card titled `title`."""

    client_msg_id: Short
    seqs: SeqList
    to: Annotated[list[Id], Meta(min_length=1, max_length=9)]
    merged: bool = False
    title: Short = ""


class ErrorInfo(Struct):
    code: str
    message: str


class ForwardResult(Struct):
    conversation_id: int
    messages: list[Message]
    error: ErrorInfo | None = None


class ForwardReply(Struct):
    results: list[ForwardResult]


class HistoryQuery(Struct, forbid_unknown_fields=True):
    """`after`: the page after this seq (oldest first); else `before` (default newest)."""

    before: Seq | None = None
    after: Seq | None = None
    limit: Annotated[int, Meta(ge=1, le=100)] | None = None


# --- media ---


class UploadQuery(Struct, forbid_unknown_fields=True):
    """The body is the file's raw bytes; its Content-Type is only a hint."""

    kind: Literal["image", "voice", "file", "video"]
    name: Short | None = None


class MediaReply(Struct):
    media: Media


class UsageReply(Struct):
    """Your storage: the bytes of the blobs you have uploads of (each once), and your
    quota (null: none). Uploads nothing refers to expire after `upload_ttl_seconds`."""

    used_bytes: int
    quota_bytes: int | None
    upload_ttl_seconds: int


class LinksBody(Struct, forbid_unknown_fields=True):
    ids: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=100)]


class LinkOut(Struct):
    """A signed link, good until `expires_at` (ms), for the asking user only."""

    url: str
    thumbnail_url: str | None
    expires_at: int


class LinksReply(Struct):
    urls: dict[str, LinkOut]
    denied: list[str]


class LinkQuery(Struct, forbid_unknown_fields=True):
    u: Annotated[int, Meta(ge=0, lt=2**53)]
    e: Annotated[int, Meta(ge=0, lt=2**53)]
    s: Annotated[str, Meta(max_length=64)]


# --- sync ---


class StateReply(Struct):
    """Everything a device starts from; then resume the WebSocket with `after=cursor`."""

    epoch: str
    cursor: int
    user: User
    conversations: list[ConversationView]
    contacts: list[Contact]
    requests: list[ContactRequest]
    blocks: list[User]
    channels: list[ChannelView] = []
    operator: bool = False  # one of the server's operators (MICROLETTER_OPERATORS)


class ChangesQuery(Struct, forbid_unknown_fields=True):
    after: Seq
    epoch: Short | None = None
    limit: Annotated[int, Meta(ge=1, le=500)] | None = None


class EventOut(Struct):
    """One log entry; `data` is the event of that kind (see docs/protocol.md)."""

    seq: int
    kind: str
    data: dict[str, object]


class ChangesReply(Struct):
    epoch: str
    events: list[EventOut]
    cursor: int
    has_more: bool


class Health(Struct):
    status: str
    version: str
    api_version: int
    protocol_version: int


# --- WebSocket frames, client to server (tagged by "t") ---


MAX_STREAMS = 5000  # positions one `streams` frame may carry


class Hello(Struct, tag="hello", tag_field="t", forbid_unknown_fields=True):
    token: Short
    after: Seq | None = None
    epoch: Short | None = None
    v: int = PROTOCOL_VERSION


class Send(Struct, tag="send", tag_field="t", forbid_unknown_fields=True):
    conversation_id: Id
    client_msg_id: Short
    text: Text | None = None
    kind: SendKind = "text"
    media_id: MediaIdText | None = None
    ref: Ref = None
    reply_to: Seq | None = None
    mentions: IdList = []
    mention_all: bool = False
    data: SendData | None = None


class Read(Struct, tag="read", tag_field="t", forbid_unknown_fields=True):
    conversation_id: Id
    seq: Seq
    ref: Ref = None


class Recall(Struct, tag="recall", tag_field="t", forbid_unknown_fields=True):
    conversation_id: Id
    seq: Seq
    ref: Ref = None


class TypingFrame(Struct, tag="typing", tag_field="t", forbid_unknown_fields=True):
    conversation_id: Id


class Ping(Struct, tag="ping", tag_field="t", forbid_unknown_fields=True):
    ref: Ref = None


class OpenRedPacket(Struct, tag="open_red_packet", tag_field="t", forbid_unknown_fields=True):
    """Revision 2: open a red packet (the red-packet room answers it; `Gateway.rooms`)."""

    packet_id: Id
    ref: Ref = None


class Streams(Struct, tag="streams", tag_field="t", forbid_unknown_fields=True):
    """Revision 3: this device reads large groups from their streams; `after` is the last
    seq it has of each group it knows (docs/protocol.md, "Streams")."""

    after: Annotated[dict[Id, Seq], Meta(max_length=MAX_STREAMS)] = {}
    ref: Ref = None


ClientFrame = Hello | Send | Read | Recall | TypingFrame | Ping | OpenRedPacket | Streams
# The frames a feature room answers (app.py gives the gateway their handlers).
RoomFrame = OpenRedPacket

json_frames = msgspec.json.Decoder(ClientFrame)
msgpack_frames = msgspec.msgpack.Decoder(ClientFrame)
