"""Mini apps' /api/v1 routes: the developer console's registrations, Discover's list,
and what the web client asks for a page it shows (wx.config, wx.login, cards, share
tickets). The page itself never calls these: it has no token; the client does."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from microletter.core.errors import ConversationNotFound, MediaNotFound, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import served_type
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import MessageReply
from microletter.miniapps import actions
from microletter.miniapps.actions import MiniApps
from microletter.miniapps.errors import (
    AppDomainInvalid,
    AppIdMismatch,
    AppLimitReached,
    AppNameInvalid,
    AppNotFound,
    AppUrlInvalid,
    JsApiListInvalid,
    PageNotJsSafe,
    SharePathInvalid,
    ShareTicketInvalid,
)
from microletter.miniapps.rules import CODE_MS, OPEN_APIS, SUPPORTED_APIS, AppId, MiniApp
from microletter.miniapps.wire import (
    AppBody,
    AppReply,
    AppsReply,
    AppWire,
    CodeReply,
    DownloadQuery,
    JsApisWire,
    JsConfigBody,
    JsConfigReply,
    PublisherWire,
    ShareBody,
    ShareInfoBody,
    ShareInfoReply,
    ShareTicketBody,
    ShareTicketReply,
    UploadBody,
    UploadReply,
)
from microletter.platform import (
    AccountMediaNotFound,
    AccountNotFound,
    JsSignatureInvalid,
    NotAccountOwner,
)

REGISTRATION_ERRORS = [
    AccountNotFound,
    NotAccountOwner,
    AppNameInvalid,
    AppUrlInvalid,
    AppDomainInvalid,
]


def wire(a: MiniApp) -> AppWire:
    return AppWire(
        a.id, a.account_id, a.name, a.icon, a.entry_url, list(a.domains), a.created_at, a.updated_at
    )


def own_hosts(call: Call, public_url: str) -> list[str]:
    """This server's `host[:port]`, as this client reached it and as it is published: a
    page there would be of the client's own origin."""
    hosts = {(call.request.host or "").lower(), (urlsplit(public_url).netloc or "").lower()}
    return [h for h in hosts if h]


