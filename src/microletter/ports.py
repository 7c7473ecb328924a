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

from microletter.core.events import LogEntry, Outcome
from microletter.core.ids import ConversationId, DeviceId, RequestId, UserId
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, MediaLimits
from microletter.core.messages import Draft
from microletter.core.models import (
    Contact,
    ContactRequest,
    Conversation,
    ConversationView,
    Device,
    Instant,
    Member,
    Message,
    Role,
    Snapshot,
    User,
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
