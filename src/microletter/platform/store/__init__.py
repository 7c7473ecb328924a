"""The open platform's durable state: official accounts, followers and their tags,
broadcasts and mass sends, QR codes, uploads and permanent material, templates, menus,
customer-service accounts, auto-replies, JS-SDK tickets and OAuth codes. Its units of
work run on the same database as the core's Store (same writer, same transactions, same
lock order)."""

from __future__ import annotations

from microletter.core.events import Outcome
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.platform.rules.officials import QrCode, Scope
from microletter.platform.store import accounts as _accounts
from microletter.platform.store import assets as _assets
from microletter.platform.store import audience as _audience
from microletter.platform.store import broadcasts as _broadcasts
from microletter.platform.store import followers as _followers
from microletter.platform.store import material as _material
from microletter.platform.store import notifications as _notifications
from microletter.platform.store import service as _service
from microletter.ports import Lease
from microletter.storage import Facade, reads, writes, writes_value

__all__ = ["PlatformStore"]


class PlatformStore(Facade):
    @property
    def platform_key(self) -> bytes:
        """A secret made on first start: OpenIDs, UnionIDs and tokens derive from it."""
        return self.db.server_key

    def push_lease(self) -> Lease:
        """A new lease on pushing to webhooks: exactly one process pushes at a time."""
        return self.db.lease("push")

    # accounts (the developer console)
    create_account = writes_value(_accounts.create_account)
    update_account = writes_value(_accounts.update_account)
    reset_secret = writes_value(_accounts.reset_secret)
    set_webhook = writes_value(_accounts.set_webhook)
    set_menu = writes_value(_accounts.set_menu)
    set_oauth_domains = writes_value(_accounts.set_oauth_domains)
    set_push_cursor = writes_value(_accounts.set_push_cursor)
    account = reads(_accounts.account)
    account_by_appid = reads(_accounts.account_by_appid)
    accounts_of = reads(_accounts.accounts_of)
    search_accounts = reads(_accounts.search_accounts)

    # followers
    async def follow(
        self, account_id: UserId, user_id: UserId, scene: str, qr: QrCode | None, now: Instant
    ) -> Outcome[ConversationId]:
        return await self.db.write(
            _followers.follow, account_id, user_id, self.platform_key, scene, qr, now
        )

    unfollow = writes(_followers.unfollow)
    press = writes(_followers.press)
    notify = writes(_followers.notify)
    post_as_account = writes(_followers.post_as_account)
    follower = reads(_followers.follower)
    follower_by_openid = reads(_followers.follower_by_openid)
    followers_page = reads(_followers.followers_page)
    conversation_with = reads(_followers.conversation_with)
    followed = reads(_followers.followed)

    # broadcasts
    broadcast = writes(_broadcasts.broadcast)

    # QR codes, media, templates
    create_qrcode = writes_value(_assets.create_qrcode)
    qrcode = reads(_assets.qrcode)
    record_upload = writes_value(_assets.record_upload)
    uploads = reads(_assets.uploads)
    add_template = writes_value(_assets.add_template)
    delete_template = writes_value(_assets.delete_template)
    templates = reads(_assets.templates)
    template = reads(_assets.template)

    # OAuth codes
    async def create_code(
        self,
        code_hash: bytes,
        account_id: UserId,
        user_id: UserId,
        scope: Scope,
        redirect_uri: str,
        expires_at: Instant,
    ) -> str:
        outcome = await self.db.write(
            _assets.create_code,
            code_hash,
            account_id,
            user_id,
            scope,
            redirect_uri,
            self.platform_key,
            expires_at,
        )
        return outcome.value

    use_code = writes_value(_assets.use_code)

    # follower tags and remarks
    create_tag = writes_value(_audience.create_tag)
    rename_tag = writes_value(_audience.rename_tag)
    delete_tag = writes_value(_audience.delete_tag)
    tag_followers = writes_value(_audience.tag_followers)
    untag_followers = writes_value(_audience.untag_followers)
    set_remark = writes_value(_audience.set_remark)
    tags = reads(_audience.tags)
    tag_members = reads(_audience.tag_members)
    follower_tags = reads(_audience.follower_tags)

    # targeted mass sends
    start_mass_job = writes_value(_audience.start_mass_job)
    finish_mass_job = writes(_audience.finish_mass_job)
    mass_job = reads(_audience.mass_job)

    # permanent material
    add_material = writes_value(_material.add_material)
    update_article = writes_value(_material.update_article)
    delete_material = writes_value(_material.delete_material)
    material = reads(_material.material)
    material_counts = reads(_material.material_counts)
    materials_page = reads(_material.materials_page)

    # conditional menus
    add_conditional_menu = writes_value(_service.add_conditional_menu)
    delete_conditional_menu = writes_value(_service.delete_conditional_menu)
    delete_menus = writes_value(_service.delete_menus)
    conditional_menus = reads(_service.conditional_menus)
    audience = reads(_service.audience)
    menu_seen_by = reads(_service.menu_seen_by)

    # customer service, auto-replies
    add_kf = writes_value(_service.add_kf)
    update_kf = writes_value(_service.update_kf)
    delete_kf = writes_value(_service.delete_kf)
    kf_accounts = reads(_service.kf_accounts)
    kf_account = reads(_service.kf_account_named)
    set_autoreplies = writes_value(_service.set_autoreplies)
    autoreplies = reads(_service.autoreplies)
    served_accounts = reads(_service.served_accounts)

    # JS-SDK tickets and statistics
    issue_ticket = writes_value(_service.issue_ticket)
    live_tickets = reads(_service.live_tickets)
    followers_at = reads(_service.followers_at)
    follow_changes = reads(_service.follow_changes)

    # service notifications (notices are sent inside other rooms' units of work)
    set_notice_mute = writes_value(_notifications.set_mute)
    notice_mutes = reads(_notifications.mutes)