def routers(room: MiniApps) -> list[Router]:
    console = Router("/api/v1", tags=["mini apps (console)"])
    base = "/developer/accounts/{account_id}/miniapps"

    @console.get(base, rate=None, errors=[AccountNotFound, NotAccountOwner])
    async def list_miniapps(call: Call, account_id: int) -> AppsReply:
        """The mini apps registered for one of your official accounts."""
        found = await actions.apps_of(room, call.me, UserId(account_id))
        return AppsReply([wire(a) for a in found])

    @console.post(base, status=201, errors=[*REGISTRATION_ERRORS, AppLimitReached])
    async def register_miniapp(call: Call, account_id: int, body: AppBody) -> AppReply:
        """Register a mini app: its name, icon (an image URL), entry URL and JS-safe
        domains (`host` or `host:port`; the entry URL must be on one). Frames are
        allowed from these domains only, and only their pages get the JS bridge."""
        made = await actions.register(
            room,
            call.me,
            UserId(account_id),
            body.name,
            body.icon,
            body.entry_url,
            body.domains,
            own_hosts(call, room.platform.base_url),
        )
        return AppReply(wire(made))

    @console.put(f"{base}/{{app_id}}", errors=[*REGISTRATION_ERRORS, AppNotFound])
    async def update_miniapp(call: Call, account_id: int, app_id: int, body: AppBody) -> AppReply:
        """Change a registration (all of it)."""
        changed = await actions.update(
            room,
            call.me,
            UserId(account_id),
            AppId(app_id),
            body.name,
            body.icon,
            body.entry_url,
            body.domains,
            own_hosts(call, room.platform.base_url),
        )
        return AppReply(wire(changed))

    @console.delete(f"{base}/{{app_id}}", errors=[AccountNotFound, NotAccountOwner, AppNotFound])
    async def remove_miniapp(call: Call, account_id: int, app_id: int) -> None:
        """Remove a mini app: its cards stay in chats but open nothing."""
        await actions.remove(room, call.me, UserId(account_id), AppId(app_id))

    people = Router("/api/v1", tags=["mini apps"])

    @people.get("/miniapps", rate=None)
    async def discover_miniapps(call: Call) -> AppsReply:
        """Discover → Mini apps: the apps registered on this server, newest first."""
        call.me  # noqa: B018 - signed in
        return AppsReply([wire(a) for a in await actions.listed(room)])

    @people.get("/miniapps/{app_id}", rate=None, errors=[AppNotFound, AccountNotFound])
    async def get_miniapp(call: Call, app_id: int) -> AppReply:
        """One app, with the account that publishes it (for its title bar and About) and the
        JS-SDK calls the client's bridge carries out (the one list, rules.SUPPORTED_APIS)."""
        call.me  # noqa: B018 - signed in
        found, account = await actions.app(room, AppId(app_id))
        publisher = PublisherWire(account.id, account.name, account.avatar, account.original_id)
        return AppReply(wire(found), publisher, JsApisWire(list(SUPPORTED_APIS), list(OPEN_APIS)))

    @people.post(
        "/miniapps/{app_id}/js-config",
        errors=[AppNotFound, JsApiListInvalid, PageNotJsSafe, AppIdMismatch, JsSignatureInvalid],
    )
    async def check_miniapp_js_config(call: Call, app_id: int, body: JsConfigBody) -> JsConfigReply:
        """Check a page's wx.config as WeChat does (the client sends it with the page's
        URL): the calls the page may make, or the error its wx.error() receives."""
        call.me  # noqa: B018 - signed in
        done = await actions.js_config(
            room,
            AppId(app_id),
            body.url,
            body.appId,
            body.nonceStr,
            body.timestamp,
            body.signature,
            body.jsApiList,
        )
        return JsConfigReply(list(done.granted), list(done.unsupported))

    @people.post("/miniapps/{app_id}/login", errors=[AppNotFound])
    async def miniapp_login(call: Call, app_id: int) -> CodeReply:
        """wx.login(): a code the app's server exchanges at /sns/jscode2session (once,
        within 5 minutes) for your OpenID, UnionID and a session key."""
        code = await actions.login(room, call.me, AppId(app_id))
        return CodeReply(code, CODE_MS // 1000)

    @people.post(
        "/miniapps/{app_id}/share",
        status=201,
        errors=[AppNotFound, SharePathInvalid, AppUrlInvalid, ConversationNotFound, NotMember],
    )
    async def share_miniapp_card(call: Call, app_id: int, body: ShareBody) -> MessageReply:
        """Share the app's card into one of your conversations (an `app` message)."""
        message = await actions.share(
            room,
            call.me,
            AppId(app_id),
            ConversationId(body.conversation_id),
            body.title,
            body.path,
            body.image_url,
            body.client_msg_id,
        )
        return MessageReply(message)

    @people.post(
        "/miniapps/{app_id}/share-tickets",
        errors=[AppNotFound, ShareTicketInvalid, ConversationNotFound, NotMember],
    )
    async def miniapp_share_ticket(
        call: Call, app_id: int, body: ShareTicketBody
    ) -> ShareTicketReply:
        """A share ticket for the group you open the app's card in (the page's
        getLaunchOptions gives it; getShareInfo turns it into the group's openGId)."""
        ticket = await actions.share_ticket(
            room, call.me, AppId(app_id), ConversationId(body.conversation_id)
        )
        return ShareTicketReply(ticket)

    @people.post(
        "/miniapps/{app_id}/share-info",
        errors=[AppNotFound, ShareTicketInvalid, ConversationNotFound, NotMember],
    )
    async def miniapp_share_info(call: Call, app_id: int, body: ShareInfoBody) -> ShareInfoReply:
        """wx.getShareInfo: the group's openGId, sealed with your session key for the app
        (AES-128-CBC; the app's server opens it, e.g. with wechatpy's WeChatWxaCrypto)."""
        sealed = await actions.share_info(room, call.me, AppId(app_id), body.share_ticket)
        return ShareInfoReply(sealed["encryptedData"], sealed["iv"])

    @people.post("/miniapps/{app_id}/uploads", errors=[AppNotFound, MediaNotFound])
    async def miniapp_upload_image(call: Call, app_id: int, body: UploadBody) -> UploadReply:
        """uploadImage, uploadVoice: let the app's official account fetch a picture or
        voice recording (`kind`) you uploaded, at /cgi-bin/media/get with the returned
        `server_id`, for 3 days."""
        mid = await actions.upload(room, call.me, AppId(app_id), body.media_id, body.kind)
        return UploadReply(mid)

    @people.get(
        "/miniapps/{app_id}/downloads/{server_id}", errors=[AppNotFound, AccountMediaNotFound]
    )
    async def miniapp_download_image(
        call: Call, app_id: int, server_id: str, query: DownloadQuery
    ) -> web.FileResponse:
        """downloadImage, downloadVoice: the bytes of a picture (`kind=image`) or voice
        recording (`kind=voice`) the app's official account uploaded (/cgi-bin/media/upload
        of that type, within its 3 days), named by the `serverId` its page was given; the
        client hands it to the page as a local resource."""
        media, path = await actions.download(room, call.me, AppId(app_id), server_id, query.kind)
        response = web.FileResponse(path)
        response.headers["Content-Type"] = served_type(media.mime)
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return [console, people]
