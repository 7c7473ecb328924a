"""The SQLite Store: every method is one write (group-committed) or one read snapshot."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from microletter.core.events import LogEntry, Outcome
from microletter.core.ids import ConversationId, DeviceId, IdGenerator, RequestId, UserId
from microletter.core.limits import Limits
from microletter.core.media import BlobFacts, Media, MediaId, MediaKind
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
    Member,
    Message,
    Role,
    Snapshot,
    User,
)
from microletter.core.moderation import Suspension
from microletter.storage.migrate import migrate_sqlite
from microletter.storage.sqlite import (
    accounts,
    channels,
    contacts,
    conversations,
    media,
    messages,
    moderation,
    sync,
)
from microletter.storage.sqlite.engine import BatchObserver, Readers, Writer, connect
from microletter.storage.sqlite.lock import hold_writer_lock
from microletter.storage.sqlite.platform_store import SqlitePlatformStore
from microletter.storage.sqlite.writetx import WriteTx


class SqliteStore:
    def __init__(
        self, writer: Writer, readers: Readers, epoch: str, lock: IO[bytes], key: bytes
    ) -> None:
        self._writer = writer
        self._readers = readers
        self._epoch = epoch
        self._lock = lock
        self.platform = SqlitePlatformStore(writer, readers, key)

    @classmethod
    async def open(
        cls,
        path: str,
        ids: IdGenerator,
        limits: Limits,
        *,
        synchronous: str = "FULL",
        on_batch: BatchObserver | None = None,
        exit_after_commits: int = 0,
    ) -> SqliteStore:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        lock = hold_writer_lock(path)
        loop = asyncio.get_running_loop()
        try:
            epoch, key = await loop.run_in_executor(None, _prepare, path)
        except BaseException:
            lock.close()
            raise
        writer = Writer(
            path,
            lambda conn: WriteTx(conn, ids, limits),
            synchronous=synchronous,
            on_batch=on_batch,
            exit_after_commits=exit_after_commits,
        )
        writer.start()
        return cls(writer, Readers(path), epoch, lock, key)

    @property
    def epoch(self) -> str:
        return self._epoch

    @property
    def writer(self) -> Writer:
        return self._writer

    async def close(self) -> None:
        await self._writer.close()
        self._readers.close()
        self._lock.close()  # releases the writer lock

    async def ping(self) -> None:
        await self._readers.run(lambda conn: conn.execute("SELECT 1").fetchone())

    # accounts and devices

    async def create_user(
        self, username: str, password_hash: str, display_name: str, locale: str, now: Instant
    ) -> User:
        return await self._writer.submit(
            accounts.create_user, username, password_hash, display_name, locale, now
        )

    async def credentials(self, username: str) -> tuple[User, str] | None:
        return await self._readers.run(accounts.credentials, username)

    async def create_device(
        self, user_id: UserId, name: str, token_hash: bytes, now: Instant
    ) -> Device:
        return await self._writer.submit(accounts.create_device, user_id, name, token_hash, now)

    async def device_for_token(self, token_hash: bytes) -> tuple[UserId, DeviceId] | None:
        return await self._readers.run(accounts.device_for_token, token_hash)

    async def devices(self, user_id: UserId) -> list[Device]:
        return await self._readers.run(accounts.devices, user_id)

    async def revoke_device(self, user_id: UserId, device_id: DeviceId) -> None:
        await self._writer.submit(accounts.revoke_device, user_id, device_id)

    async def touch_device(self, device_id: DeviceId, now: Instant) -> None:
        await self._writer.submit(accounts.touch_device, device_id, now)

    async def user(self, user_id: UserId) -> User:
        return await self._readers.run(accounts.user, user_id)

    async def user_by_name(self, username: str) -> User | None:
        return await self._readers.run(accounts.user_by_name, username)

    async def update_profile(
        self,
        user_id: UserId,
        display_name: str | None,
        locale: str | None,
        avatar: str | None,
        now: Instant,
    ) -> Outcome[User]:
        return await self._writer.submit(
            accounts.update_profile, user_id, display_name, locale, avatar, now
        )

    # moderation

    async def suspend_user(
        self, user_id: UserId, reason: str, now: Instant
    ) -> tuple[Suspension, list[DeviceId]]:
        return await self._writer.submit(moderation.suspend_user, user_id, reason, now)

    async def unsuspend_user(self, user_id: UserId) -> None:
        await self._writer.submit(moderation.unsuspend_user, user_id)

    async def suspension(self, user_id: UserId) -> Suspension | None:
        return await self._readers.run(moderation.suspension, user_id)

    # contacts

    async def request_contact(
        self, me: UserId, them: UserId, greeting: str, now: Instant
    ) -> Outcome[ContactRequest]:
        return await self._writer.submit(contacts.request_contact, me, them, greeting, now)

    async def answer_request(
        self, me: UserId, request_id: RequestId, accept: bool, now: Instant
    ) -> Outcome[ContactRequest]:
        return await self._writer.submit(contacts.answer_request, me, request_id, accept, now)

    async def remove_contact(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
        return await self._writer.submit(contacts.remove_contact, me, them, now)

    async def set_remark(
        self, me: UserId, them: UserId, remark: str, now: Instant
    ) -> Outcome[Contact]:
        return await self._writer.submit(contacts.set_remark, me, them, remark, now)

    async def block(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
        return await self._writer.submit(contacts.block, me, them, now)

    async def unblock(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
        return await self._writer.submit(contacts.unblock, me, them, now)

    async def contacts(self, me: UserId) -> list[Contact]:
        return await self._readers.run(contacts.contacts, me)

    async def requests(self, me: UserId) -> list[ContactRequest]:
        return await self._readers.run(contacts.requests, me)

    async def blocks(self, me: UserId) -> list[User]:
        return await self._readers.run(contacts.blocks, me)

    # conversations

    async def create_group(
        self, owner: UserId, invitees: Sequence[UserId], name: str, now: Instant
    ) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.create_group, owner, invitees, name, now)

    async def open_direct(self, me: UserId, them: UserId, now: Instant) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.open_direct, me, them, now)

    async def update_group(
        self,
        me: UserId,
        cid: ConversationId,
        name: str | None,
        announcement: str | None,
        now: Instant,
    ) -> Outcome[Conversation]:
        return await self._writer.submit(
            conversations.update_group, me, cid, name, announcement, now
        )

    async def add_members(
        self, me: UserId, cid: ConversationId, invitees: Sequence[UserId], now: Instant
    ) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.add_members, me, cid, invitees, now)

    async def remove_member(
        self, me: UserId, cid: ConversationId, target: UserId, now: Instant
    ) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.remove_member, me, cid, target, now)

    async def leave(self, me: UserId, cid: ConversationId, now: Instant) -> Outcome[None]:
        return await self._writer.submit(conversations.leave, me, cid, now)

    async def set_role(
        self, me: UserId, cid: ConversationId, target: UserId, role: Role, now: Instant
    ) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.set_role, me, cid, target, role, now)

    async def transfer_owner(
        self, me: UserId, cid: ConversationId, target: UserId, now: Instant
    ) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.transfer_owner, me, cid, target, now)

    async def set_muted(
        self, me: UserId, cid: ConversationId, muted: bool, now: Instant
    ) -> Outcome[Conversation]:
        return await self._writer.submit(conversations.set_muted, me, cid, muted, now)

    async def conversations(self, me: UserId) -> list[ConversationView]:
        return await self._readers.run(conversations.conversations_of, me)

    async def conversation(self, me: UserId, cid: ConversationId) -> ConversationView:
        return await self._readers.run(conversations.conversation_view, me, cid)

    async def members(self, me: UserId, cid: ConversationId) -> list[tuple[Member, User]]:
        return await self._readers.run(conversations.members_of, me, cid)

    async def member_ids(self, me: UserId, cid: ConversationId) -> list[UserId]:
        return await self._readers.run(conversations.member_ids_of, me, cid)

    # messages

    async def post_message(self, draft: Draft, now: Instant) -> Outcome[Message]:
        return await self._writer.submit(messages.post_message, draft, now)

    async def recall_message(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[Message]:
        return await self._writer.submit(messages.recall_message, me, cid, seq, now)

    async def mark_read(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[int]:
        return await self._writer.submit(messages.mark_read, me, cid, seq, now)

    async def history(
        self,
        me: UserId,
        cid: ConversationId,
        before: int | None,
        after: int | None,
        limit: int,
    ) -> list[Message]:
        return await self._readers.run(messages.history, me, cid, before, after, limit)

    async def message(self, me: UserId, cid: ConversationId, seq: int) -> Message:
        return await self._readers.run(messages.message, me, cid, seq)

    # media

    async def save_media(
        self, me: UserId, facts: BlobFacts, kind: MediaKind, name: str, now: Instant
    ) -> Media:
        return await self._writer.submit(media.save_media, me, facts, kind, name, now)

    async def visible_media(self, me: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        return await self._readers.run(media.visible_media, me, list(ids))

    # sync

    async def log_head(self, user_id: UserId) -> int:
        return await self._readers.run(sync.log_head, user_id)

    async def read_log(self, user_id: UserId, after: int, limit: int) -> list[LogEntry]:
        return await self._readers.run(sync.read_log, user_id, after, limit)

    async def snapshot(self, user_id: UserId) -> Snapshot:
        return await self._readers.run(sync.snapshot, user_id)

    # broadcast channels

    async def channels(self, user_id: UserId) -> list[ChannelView]:
        return await self._readers.run(channels.channels, user_id)

    async def channel_posts(
        self, user_id: UserId, channel_id: UserId, after: int, limit: int
    ) -> list[ChannelPost]:
        return await self._readers.run(channels.posts, user_id, channel_id, after, limit)

    async def mark_channel_read(self, user_id: UserId, channel_id: UserId, seq: int) -> int:
        return await self._writer.submit(channels.mark_read, user_id, channel_id, seq)


def _prepare(path: str) -> tuple[str, bytes]:
    """Migrate to the newest schema; return the log epoch and the platform key (both
    made on first start)."""
    migrate_sqlite(path)
    conn = connect(path)
    try:
        epoch = _meta(conn, "epoch", secrets.token_hex(6))
        key = _meta(conn, "platform_key", secrets.token_hex(32))
        return epoch, bytes.fromhex(key)
    finally:
        conn.close()


def _meta(conn: sqlite3.Connection, name: str, fresh: str) -> str:
    """The meta value `name`, set to `fresh` if it has none yet."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone()
    if row is not None:
        return str(row[0])
    try:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (name, fresh))
    except sqlite3.IntegrityError:  # another process won the race
        return str(conn.execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone()[0])
    return fresh
