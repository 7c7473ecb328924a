"""The open platform's /api/v1 routes: the developer console (/api/v1/developer/...) and
the user side (/api/v1/official-accounts/..., /api/v1/qrcodes/..., /api/v1/oauth/...).

Typed routes like gateway/routes/, with the same errors, auth and rate limits; they
parse, call the platform's actions and render. Each class is built with the Platform it
serves and registers its bound methods on its Router.
"""

from __future__ import annotations

import msgspec

from microletter.actions import conversations
from microletter.core.errors import NotFollowing
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import check_text
from microletter.core.models import MessageKind
from microletter.gateway.api import Call, Router
from microletter.platform import console, following, notifications, sending, service, tokens
from microletter.platform.context import Platform
from microletter.platform.errors import (
    AccountLimitReached,
    AccountNotFound,
    AccountRestricted,
    BroadcastQuotaExceeded,
    MenuInvalid,
    NotAccountOwner,
    NoticeSourceInvalid,
    OAuthDomainInvalid,
    QrCodeNotFound,
    RedirectDomainMismatch,
    RedirectInvalid,
    WebhookRefused,
    WebhookVerificationFailed,
)
from microletter.platform.rules.menus import as_protocol, check_menu
from microletter.platform.rules.officials import (
    MessageMode,
    QrRequest,
    Template,
    check_template,
)
from microletter.platform.rules.service import autoreplies_json
from microletter.platform.wire import (
    AccountPatch,
    AccountsReply,
    AuthorizeBody,
    AuthorizeReply,
    AutoRepliesBody,
    BroadcastBody,
    ChannelReadBody,
    ChannelReadReply,
    ConsentQuery,
    ConsentReply,
    ConsoleListReply,
    ConsoleReply,
    FollowBody,
    FollowReply,
    MenuBody,
    MenuReply,
    NewAccountBody,
    NoticeMuteBody,
    NoticeMuteOut,
    NoticeMutesReply,
    OAuthDomainsBody,
    PostReply,
    PostsQuery,
    PostsReply,
    PressBody,
    PressReply,
    ProfileReply,
    QrBody,
    QrReply,
    ScanReply,
    SearchQuery,
    SecretReply,
    TemplateBody,
    TemplateOut,
    TemplatesReply,
    WebhookBody,
    account_out,
    console_out,
)

OWNED = [AccountNotFound, NotAccountOwner]


