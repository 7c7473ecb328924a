"""The PostgreSQL PlatformStore: the open platform's writes, each one transaction on a
pooled connection (under the Store's lock order), and its reads, one query each."""

from __future__ import annotations

from microletter.core.events import AccountEvent, Outcome
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import MediaId
from microletter.core.models import ChannelPost, Instant, JsonValue, Message, MessageKind, User
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
from microletter.storage.postgres import channels, followers, oa_assets, officials
from microletter.storage.postgres.engine import Database
from microletter.storage.postgres.lease import PUSH_KEY, JobLease


class PostgresPlatformStore:
    def __init__(self, db: Database, key: bytes, dsn: str) -> None:
        self._db = db
        self._key = key
        self._dsn = dsn

    @property
    def platform_key(self) -> bytes:
        return self._key

    def push_lease(self) -> JobLease:
        return JobLease(self._dsn, PUSH_KEY, "ml-push-lease")

    # accounts

    async def create_account(
        self,
        owner: UserId,
        creds: Credentials,
        name: str,
        description: str,
        avatar: str | None,
        max_per_owner: int,
        now: Instant,
    ) -> OfficialAccount:
        outcome = await self._db.write(
            officials.create_account, owner, creds, name, description, avatar, max_per_owner, now
        )
        return outcome.value

    async def update_account(
        self,
        owner: UserId,
        account_id: UserId,
        name: str | None,
        description: str | None,
        avatar: str | None,
    ) -> OfficialAccount:
        outcome = await self._db.write(
            officials.update_account, owner, account_id, name, description, avatar
        )
        return outcome.value

    async def reset_secret(
        self, owner: UserId, account_id: UserId, secret_hash: bytes
    ) -> OfficialAccount:
        outcome = await self._db.write(officials.reset_secret, owner, account_id, secret_hash)
        return outcome.value

    async def set_webhook(
        self,
        owner: UserId,
        account_id: UserId,
        url: str | None,
        token: str,
        aes_key: str,
        mode: MessageMode,
        verified_at: Instant | None,
    ) -> OfficialAccount:
        outcome = await self._db.write(
            officials.set_webhook, owner, account_id, url, token, aes_key, mode, verified_at
        )
        return outcome.value

    async def set_menu(
        self, account_id: UserId, menu: list[dict[str, JsonValue]] | None
    ) -> OfficialAccount:
        outcome = await self._db.write(officials.set_menu, account_id, menu)
        return outcome.value

    async def set_push_cursor(self, account_id: UserId, cursor: int) -> None:
        await self._db.write(officials.set_push_cursor, account_id, cursor)

    async def account(self, account_id: UserId) -> OfficialAccount:
        return await self._db.read(officials.account, account_id)

    async def account_by_appid(self, appid: str) -> OfficialAccount:
        return await self._db.read(officials.account_by_appid, appid)

    async def accounts_of(self, owner: UserId) -> list[OfficialAccount]:
        return await self._db.read(officials.accounts_of, owner)

    async def search_accounts(self, query: str, limit: int) -> list[OfficialAccount]:
        return await self._db.read(officials.search_accounts, query, limit)

    async def webhook_accounts(self) -> list[tuple[OfficialAccount, int]]:
        return await self._db.read(officials.webhook_accounts)

    # followers

    async def follow(
        self, account_id: UserId, user_id: UserId, scene: str, qr: QrCode | None, now: Instant
    ) -> Outcome[ConversationId]:
        return await self._db.write(
            followers.follow, account_id, user_id, self._key, scene, qr, now
        )

    async def unfollow(self, account_id: UserId, user_id: UserId, now: Instant) -> Outcome[None]:
        return await self._db.write(followers.unfollow, account_id, user_id, now)

    async def press(
        self, account_id: UserId, user_id: UserId, event: str, key: str, now: Instant
    ) -> Outcome[None]:
        return await self._db.write(followers.press, account_id, user_id, event, key, now)

    async def notify(self, event: AccountEvent, now: Instant) -> Outcome[None]:
        return await self._db.write(followers.notify, event, now)

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
    ) -> Outcome[Message]:
        return await self._db.write(
            followers.post_as_account,
            account_id,
            user_id,
            client_msg_id,
            kind,
            text,
            data,
            window_ms,
            now,
            media_id,
        )

    async def follower(self, account_id: UserId, user_id: UserId) -> Follower | None:
        return await self._db.read(followers.follower, account_id, user_id)

    async def follower_by_openid(self, account_id: UserId, openid: str) -> tuple[Follower, User]:
        return await self._db.read(followers.follower_by_openid, account_id, openid)

    async def followers_page(self, account_id: UserId, after_openid: str, limit: int) -> list[str]:
        return await self._db.read(followers.followers_page, account_id, after_openid, limit)

    async def conversation_with(self, account_id: UserId, user_id: UserId) -> ConversationId | None:
        return await self._db.read(followers.conversation_with, account_id, user_id)

    async def followed(self, user_id: UserId) -> list[UserId]:
        return await self._db.read(followers.followed, user_id)

    # broadcasts

    async def broadcast(
        self,
        account_id: UserId,
        kind: MessageKind,
        text: str | None,
        data: dict[str, JsonValue] | None,
        per_day: int,
        now: Instant,
    ) -> Outcome[ChannelPost]:
        return await self._db.write(channels.broadcast, account_id, kind, text, data, per_day, now)

    # QR codes, media, templates

    async def create_qrcode(
        self, account_id: UserId, request: QrRequest, ticket: str, now: Instant
    ) -> QrCode:
        outcome = await self._db.write(oa_assets.create_qrcode, account_id, request, ticket, now)
        return outcome.value

    async def qrcode(self, ticket: str, now: Instant) -> QrCode:
        return await self._db.read(oa_assets.qrcode, ticket, now)

    async def record_upload(self, upload: AccountUpload) -> AccountUpload:
        outcome = await self._db.write(oa_assets.record_upload, upload)
        return outcome.value

    async def uploads(self, account_id: UserId, media_id: str) -> list[AccountUpload]:
        return await self._db.read(oa_assets.uploads, account_id, media_id)

    async def add_template(self, template: Template) -> Template:
        outcome = await self._db.write(oa_assets.add_template, template)
        return outcome.value

    async def delete_template(self, account_id: UserId, template_id: str) -> None:
        await self._db.write(oa_assets.delete_template, account_id, template_id)

    async def templates(self, account_id: UserId) -> list[Template]:
        return await self._db.read(oa_assets.templates, account_id)

    async def template(self, account_id: UserId, template_id: str) -> Template:
        return await self._db.read(oa_assets.template, account_id, template_id)

    # OAuth codes

    async def create_code(
        self,
        code_hash: bytes,
        account_id: UserId,
        user_id: UserId,
        scope: Scope,
        expires_at: Instant,
    ) -> str:
        outcome = await self._db.write(
            oa_assets.create_code, code_hash, account_id, user_id, scope, self._key, expires_at
        )
        return outcome.value

    async def use_code(
        self, code_hash: bytes, account_id: UserId, now: Instant
    ) -> tuple[UserId, Scope]:
        outcome = await self._db.write(oa_assets.use_code, code_hash, account_id, now)
        return outcome.value
