"""The PostgreSQL Store: every write one transaction on a pooled connection, every read
one query (or one REPEATABLE READ snapshot). Safe for many processes on one database."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import asyncpg

from microletter.core.errors import Unavailable
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
from microletter.storage.migrate import migrate_postgres
from microletter.storage.postgres import (
    accounts,
    channels,
    contacts,
    conversations,
    media,
    messages,
    moderation,
    sync,
)
from microletter.storage.postgres.engine import Database, is_gone, open_pool
from microletter.storage.postgres.lease import NodeLease
from microletter.storage.postgres.platform_store import PostgresPlatformStore


class PostgresStore:
    def __init__(self, db: Database, lease: NodeLease, epoch: str, key: bytes, dsn: str) -> None:
        self._db = db
        self._lease = lease
        self._epoch = epoch
        self.platform = PostgresPlatformStore(db, key, dsn)
        db.writable = lambda: lease.held

    @classmethod
    async def open(
        cls,
        dsn: str,
        ids: IdGenerator,
        limits: Limits,
        *,
        pool_size: int = 10,
        timeout: float = 10.0,
    ) -> PostgresStore:
        """Migrate to the newest schema, lease a node number, open the pool. Raises
        `Unavailable` if the database cannot be reached."""
        try:
            await migrate_postgres(dsn)
            lease = NodeLease(dsn, ids)
            await lease.start()
        except Exception as exc:
            if is_gone(exc) or isinstance(exc, OSError):
                raise Unavailable(f"Cannot reach PostgreSQL: {exc}") from None
            raise
        try:
            pool = await open_pool(dsn, pool_size, timeout)
            epoch = await _meta(pool, "epoch", secrets.token_hex(6))
            key = await _meta(pool, "platform_key", secrets.token_hex(32))
        except BaseException:
            await lease.close()
            raise
        return cls(Database(pool, ids, limits, timeout), lease, epoch, bytes.fromhex(key), dsn)

    @property
    def epoch(self) -> str:
        return self._epoch

    @property
    def db(self) -> Database:
        return self._db

    async def close(self) -> None:
        await self._db.close()
        await self._lease.close()

    async def ping(self) -> None:
        await self._db.read(_ping)

    # accounts and devices

    async def create_user(
        self, username: str, password_hash: str, display_name: str, locale: str, now: Instant
    ) -> User:
        outcome = await self._db.write(
            accounts.create_user, username, password_hash, display_name, locale, now
        )
        return outcome.value

    async def credentials(self, username: str) -> tuple[User, str] | None:
        return await self._db.read(accounts.credentials, username)

    async def create_device(
        self, user_id: UserId, name: str, token_hash: bytes, now: Instant
    ) -> Device:
        outcome = await self._db.write(accounts.create_device, user_id, name, token_hash, now)
        return outcome.value

    async def device_for_token(self, token_hash: bytes) -> tuple[UserId, DeviceId] | None:
        return await self._db.read(accounts.device_for_token, token_hash)

    async def devices(self, user_id: UserId) -> list[Device]:
        return await self._db.read(accounts.devices, user_id)

    async def revoke_device(self, user_id: UserId, device_id: DeviceId) -> None:
        await self._db.write(accounts.revoke_device, user_id, device_id)

    async def touch_device(self, device_id: DeviceId, now: Instant) -> None:
        await self._db.write(accounts.touch_device, device_id, now)

    async def user(self, user_id: UserId) -> User:
        return await self._db.read(accounts.user, user_id)

    async def user_by_name(self, username: str) -> User | None:
        return await self._db.read(accounts.user_by_name, username)

    async def update_profile(
        self,
        user_id: UserId,
        display_name: str | None,
        locale: str | None,
        avatar: str | None,
        now: Instant,
    ) -> Outcome[User]:
        return await self._db.write(
            accounts.update_profile, user_id, display_name, locale, avatar, now
        )

    # moderation

    async def suspend_user(
        self, user_id: UserId, reason: str, now: Instant
    ) -> tuple[Suspension, list[DeviceId]]:
        outcome = await self._db.write(moderation.suspend_user, user_id, reason, now)
        return outcome.value

    async def unsuspend_user(self, user_id: UserId) -> None:
        await self._db.write(moderation.unsuspend_user, user_id)

    async def suspension(self, user_id: UserId) -> Suspension | None:
        return await self._db.read(moderation.suspension, user_id)

    # contacts

    async def request_contact(
        self, me: UserId, them: UserId, greeting: str, now: Instant
    ) -> Outcome[ContactRequest]:
        return await self._db.write(contacts.request_contact, me, them, greeting, now)

    async def answer_request(
        self, me: UserId, request_id: RequestId, accept: bool, now: Instant
    ) -> Outcome[ContactRequest]:
        return await self._db.write(contacts.answer_request, me, request_id, accept, now)

    async def remove_contact(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
        return await self._db.write(contacts.remove_contact, me, them, now)

    async def set_remark(
        self, me: UserId, them: UserId, remark: str, now: Instant
    ) -> Outcome[Contact]:
        return await self._db.write(contacts.set_remark, me, them, remark, now)

    async def block(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
        return await self._db.write(contacts.block, me, them, now)

    async def unblock(self, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
        return await self._db.write(contacts.unblock, me, them, now)

    async def contacts(self, me: UserId) -> list[Contact]:
        return await self._db.read(contacts.contacts, me)

    async def requests(self, me: UserId) -> list[ContactRequest]:
        return await self._db.read(contacts.requests, me)

    async def blocks(self, me: UserId) -> list[User]:
        return await self._db.read(contacts.blocks, me)

    # conversations

    async def create_group(
        self, owner: UserId, invitees: Sequence[UserId], name: str, now: Instant
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.create_group, owner, invitees, name, now)

    async def open_direct(self, me: UserId, them: UserId, now: Instant) -> Outcome[Conversation]:
        return await self._db.write(conversations.open_direct, me, them, now)

    async def update_group(
        self,
        me: UserId,
        cid: ConversationId,
        name: str | None,
        announcement: str | None,
        now: Instant,
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.update_group, me, cid, name, announcement, now)

    async def add_members(
        self, me: UserId, cid: ConversationId, invitees: Sequence[UserId], now: Instant
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.add_members, me, cid, invitees, now)

    async def remove_member(
        self, me: UserId, cid: ConversationId, target: UserId, now: Instant
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.remove_member, me, cid, target, now)

    async def leave(self, me: UserId, cid: ConversationId, now: Instant) -> Outcome[None]:
        return await self._db.write(conversations.leave, me, cid, now)

    async def set_role(
        self, me: UserId, cid: ConversationId, target: UserId, role: Role, now: Instant
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.set_role, me, cid, target, role, now)

    async def transfer_owner(
        self, me: UserId, cid: ConversationId, target: UserId, now: Instant
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.transfer_owner, me, cid, target, now)

    async def set_muted(
        self, me: UserId, cid: ConversationId, muted: bool, now: Instant
    ) -> Outcome[Conversation]:
        return await self._db.write(conversations.set_muted, me, cid, muted, now)

    async def conversations(self, me: UserId) -> list[ConversationView]:
        return await self._db.read(conversations.conversations_of, me, snapshot=True)

    async def conversation(self, me: UserId, cid: ConversationId) -> ConversationView:
        return await self._db.read(conversations.conversation_view, me, cid)

    async def members(self, me: UserId, cid: ConversationId) -> list[tuple[Member, User]]:
        return await self._db.read(conversations.members_of, me, cid)

    async def member_ids(self, me: UserId, cid: ConversationId) -> list[UserId]:
        return await self._db.read(conversations.member_ids_of, me, cid)

    # messages

    async def post_message(self, draft: Draft, now: Instant) -> Outcome[Message]:
        return await self._db.write(messages.post_message, draft, now)

    async def recall_message(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[Message]:
        return await self._db.write(messages.recall_message, me, cid, seq, now)

    async def mark_read(
        self, me: UserId, cid: ConversationId, seq: int, now: Instant
    ) -> Outcome[int]:
        return await self._db.write(messages.mark_read, me, cid, seq, now)

    async def history(
        self,
        me: UserId,
        cid: ConversationId,
        before: int | None,
        after: int | None,
        limit: int,
    ) -> list[Message]:
        return await self._db.read(messages.history, me, cid, before, after, limit)

    async def message(self, me: UserId, cid: ConversationId, seq: int) -> Message:
        return await self._db.read(messages.message, me, cid, seq)

    # media

    async def save_media(
        self, me: UserId, facts: BlobFacts, kind: MediaKind, name: str, now: Instant
    ) -> Media:
        outcome = await self._db.write(media.save_media, me, facts, kind, name, now)
        return outcome.value

    async def visible_media(self, me: UserId, ids: Sequence[MediaId]) -> dict[MediaId, Media]:
        return await self._db.read(media.visible_media, me, list(ids))

    # broadcast channels

    async def channels(self, user_id: UserId) -> list[ChannelView]:
        return await self._db.read(channels.channels, user_id)

    async def channel_posts(
        self, user_id: UserId, channel_id: UserId, after: int, limit: int
    ) -> list[ChannelPost]:
        return await self._db.read(channels.posts, user_id, channel_id, after, limit)

    async def mark_channel_read(self, user_id: UserId, channel_id: UserId, seq: int) -> int:
        outcome = await self._db.write(channels.mark_read, user_id, channel_id, seq)
        return outcome.value

    # sync

    async def log_head(self, user_id: UserId) -> int:
        return await self._db.read(sync.log_head, user_id)

    async def read_log(self, user_id: UserId, after: int, limit: int) -> list[LogEntry]:
        return await self._db.read(sync.read_log, user_id, after, limit)

    async def snapshot(self, user_id: UserId) -> Snapshot:
        return await self._db.read(sync.snapshot, user_id, snapshot=True)


async def _ping(conn: asyncpg.Connection) -> None:
    await conn.fetchval("SELECT 1")


async def _meta(pool: asyncpg.Pool, name: str, fresh: str) -> str:
    """The meta value `name` (the log epoch, the platform key), set to `fresh` by
    whichever process starts first."""
    await pool.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", name, fresh
    )
    return str(await pool.fetchval("SELECT value FROM meta WHERE key=$1", name))
