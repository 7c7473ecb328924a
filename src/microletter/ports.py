"""The doors the actions need: a Store for durable state, a Bus for fan-out hints, and
for media an Intake (checks and stores uploads) over Blobs (content-addressed bytes).

Each has an embedded implementation that needs nothing installed (SQLite, in-memory) and
one that scales out (PostgreSQL, Redis). Every write method runs in one transaction,
checks access inside it, and returns an `Outcome`: the result plus the update-log
entries it appended, which the caller publishes only after the commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Sequence
from pathlib import Path
from typing import Protocol

from microletter.core.events import AccountEvent, LogEntry, Outcome
from microletter.core.ids import ConversationId, DeviceId, RequestId, UserId
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, MediaLimits
from microletter.core.messages import Draft
from microletter.core.models import (
    ChannelPost,
    ChannelView,
    Contact,
    ContactRequest,
    Conversation,
    ConversationView,
    Device,
    Instant,
    JsonValue,
    Member,
    Message,
    MessageKind,
    Role,
    Snapshot,
    User,
)
from microletter.core.moderation import Suspension
from microletter.core.officials import (
    AccountUpload,
    Credentials,
    Follower,
    MessageMode,
    OfficialAccount,
    QrCode,
    QrRequest,
    Scope,
    Template,
)


class Store(Protocol):
    """Durable state. Reads never see uncommitted writes; writes are acked after commit."""

    @property
    def epoch(self) -> str:
        """Changes only if the update logs were ever rebuilt; cursors of another epoch reset."""
        ...

    async def close(self) -> None: ...
    async def ping(self) -> None: ...

    # accounts and devices
    async def create_user(
        self, username: str, password_hash: str, display_name: str, locale: str, now: Instant
    ) -> User: ...
    async def credentials(self, username: str) -> tuple[User, str] | None: ...
    async def create_device(
        self, user_id: UserId, name: str, token_hash: bytes, now: Instant
    ) -> Device: ...
    async def device_for_token(self, token_hash: bytes) -> tuple[UserId, DeviceId] | None: ...
    async def devices(self, user_id: UserId) -> list[Device]: ...
    async def revoke_device(self, user_id: UserId, device_id: DeviceId) -> None: ...
    async def touch_device(self, device_id: DeviceId, now: Instant) -> None: ...
    async def user(self, user_id: UserId) -> User: ...
    async def user_by_name(self, username: str) -> User | None: ...
    # moderation: create_device refuses a suspended user inside its transaction
    async def suspend_user(
        self, user_id: UserId, reason: str, now: Instant
    ) -> tuple[Suspension, list[DeviceId]]:
        """Suspend (again: a new reason, the first time stays) and delete every device
        of the user in one transaction; returns the suspension and the devices deleted."""
        ...

    async def unsuspend_user(self, user_id: UserId) -> None: ...
    async def suspension(self, user_id: UserId) -> Suspension | None:
        """UserNotFound if there is no such user."""
        ...

    async def update_profile(
        self,
        user_id: UserId,
        display_name: str | None,
        locale: str | None,
        avatar: str | None,
        now: Instant,
    ) -> Outcome[User]: ...

    # contacts
    async def request_contact(
        self, me: UserId, them: UserId, greeting: str, now: Instant
    ) -> Outcome[ContactRequest]: ...
    async def answer_request(
        self, me: UserId, request_id: RequestId, accept: bool, now: Instant
    ) -> Outcome[ContactRequest]: ...
    async def remove_contact(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]: ...
    async def set_remark(
        self, me: UserId, them: UserId, remark: str, now: Instant
    ) -> Outcome[Contact]: ...
    async def block(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]: ...
    async def unblock(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]: ...
    async def contacts(self, me: UserId) -> list[Contact]: ...
    async def requests(self, me: UserId) -> list[ContactRequest]: ...
    async def blocks(self, me: UserId) -> list[User]: ...

    # conversations
    async def create_group(
        self, owner: UserId, invitees: Sequence[UserId], name: str, now: Instant
    ) -> Outcome[Conversation]: ...
    async def open_direct(
        self, me: UserId, them: UserId, now: Instant
    ) -> Outcome[Conversation]: ...
    async def update_group(
        self,
        me: UserId,
        cid: ConversationId,
        name: str | None,
        announcement: str | None,
        now: Instant,
    ) -> Outcome[Conversation]: ...
    async def add_members(
        self, me: UserId, cid: ConversationId, invitees: Sequence[UserId], now: Instant
    ) -> Outcome[Conversation]: ...
    async def remove_member(
        self, me: UserId, cid: ConversationId, target: UserId, now: Instant
    ) -> Outcome[Conversation]: ...
    async def leave(self, me: UserId, cid: ConversationId, now: Instant) -> Outcome[None]: ...
    async def set_role(
        self, me: UserId, cid: ConversationId, target: UserId, role: Role, now: Instant
    ) -> Outcome[Conversation]: ...
    async def transfer_owner(
        self, me: UserId, cid: ConversationId, target: UserId, now: Instant
    ) -> Outcome[Conversation]: ...
    async def set_muted(
        self, me: UserId, cid: ConversationId, muted: bool, now: Instant
    ) -> Outcome[Conversation]: ...
    async def conversations(self, me: UserId) -> list[ConversationView]: ...
    async def conversation(self, me: UserId, cid: ConversationId) -> ConversationView: ...
    async def members(self, me: UserId, cid: ConversationId) -> list[tuple[Member, User]]: ...
    async def member_ids(self, me: UserId, cid: ConversationId) -> list[UserId]: ...

    # messages
    async def post_message(self, draft: Draft, now: Instant) -> Outcome[Message]: ...
    async def recall_message(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[Message]: ...
    async def mark_read(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[int]: ...
    async def history(
        self,
        me: UserId,
        cid: ConversationId,
        before: int | None,
        after: int | None,
        limit: int,
    ) -> list[Message]: ...
    async def message(self, me: UserId, cid: ConversationId, seq: int) -> Message: ...

    # media
    async def save_media(
        self, me: UserId, facts: BlobFacts, kind: MediaKind, name: str, now: Instant
    ) -> Media:
        """Record that `me` uploaded this blob as `kind` named `name` (again: the new name)."""
        ...

    async def visible_media(self, me: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        """The media among `ids` that `me` may fetch: uploaded by them, or carried by a
        message they can see (a member since before it, and it is not recalled)."""
        ...

    # sync
    async def log_head(self, user_id: UserId) -> int: ...
    async def read_log(self, user_id: UserId, after: int, limit: int) -> list[LogEntry]: ...
    async def snapshot(self, user_id: UserId) -> Snapshot: ...

    # broadcast channels of the accounts a user follows (read diffusion)
    async def channels(self, user_id: UserId) -> list[ChannelView]: ...
    async def channel_posts(
        self, user_id: UserId, channel_id: UserId, after: int, limit: int
    ) -> list[ChannelPost]: ...
    async def mark_channel_read(self, user_id: UserId, channel_id: UserId, seq: int) -> int: ...


class Lease(Protocol):
    """The right to run a job that must run in one process at a time among all that share
    the store (the platform's push dispatcher). Whoever holds it keeps it until it
    releases it, or loses its connection, or dies; then another process may take it."""

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True if this process holds it now."""
        ...

    async def lost(self) -> None:
        """Wait while the lease is held; return once it is lost (held, then no more)."""
        ...

    async def release(self) -> None: ...


class PlatformStore(Protocol):
    """Durable state of the open platform: official accounts, followers, channels, QR
    codes, media, templates and OAuth codes. Writes run in one transaction each, with the
    same group commit as the Store's; owner-only writes check the owner inside it."""

    @property
    def platform_key(self) -> bytes:
        """A secret made on first start: OpenIDs, UnionIDs and tokens derive from it."""
        ...

    # accounts (the developer console)
    async def create_account(
        self,
        owner: UserId,
        creds: Credentials,
        name: str,
        description: str,
        avatar: str | None,
        max_per_owner: int,
        now: Instant,
    ) -> OfficialAccount: ...
    async def update_account(
        self,
        owner: UserId,
        account_id: UserId,
        name: str | None,
        description: str | None,
        avatar: str | None,
    ) -> OfficialAccount: ...
    async def reset_secret(
        self, owner: UserId, account_id: UserId, secret_hash: bytes
    ) -> OfficialAccount: ...
    async def set_webhook(
        self,
        owner: UserId,
        account_id: UserId,
        url: str | None,
        token: str,
        aes_key: str,
        mode: MessageMode,
        verified_at: Instant | None,
    ) -> OfficialAccount: ...
    async def set_menu(
        self, account_id: UserId, menu: list[dict[str, JsonValue]] | None
    ) -> OfficialAccount: ...
    async def set_push_cursor(self, account_id: UserId, cursor: int) -> None: ...
    async def account(self, account_id: UserId) -> OfficialAccount: ...
    async def account_by_appid(self, appid: str) -> OfficialAccount: ...
    async def accounts_of(self, owner: UserId) -> list[OfficialAccount]: ...
    async def search_accounts(self, query: str, limit: int) -> list[OfficialAccount]: ...
    async def webhook_accounts(self) -> list[tuple[OfficialAccount, int]]: ...
    def push_lease(self) -> Lease:
        """A new lease on pushing to webhooks: exactly one process pushes at a time."""
        ...

    # followers
    async def follow(
        self, account_id: UserId, user_id: UserId, scene: str, qr: QrCode | None, now: Instant
    ) -> Outcome[ConversationId]: ...
    async def unfollow(
        self, account_id: UserId, user_id: UserId, now: Instant
    ) -> Outcome[None]: ...
    async def press(
        self, account_id: UserId, user_id: UserId, event: str, key: str, now: Instant
    ) -> Outcome[None]: ...
    async def notify(self, event: AccountEvent, now: Instant) -> Outcome[None]: ...
    async def post_as_account(
        self,
        account_id: UserId,
        user_id: UserId,
        client_msg_id: str,
        kind: MessageKind,
        text: str | None,
        data: dict[str, JsonValue] | None,
        window_ms: int | None,
        now: Instant,
        media_id: MediaId | None = None,
    ) -> Outcome[Message]: ...
    async def follower(self, account_id: UserId, user_id: UserId) -> Follower | None: ...
    async def follower_by_openid(
        self, account_id: UserId, openid: str
    ) -> tuple[Follower, User]: ...
    async def followers_page(
        self, account_id: UserId, after_openid: str, limit: int
    ) -> list[str]: ...
    async def conversation_with(
        self, account_id: UserId, user_id: UserId
    ) -> ConversationId | None: ...
    async def followed(self, user_id: UserId) -> list[UserId]: ...

    # broadcasts
    async def broadcast(
        self,
        account_id: UserId,
        kind: MessageKind,
        text: str | None,
        data: dict[str, JsonValue] | None,
        per_day: int,
        now: Instant,
    ) -> Outcome[ChannelPost]: ...

    # QR codes, media, templates
    async def create_qrcode(
        self, account_id: UserId, request: QrRequest, ticket: str, now: Instant
    ) -> QrCode: ...
    async def qrcode(self, ticket: str, now: Instant) -> QrCode: ...
    async def record_upload(self, upload: AccountUpload) -> AccountUpload: ...
    async def uploads(self, account_id: UserId, media_id: str) -> list[AccountUpload]: ...
    async def add_template(self, template: Template) -> Template: ...
    async def delete_template(self, account_id: UserId, template_id: str) -> None: ...
    async def templates(self, account_id: UserId) -> list[Template]: ...
    async def template(self, account_id: UserId, template_id: str) -> Template: ...

    # OAuth codes
    async def create_code(
        self,
        code_hash: bytes,
        account_id: UserId,
        user_id: UserId,
        scope: Scope,
        expires_at: Instant,
    ) -> str: ...
    async def use_code(
        self, code_hash: bytes, account_id: UserId, now: Instant
    ) -> tuple[UserId, Scope]: ...


class Blobs(Protocol):
    """Content-addressed bytes: `key` is a media id, or a media id and a variant suffix.

    Writing goes through a staging file on the same filesystem as the blobs: fill it,
    then `keep` moves it into place atomically (or `discard` it). Synchronous, for the
    worker threads that decode uploads; a remote store would upload in `keep`."""

    def stage(self) -> Path:
        """A new, empty staging file that nobody else uses."""
        ...

    def keep(self, staged: Path, key: str) -> None:
        """Move a finished staging file into place as `key` (if `key` exists, drop it)."""
        ...

    def discard(self, staged: Path) -> None: ...
    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """Where `key` is on this machine's disk (None if it is not stored here)."""
        ...


class Intake(Protocol):
    """Turns an upload's byte stream into a checked, stored blob. It decodes what it got
    (never trusting names or declared types) and refuses what is not of the kind or is
    over the limits; a refused or broken-off upload leaves nothing behind."""

    async def ingest(
        self, kind: MediaKind, body: AsyncIterable[bytes], declared_size: int | None
    ) -> BlobFacts: ...

    @property
    def limits(self) -> MediaLimits: ...

    async def close(self) -> None: ...


Handler = Callable[[object], None]


class Subscription(Protocol):
    def close(self) -> None: ...

    async def ready(self) -> None:
        """Return once messages published from now on reach the handler (at once in one
        process; after the server confirmed it for Redis)."""
        ...


class Bus(Protocol):
    """Fan-out hints between processes. At most once: correctness comes from the log,
    so a lost message only delays delivery until the next read of the log."""

    async def publish(self, items: Sequence[tuple[str, object]]) -> None:
        """Publish each (topic, message), in order."""
        ...

    def subscribe(self, topic: str, handler: Handler) -> Subscription: ...

    def on_gap(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever messages may have been lost (the bus reconnected):
        subscribers should then read the log instead of waiting for hints."""
        ...

    async def close(self) -> None: ...


class Presence(Protocol):
    """Who is online (has a live connection), with an expiry: a device not renewed
    within its TTL counts as gone. Best effort; never in the durable store."""

    async def mark_online(self, devices: Sequence[tuple[UserId, DeviceId]], ttl: float) -> None: ...

    async def mark_offline(self, user_id: UserId, device_id: DeviceId) -> None: ...
    async def online(self, user_ids: Sequence[UserId]) -> set[UserId]: ...
    async def close(self) -> None: ...


def user_topic(user_id: UserId) -> str:
    return f"u:{user_id}"


def channel_topic(channel_id: UserId) -> str:
    """Hints of new broadcasts of one account, for the devices of its followers."""
    return f"ch:{channel_id}"


PLATFORM_TOPIC = "platform"  # webhook configuration changed (for the push dispatcher)