class ConsoleRoutes:
    """The developer console: accounts, credentials, webhook, menu, broadcasts, codes."""

    def __init__(self, p: Platform) -> None:
        self.p = p
        r = self.router = Router("/api/v1/developer", tags=["developer console"])
        r.post("/accounts", status=201, errors=[AccountLimitReached])(self.create_account)
        r.get("/accounts", rate=None)(self.list_accounts)
        r.get("/accounts/{account_id}", rate=None, errors=OWNED)(self.get_account)
        r.patch("/accounts/{account_id}", errors=OWNED)(self.update_account)
        r.post("/accounts/{account_id}/secret", errors=OWNED)(self.reset_secret)
        hooks = [*OWNED, WebhookRefused, WebhookVerificationFailed]
        r.put("/accounts/{account_id}/webhook", errors=hooks)(self.set_webhook)
        r.delete("/accounts/{account_id}/webhook", errors=OWNED)(self.clear_webhook)
        domains = [*OWNED, OAuthDomainInvalid]
        r.put("/accounts/{account_id}/oauth-domains", errors=domains)(self.set_oauth_domains)
        r.put("/accounts/{account_id}/menu", errors=[*OWNED, MenuInvalid])(self.set_menu)
        r.delete("/accounts/{account_id}/menu", errors=OWNED)(self.delete_menu)
        r.post("/menu-preview", errors=[MenuInvalid])(self.preview_menu)
        quota = [*OWNED, BroadcastQuotaExceeded]
        r.post("/accounts/{account_id}/broadcasts", status=201, errors=quota)(self.broadcast)
        r.post("/accounts/{account_id}/qrcodes", status=201, errors=OWNED)(self.create_qrcode)
        r.post("/accounts/{account_id}/templates", status=201, errors=OWNED)(self.add_template)
        r.get("/accounts/{account_id}/templates", rate=None, errors=OWNED)(self.list_templates)
        r.get("/accounts/{account_id}/autoreplies", rate=None, errors=OWNED)(self.autoreplies)
        r.put("/accounts/{account_id}/autoreplies", errors=OWNED)(self.set_autoreplies)

    async def create_account(self, call: Call, body: NewAccountBody) -> SecretReply:
        """Create an official account: you get its AppID, AppSecret (shown once), Token and
        EncodingAESKey. It starts in plaintext mode with no webhook."""
        account, creds = await console.create_account(
            self.p, call.me, body.name, body.description, body.avatar
        )
        return SecretReply(console_out(account), creds.appsecret)

    async def list_accounts(self, call: Call) -> ConsoleListReply:
        """The official accounts you created."""
        return ConsoleListReply([console_out(a) for a in await console.mine(self.p, call.me)])

    async def get_account(self, call: Call, account_id: int) -> ConsoleReply:
        """One of your accounts, with its Token, EncodingAESKey, webhook and menu."""
        return ConsoleReply(console_out(await console.owned(self.p, call.me, UserId(account_id))))

    async def update_account(self, call: Call, account_id: int, body: AccountPatch) -> ConsoleReply:
        """Change the name, description or avatar (an http(s) URL)."""
        account = await console.update_account(
            self.p, call.me, UserId(account_id), body.name, body.description, body.avatar
        )
        return ConsoleReply(console_out(account))

    async def reset_secret(self, call: Call, account_id: int) -> SecretReply:
        """A new AppSecret (shown once); tokens made with the old one stop working."""
        account, secret = await console.reset_secret(self.p, call.me, UserId(account_id))
        return SecretReply(console_out(account), secret)

    async def set_webhook(self, call: Call, account_id: int, body: WebhookBody) -> ConsoleReply:
        """Set the webhook URL and message mode (and optionally a new Token or
        EncodingAESKey). The URL must answer the verification handshake first.

        Only public addresses are allowed unless the operator allows private ones."""
        account = await console.set_webhook(
            self.p,
            call.me,
            UserId(account_id),
            body.url,
            MessageMode(body.mode),
            body.token,
            body.encoding_aes_key,
        )
        return ConsoleReply(console_out(account))

    async def clear_webhook(self, call: Call, account_id: int) -> ConsoleReply:
        """Stop pushing to the webhook."""
        return ConsoleReply(
            console_out(await console.clear_webhook(self.p, call.me, UserId(account_id)))
        )

    async def set_oauth_domains(
        self, call: Call, account_id: int, body: OAuthDomainsBody
    ) -> ConsoleReply:
        """Replace the account's web-authorization domains: the hosts (any port) its OAuth
        codes may be sent to, as WeChat's console has them. A redirect_uri on any other
        host is refused (errcode 10003); with none, the account's OAuth is refused."""
        account = await console.set_oauth_domains(self.p, call.me, UserId(account_id), body.domains)
        return ConsoleReply(console_out(account))

    async def set_menu(self, call: Call, account_id: int, body: MenuBody) -> MenuReply:
        """Save the custom menu shown under followers' composers (as menu/create does)."""
        await console.owned(self.p, call.me, UserId(account_id))
        menu = await console.set_menu(self.p, UserId(account_id), {"button": body.button})
        return MenuReply(as_protocol(menu))

    async def delete_menu(self, call: Call, account_id: int) -> None:
        """Remove the custom menu."""
        await console.owned(self.p, call.me, UserId(account_id))
        await console.delete_menu(self.p, UserId(account_id))

    async def preview_menu(self, call: Call, body: MenuBody) -> MenuReply:
        """Check a menu without saving it: the reply is the menu as followers would see it,
        or `platform.menu_invalid` saying what is wrong."""
        return MenuReply(as_protocol(check_menu({"button": body.button})))

    async def broadcast(self, call: Call, account_id: int, body: BroadcastBody) -> PostReply:
        """Send a text to every follower: one stored post, read by each (read diffusion),
        within the daily quota."""
        account = await console.owned(self.p, call.me, UserId(account_id))
        text = check_text(body.text, self.p.ctx.limits)
        said = sending.Content(MessageKind.TEXT, text)
        return PostReply(await sending.broadcast(self.p, account, said))

    async def create_qrcode(self, call: Call, account_id: int, body: QrBody) -> QrReply:
        """A QR code people scan to follow: without a scene, the account's own (permanent)
        code; with one, a parametric code whose scene the webhook hears."""
        await console.owned(self.p, call.me, UserId(account_id))
        scenic = body.scene_id is not None or body.scene_str is not None
        seconds = None if body.permanent or not scenic else (body.expire_seconds or 2592000)
        request = QrRequest(body.scene_id, body.scene_str, seconds is None, seconds)
        code = await self.p.store.create_qrcode(
            UserId(account_id), request, self.p.random(24).hex(), self.p.now()
        )
        return QrReply(
            code.ticket,
            self.p.url(f"/q/{code.ticket}"),
            self.p.url(f"/cgi-bin/showqrcode?ticket={code.ticket}"),
            code.scene,
            code.expires_at,
        )

    async def add_template(self, call: Call, account_id: int, body: TemplateBody) -> TemplateOut:
        """A message template; template messages fill its `{{key.DATA}}` placeholders."""
        await console.owned(self.p, call.me, UserId(account_id))
        title, content = check_template(body.title, body.content)
        template = Template(
            "tpl_" + self.p.random(12).hex(), UserId(account_id), title, content, self.p.now()
        )
        await self.p.store.add_template(template)
        return TemplateOut(template.template_id, template.title, template.content)

    async def list_templates(self, call: Call, account_id: int) -> TemplatesReply:
        """The account's message templates."""
        await console.owned(self.p, call.me, UserId(account_id))
        found = await self.p.store.templates(UserId(account_id))
        return TemplatesReply([TemplateOut(t.template_id, t.title, t.content) for t in found])

    async def autoreplies(self, call: Call, account_id: int) -> AutoRepliesBody:
        """The account's automatic answers (on follow, by keyword, by default)."""
        found = await service.autoreplies(self.p, call.me, UserId(account_id))
        return msgspec.convert(autoreplies_json(found), AutoRepliesBody)

    async def set_autoreplies(
        self, call: Call, account_id: int, body: AutoRepliesBody
    ) -> AutoRepliesBody:
        """Replace the account's automatic answers; the account's API reads them with
        get_current_autoreply_info."""
        raw = msgspec.to_builtins(body)
        saved = await service.set_autoreplies(self.p, call.me, UserId(account_id), raw)
        return msgspec.convert(autoreplies_json(saved), AutoRepliesBody)


