"""The doors the actions need: a Store for durable state, a Bus for fan-out hints, and
for media an Intake (checks and stores uploads) over Blobs (content-addressed bytes).

Each has an embedded implementation that needs nothing installed (SQLite, in-memory) and
one that scales out (PostgreSQL, Redis). Every write method runs in one transaction,
checks access inside it, and returns an `Outcome`: the result plus the update-log
entries it appended, which the caller publishes only after the commit.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterable,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from microletter.core.contacts import Privacy, Relation, Via
from microletter.core.events import Event, LogEntry, MessagePosted, Outcome
from microletter.core.ids import ConversationId, DeviceId, RequestId, UserId
from microletter.core.invites import Invite, JoinRequest
from microletter.core.limits import Limits
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind, MediaLimits
from microletter.core.messages import Draft
from microletter.core.models import (
    ChannelPost,
    ChannelView,
    ChatState,
    Contact,
    ContactRequest,
    Conversation,
    ConversationView,
    Device,
    Instant,
    JsonValue,
    Member,
    Message,
    Note,
    Role,
    Snapshot,
    StreamView,
    User,
)
from microletter.core.moderation import Suspension
from microletter.core.quotas import Sweep

P = ParamSpec("P")
T = TypeVar("T")


class Row(Protocol):
    """A result row of any driver: indexable by column position."""

    def __getitem__(self, index: int, /) -> Any: ...


class Reader(Protocol):
    """What a unit of work that reads gets: statements in PostgreSQL's dialect
    (storage/sql.py says which forms SQLite gets translated)."""

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...
    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...
    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row (None if there is no row)."""
        ...


class Tx(Reader, Protocol):
    """What a unit of work that writes gets: one transaction, committed after it returns
    (or rolled back if it raises). The methods below are where the backends differ for a
    reason: SQLite's single writer keeps the hot state in memory and needs no locks;
    PostgreSQL reads it inside the transaction and takes row locks in one order."""

    @property
    def limits(self) -> Limits: ...

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": for a hot statement written per backend (one
        round trip on PostgreSQL where SQLite's function calls are cheap: `post`)."""
        ...

    def new_id(self, now: Instant) -> int: ...

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def insert_notes(self, rows: Sequence[Sequence[Any]]) -> None:
        """Store rows of `notes` (user_id, id, conversation_id, after_seq, audience, data,
        created_at): storage/notes.py. PostgreSQL writes them with the log, in its round
        trip at the end of the transaction."""
        ...

    # the lock order (PostgreSQL): a conversation, then a pair of users, then users in id order
    async def lock_conversation(
        self, cid: ConversationId, sender: UserId | None = None
    ) -> Conversation:
        """Lock the conversation until COMMIT (its seqs and members change under this lock)
        and return its header; ConversationNotFound if there is none. With `sender`,
        `relation(sender, peer)` of a direct conversation may come from the same read."""
        ...

    async def lock_pair(self, a: UserId, b: UserId) -> None:
        """Serialize the writes about one pair of users (requests, contacts, blocks)."""
        ...

    async def lock_users(self, user_ids: Iterable[UserId]) -> None:
        """Lock these users' rows, in id order (for a write that changes user rows and
        then appends to exactly these users' logs)."""
        ...

    # conversations as this transaction sees them
    async def conversation(self, cid: ConversationId) -> Conversation:
        """The header, with its current last seq and member count."""
        ...

    async def members(self, cid: ConversationId) -> Mapping[UserId, Member]: ...

    def conversation_changed(self, cid: ConversationId) -> None:
        """SQL changed the conversation's header or members: read them again."""
        ...

    def last_seq(self, cid: ConversationId) -> int:
        """The last seq, counting messages this transaction inserted (after a lock)."""
        ...

    async def insert_message(
        self, draft: Draft, now: Instant, *, seen: bool = False
    ) -> Message | None:
        """Give the draft the conversation's next seq and store it (no checks, no log);
        with `seen`, the sender has read up to it. None if (conversation, sender,
        client_msg_id) exists already."""
        ...

    async def read_position(self, cid: ConversationId, uid: UserId) -> int:
        """A member's read position (-1 if not a member)."""
        ...

    async def read_up_to(self, cid: ConversationId, uid: UserId, seq: int) -> bool:
        """Move a member's read position forward to `seq`; False if it was there already."""
        ...

    # contacts
    async def relation(self, me: UserId, them: UserId) -> Relation: ...

    def relation_changed(self, a: UserId, b: UserId) -> None:
        """SQL changed contacts, requests or blocks between a and b."""
        ...

    # the update log
    def append(self, targets: Iterable[tuple[UserId, Event]], now: Instant) -> None:
        """Append each event to its user's log, in order; the entries come back with the
        write's `Outcome`, to be published after the commit."""
        ...

    async def log_head(self, uid: UserId) -> int:
        """The last seq of a user's log, before this transaction's appends."""
        ...

    # streams (read diffusion of large groups)
    async def stream_readers(self, uids: Collection[UserId]) -> frozenset[UserId]:
        """Those of `uids` who read large groups from their streams: users with at least
        one device, every one of which opted into streams (docs/protocol.md, "Streams")."""
        ...

    def devices_changed(self, uid: UserId) -> None:
        """SQL added, removed or opted in a device of `uid`: ask `stream_readers` again."""
        ...

    def stream(self, event: MessagePosted) -> None:
        """The message goes to its conversation's stream: its hint is published after the
        commit (`Outcome.streamed`), once, on the conversation's topic."""
        ...

    @property
    def indexes(self) -> Sequence[MessageIndex]:
        """The message indexes of feature rooms (search/), told of every message posted
        and recalled in this transaction (`Database.add_index`)."""
        ...


class MessageIndex(Protocol):
    """A feature room's own index of message content, kept in the transaction that
    changes a message, so it never shows what the messages table no longer has. Its
    methods only run statements on `tx` (and never raise a MicroletterError)."""

    async def posted(self, tx: Tx, message: Message) -> None:
        """A user's message was stored (not a system note)."""
        ...

    async def recalled(self, tx: Tx, message: Message) -> None:
        """`message`, as it was before its content was erased, was recalled."""
        ...


class Database(Protocol):
    """Runs units of work. Every backend returns the same shapes: a write's `Outcome`
    (its value and the log entries it appended), a read's value."""

    @property
    def epoch(self) -> str:
        """Changes only if the update logs were ever rebuilt; cursors of another epoch reset."""
        ...

    @property
    def server_key(self) -> bytes:
        """A secret made on first start (OpenIDs, UnionIDs and tokens derive from it)."""
        ...

    def write(
        self, fn: Callable[Concatenate[Tx, P], Awaitable[T]], /, *args: P.args, **kw: P.kwargs
    ) -> Awaitable[Outcome[T]]:
        """Run `fn(tx, *args)` in one transaction and commit. Unavailable if the database
        cannot be reached or commit (then nothing of it is visible)."""
        ...

    def read(
        self, fn: Callable[Concatenate[Reader, P], Awaitable[T]], /, *args: P.args, **kw: P.kwargs
    ) -> Awaitable[T]: ...

    def lease(self, name: str) -> Lease:
        """A new lease named `name`: one process at a time among all on this database."""
        ...

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": for a feature room whose index truly differs (search/)."""
        ...

    def add_index(self, index: MessageIndex) -> None:
        """Keep `index` in every later write transaction that posts or recalls a message."""
        ...

    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class Store(Protocol):
    """Durable state. Reads never see uncommitted writes; writes are acked after commit."""

    @property
    def db(self) -> Database:
        """The database the store's operations run on (feature rooms run theirs on it)."""
        ...

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
    async def read_streams(self, user_id: UserId, device_id: DeviceId) -> bool: ...
    async def user(self, user_id: UserId) -> User: ...
    async def password_hash(self, user_id: UserId) -> str: ...
    async def privacy(self, user_id: UserId) -> Privacy: ...
    async def set_privacy(self, user_id: UserId, settings: Privacy) -> Privacy: ...
    async def change_password(
        self, user_id: UserId, password_hash: str, keep: DeviceId | None
    ) -> list[DeviceId]:
        """Set the password hash; with `keep`, delete every other device of the user."""
        ...

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
        self,
        me: UserId,
        them: UserId,
        greeting: str,
        now: Instant,
        via: Via | None = None,
        remark: str = "",
    ) -> Outcome[ContactRequest]: ...
    async def answer_request(
        self, me: UserId, request_id: RequestId, accept: bool, now: Instant
    ) -> Outcome[ContactRequest]: ...
    async def refuse_requests(
        self, me: UserId, request_id: RequestId, now: Instant
    ) -> Outcome[ContactRequest]:
        """Decline the request and keep its asker's later requests from me, in silence."""
        ...

    async def remove_contact(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]: ...
    async def set_remark(
        self,
        me: UserId,
        them: UserId,
        remark: str | None,
        now: Instant,
        description: str | None = None,
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
    async def set_chat_state(
        self,
        me: UserId,
        cid: ConversationId,
        pinned: bool | None,
        unread: bool | None,
        now: Instant,
        saved: bool | None = None,
    ) -> Outcome[ChatState]: ...
    async def delete_chat(
        self, me: UserId, cid: ConversationId, clear: bool, now: Instant
    ) -> Outcome[ChatState]: ...
    async def clear_history(
        self, me: UserId, cid: ConversationId, now: Instant
    ) -> Outcome[ChatState]: ...
    # group invites (core/invites.py)
    async def create_invite(
        self, me: UserId, cid: ConversationId, token_hash: bytes, approval: bool, now: Instant
    ) -> Invite: ...
    async def revoke_invite(
        self, me: UserId, cid: ConversationId, invite_id: int, now: Instant
    ) -> None: ...
    async def set_invite_approval(
        self, me: UserId, cid: ConversationId, invite_id: int, approval: bool, now: Instant
    ) -> Invite: ...
    async def invite_preview(
        self, token_hash: bytes, now: Instant
    ) -> tuple[Invite, Conversation]: ...
    async def join_by_invite(
        self, me: UserId, token_hash: bytes, now: Instant
    ) -> Outcome[tuple[ConversationId, JoinRequest | None]]: ...
    async def answer_join(
        self, me: UserId, cid: ConversationId, request_id: int, approve: bool, now: Instant
    ) -> Outcome[JoinRequest]: ...
    async def join_requests(self, me: UserId, cid: ConversationId) -> list[JoinRequest]: ...

    async def conversations(self, me: UserId) -> list[ConversationView]: ...
    async def saved_groups(self, me: UserId) -> list[ConversationView]: ...
    async def conversation(self, me: UserId, cid: ConversationId) -> ConversationView: ...
    async def members(self, me: UserId, cid: ConversationId) -> list[tuple[Member, User]]: ...
    async def member_ids(self, me: UserId, cid: ConversationId) -> list[UserId]: ...

    # messages
    async def post_message(self, draft: Draft, now: Instant) -> Outcome[Message]: ...
    async def recall_message(
        self,
        me: UserId,
        cid: ConversationId,
        seq: int,
        now: Instant,
        window_ms: int | None = None,
        as_manager: bool = False,
    ) -> Outcome[Message]: ...
    async def edit_message(
        self,
        me: UserId,
        cid: ConversationId,
        seq: int,
        text: str | None,
        data: dict[str, JsonValue],
        now: Instant,
    ) -> Outcome[Message]: ...
    async def mark_read(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[int]: ...
    async def hide_messages(
        self, me: UserId, cid: ConversationId, seqs: Sequence[int], now: Instant
    ) -> Outcome[tuple[int, ...]]:
        """Delete for me: history no longer returns these to me; my devices are told."""
        ...

    async def history(
        self,
        me: UserId,
        cid: ConversationId,
        before: int | None,
        after: int | None,
        limit: int,
    ) -> list[Message]: ...
    async def message(self, me: UserId, cid: ConversationId, seq: int) -> Message: ...
    async def notes(self, me: UserId, cid: ConversationId, lo: int, hi: int | None) -> list[Note]:
        """My notes (addressed to me among some members) placed after a message of seq
        `lo` to `hi` (None: no end), oldest first."""
        ...

    # media
    async def save_media(
        self,
        me: UserId,
        facts: BlobFacts,
        kind: MediaKind,
        name: str,
        now: Instant,
        quota: int | None = None,
    ) -> Media:
        """Record that `me` uploaded this blob as `kind` named `name` (again: the new name
        and a new expiry). With a quota: QuotaExceeded, and nothing written, if the blob is
        new to `me` and would take their uploads past it (one upload of a user decides at
        a time)."""
        ...

    async def record_blob(self, facts: BlobFacts, now: Instant) -> None:
        """Record a stored blob that no upload names (a refused one), so that the
        collector deletes it once its grace period is over."""
        ...

    async def media_usage(self, me: UserId) -> int:
        """The bytes of the blobs `me` has uploads of (each blob once)."""
        ...

    async def visible_media(self, me: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        """The media among `ids` that `me` may fetch: uploaded by them, or carried by a
        message they can see (a member since before it, and it is not recalled)."""
        ...

    # the media collector (actions/collector.py; the referrers come from every room)
    async def expire_uploads(
        self,
        referrers: Sequence[Referrer],
        before: Instant,
        after: MediaId | None,
        limit: int,
        now: Instant,
    ) -> Sweep:
        """Delete the uploads last made before `before` of blobs that no referrer but the
        uploads names: of up to `limit` blobs, in id order after `after`."""
        ...

    async def collect_media(
        self,
        referrers: Sequence[Referrer],
        before: Instant,
        after: MediaId | None,
        limit: int,
        now: Instant,
    ) -> Sweep:
        """Delete the rows of blobs stored or uploaded before `before` that no referrer
        names (asked again under a lock that any new reference waits for, see
        `hold_media`), of up to `limit` blobs in id order after `after`, and put them in
        the trash: their files are to be deleted."""
        ...

    async def media_trash(self, limit: int) -> list[tuple[MediaId, bool]]:
        """Blobs whose files are to be deleted, oldest first, each with whether an upload
        stored the same bytes again since (then the file stays)."""
        ...

    async def forget_trash(self, ids: Sequence[MediaId]) -> None: ...

    async def media_totals(self) -> tuple[int, int]:
        """How many blobs are stored, and their bytes (originals; thumbnails not counted)."""
        ...

    # sync
    async def log_head(self, user_id: UserId) -> int: ...
    async def read_log(self, user_id: UserId, after: int, limit: int) -> list[LogEntry]: ...
    async def snapshot(self, user_id: UserId) -> Snapshot: ...

    # streams of the large groups a user is in (read diffusion)
    async def streams(self, user_id: UserId, members: int) -> list[StreamView]: ...
    async def stream_page(
        self, user_id: UserId, cid: ConversationId, after: int, limit: int
    ) -> list[Message]: ...

    # broadcast channels of the accounts a user follows (read diffusion)
    async def channels(self, user_id: UserId) -> list[ChannelView]: ...
    async def channel_posts(
        self, user_id: UserId, channel_id: UserId, after: int, limit: int
    ) -> list[ChannelPost]: ...
    async def mark_channel_read(self, user_id: UserId, channel_id: UserId, seq: int) -> int: ...


@dataclass(frozen=True, slots=True)
class Referrer:
    """A room's answer to the media collector's question "which of these blobs do you
    still need?". `sql` runs on a Reader, in PostgreSQL's dialect (storage/sql.py): `$1`
    is the media ids asked about (a text[]), `$2`, if the query names it, the time now
    (ms); it returns, in its first column, those of the ids still referred to.

    A room that keeps media ids in a table of its own registers one (the media room's
    `Referrers`, wired in app.py), and every unit of work of it that makes a new
    reference to a blob calls `storage.hold_media` in its transaction first, so a blob
    is never deleted under a reference being made (docs/ARCHITECTURE.md)."""

    name: str
    sql: str

    @property
    def timed(self) -> bool:
        """Whether the query takes the time as `$2`."""
        return "$2" in self.sql


@dataclass(frozen=True, slots=True)
class Job:
    """A row of the durable scheduler (storage/jobs.py): run `kind` with `payload`."""

    id: int
    kind: str
    key: str
    payload: dict[str, JsonValue]
    due_at: Instant
    attempts: int


JobHandler = Callable[["Tx", dict[str, JsonValue], Instant], Awaitable[None]]


class Jobs(Protocol):
    """The durable scheduler's table, as its runner (actions/scheduler.py) sees it."""

    async def due(self, now: Instant) -> bool:
        """Whether a job is due that nobody holds (a read)."""
        ...

    async def claim(self, owner: str, now: Instant, lease_ms: int, limit: int) -> list[Job]:
        """Take up to `limit` due jobs nobody holds, for `lease_ms`."""
        ...

    async def run(self, job: Job, handler: JobHandler, now: Instant) -> Outcome[bool]:
        """In one transaction: mark the job done and run `handler` (False, and nothing
        run, if it was done already)."""
        ...

    async def fail(self, job_id: int, error: str, retry_at: Instant) -> None: ...


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


class Blobs(Protocol):
    """Content-addressed bytes: `key` is a media id, or a media id and a variant suffix.

    Writing goes through a staging file on the same filesystem as the blobs: fill it,
    then `keep` moves it into place atomically (or `discard` it). Synchronous, for the
    worker threads that decode uploads; a remote store would upload in `keep`."""

    def stage(self) -> Path:
        """A new, empty staging file that nobody else uses."""
        ...

    def keep(self, staged: Path, key: str) -> None:
        """Move a finished staging file into place as `key`. If `key` exists, drop the
        staging file and mark `key` as kept now, so `delete` spares it."""
        ...

    def discard(self, staged: Path) -> None: ...
    def exists(self, key: str) -> bool: ...

    def delete(self, key: str, unless_kept_after: Instant) -> int | None:
        """Delete `key`, a blob the database no longer names, unless `keep` found or put
        it in place at or after `unless_kept_after` (an upload of the same bytes may be
        about to name it again). The bytes freed (0 if it was not there); None if spared."""
        ...

    def free_bytes(self) -> int:
        """Free space where the blobs are, in bytes (for unprivileged writers)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """Where `key` is on this machine's disk (None if it is not stored here)."""
        ...


class Intake(Protocol):
    """Turns an upload's byte stream into a checked, stored blob. It decodes what it got
    (never trusting names or declared types) and refuses what is not of the kind or is
    over the limits; a refused or broken-off upload leaves nothing behind."""

    async def ingest(
        self,
        owner: UserId,
        kind: MediaKind,
        body: AsyncIterable[bytes],
        declared_size: int | None,
        max_seconds: int | None = None,
    ) -> BlobFacts:
        """`owner` is who uploads: decoding is shared fairly between uploaders.
        `max_seconds` caps a recording (voice, video) below the operator's limit."""
        ...

    async def compose_grid(
        self, owner: UserId, tiles: Sequence[tuple[MediaId | None, str]], key: str
    ) -> None:
        """Draw a group's avatar, the grid of its first members' pictures (`tiles`: each
        member's avatar and the key of their colour), and keep it as the blob `key`. In a
        decoder process, in `owner`'s turn, like an upload."""
        ...

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


class SetupToken(Protocol):
    """The one-time token of the link that creates an operator account (kept in the data
    folder, shared by the worker processes: microletter/setup.py)."""

    def claim(self, token: str) -> bool:
        """True, once in all processes, if `token` is the pending token."""
        ...

    def restore(self, token: str) -> None:
        """Give a claimed token back (the account could not be made)."""
        ...


def user_topic(user_id: UserId) -> str:
    return f"u:{user_id}"


def stream_topic(cid: ConversationId) -> str:
    """Hints of a large group's messages, for the devices that read its stream."""
    return f"c:{cid}"


def channel_topic(channel_id: UserId) -> str:
    """Hints of new broadcasts of one account, for the devices of its followers."""
    return f"ch:{channel_id}"


PLATFORM_TOPIC = "platform"  # webhook configuration changed (for the push dispatcher)