class UserRoutes:
    """A person and official accounts: find, follow, menus, broadcasts, codes, OAuth."""

    def __init__(self, p: Platform) -> None:
        self.p = p
        r = self.router = Router("/api/v1", tags=["official accounts"])
        r.get("/official-accounts", rate=None)(self.search)
        r.get("/official-accounts/following", rate=None)(self.followed)
        r.get("/official-accounts/{account_id}", rate=None, errors=[AccountNotFound])(self.profile)
        r.put("/official-accounts/{account_id}/follow", errors=[AccountNotFound])(self.follow)
        r.delete("/official-accounts/{account_id}/follow", errors=[AccountNotFound])(self.unfollow)
        press_errors = [AccountNotFound, NotFollowing, MenuInvalid]
        r.post("/official-accounts/{account_id}/menu/press", errors=press_errors)(self.press)
        r.get("/official-accounts/{account_id}/broadcasts", rate=None, errors=[NotFollowing])(
            self.broadcasts
        )
        r.post("/official-accounts/{account_id}/broadcasts/read", errors=[NotFollowing])(
            self.read_broadcasts
        )
        r.get("/qrcodes/{ticket}", rate=None, errors=[QrCodeNotFound])(self.resolve_qr)
        r.post("/qrcodes/{ticket}/scan", errors=[QrCodeNotFound])(self.scan)
        oauth = [AccountNotFound, RedirectInvalid, RedirectDomainMismatch, AccountRestricted]
        r.get("/oauth/consent", rate=None, errors=oauth)(self.consent)
        r.post("/oauth/authorize", errors=oauth)(self.authorize)
        r.get("/service-notifications/mutes", rate=None)(self.notice_mutes)
        r.put("/service-notifications/mutes", errors=[NoticeSourceInvalid])(self.mute_notices)

    async def notice_mutes(self, call: Call) -> NoticeMutesReply:
        """The senders (apps, accounts) whose notices you muted in your service
        notifications."""
        found = await notifications.muted(self.p, call.me)
        return NoticeMutesReply([NoticeMuteOut(k, n, at) for k, n, at in found])

    async def mute_notices(self, call: Call, body: NoticeMuteBody) -> NoticeMutesReply:
        """Mute (`muted: true`) or unmute a sender of your service notifications: its
        later notices to you there are dropped. A follower of its account hears it in
        that conversation instead, which they mute as any other."""
        await notifications.set_muted(self.p, call.me, body.source, body.name, body.muted)
        return await self.notice_mutes(call)

    async def search(self, call: Call, query: SearchQuery) -> AccountsReply:
        """Find official accounts by name (or exact AppID or original id)."""
        found = await following.search(self.p, query.q)
        return AccountsReply([account_out(a) for a in found])

    async def followed(self, call: Call) -> AccountsReply:
        """The accounts you follow."""
        return AccountsReply([account_out(a) for a in await following.following(self.p, call.me)])

    async def profile(self, call: Call, account_id: int) -> ProfileReply:
        """An account's profile and menu, whether you follow it, and your conversation."""
        seen = await following.profile(self.p, call.me, UserId(account_id))
        return ProfileReply(account_out(seen.account), seen.following, seen.conversation_id)

    async def follow(self, call: Call, account_id: int, body: FollowBody) -> FollowReply:
        """Follow an account: your conversation with it opens (its webhook hears
        `subscribe`). Following again changes nothing."""
        cid = await following.follow(self.p, call.me, UserId(account_id), body.scene)
        return await self._follow_reply(call, UserId(account_id), cid)

    async def _follow_reply(
        self, call: Call, account_id: UserId, cid: ConversationId
    ) -> FollowReply:
        view = await conversations.conversation(call.ctx, call.me, cid)
        return FollowReply(account_out(await self.p.store.account(account_id)), view)

    async def unfollow(self, call: Call, account_id: int) -> None:
        """Unfollow: you leave the conversation (its webhook hears `unsubscribe`)."""
        await following.unfollow(self.p, call.me, UserId(account_id))

    async def press(self, call: Call, account_id: int, body: PressBody) -> PressReply:
        """Press a button of the account's menu: the webhook hears CLICK or VIEW; for a
        `view` button, open the returned `url`."""
        pressed, answers = await following.press_button(
            self.p, call.me, UserId(account_id), body.button
        )
        return PressReply(pressed.event, pressed.key, pressed.url, answers)

    async def broadcasts(self, call: Call, account_id: int, query: PostsQuery) -> PostsReply:
        """The account's broadcasts since you followed, after `after` (a channel seq)."""
        posts = await following.broadcasts(
            self.p, call.me, UserId(account_id), query.after, query.limit
        )
        return PostsReply(posts)

    async def read_broadcasts(
        self, call: Call, account_id: int, body: ChannelReadBody
    ) -> ChannelReadReply:
        """Mark broadcasts read up to `seq` (it never moves back)."""
        seq = await following.read_broadcasts(self.p, call.me, UserId(account_id), body.seq)
        return ChannelReadReply(seq)

    async def resolve_qr(self, call: Call, ticket: str) -> ScanReply:
        """What a scanned code is (an account and its scene), without acting on it."""
        code, account = await following.resolve_qr(self.p, ticket)
        seen = await following.profile(self.p, call.me, account.id)
        return ScanReply(account_out(account), code.scene, seen.following)

    async def scan(self, call: Call, ticket: str) -> FollowReply:
        """Act on a scanned code: follow with its scene (the webhook hears `subscribe`
        with `qrscene_...`), or, already following, the webhook hears SCAN."""
        account, cid = await following.scan(self.p, call.me, ticket)
        return await self._follow_reply(call, account.id, cid)

    async def consent(self, call: Call, query: ConsentQuery) -> ConsentReply:
        """What an H5 page asks for (the consent screen's content)."""
        asked = await tokens.consent(self.p, query.appid, query.redirect_uri, query.scope)
        return ConsentReply(account_out(asked.account), asked.scope.value, asked.silent)

    async def authorize(self, call: Call, body: AuthorizeBody) -> AuthorizeReply:
        """Answer the consent screen: with `allow`, the redirect carries a code the page
        exchanges at /sns/oauth2/access_token; without, the page gets no code."""
        if not body.allow:
            return AuthorizeReply(
                await tokens.decline(self.p, body.appid, body.redirect_uri, body.scope, body.state)
            )
        target = await tokens.authorize(
            self.p, call.me, body.appid, body.redirect_uri, body.scope, body.state
        )
        return AuthorizeReply(target)


def routers(p: Platform) -> list[Router]:
    return [ConsoleRoutes(p).router, UserRoutes(p).router]
