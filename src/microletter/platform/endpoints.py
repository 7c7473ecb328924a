"""The /cgi-bin endpoints a WeChatClient calls: token, custom and template messages,
templates, menus (and conditional menus), users and followers, media, QR codes,
broadcasts and mass sends, and a few small ones SDKs read at start-up (tags, customer
service and statistics: endpoints_audience.py; permanent material: endpoints_material.py).
Paths, parameters and replies are the protocol's (shared/research/wechat-oa-protocol.md,
section f)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import BodyPartReader, web

from microletter.core.errors import InvalidInput, MalformedBody
from microletter.core.ids import json_id
from microletter.core.media import served_type
from microletter.core.models import User
from microletter.gateway.disconnect import while_connected
from microletter.platform import audience, console, media, sending, service, tokens
from microletter.platform.cgi import CgiCall, endpoint
from microletter.platform.errcodes import OK
from microletter.platform.errors import (
    AppIdMissing,
    AppSecretMissing,
    GrantTypeInvalid,
    MenuNotFound,
)
from microletter.platform.rules.audience import MASS_LIST, check_openids
from microletter.platform.rules.menus import as_protocol
from microletter.platform.rules.officials import (
    Follower,
    Template,
    check_articles,
    check_qr_request,
    check_template,
)

LANGS = ("zh_CN", "zh_TW", "en")
MAX_BATCH = 100


@endpoint("/cgi-bin/token", ("GET",), auth=False)
async def token(call: CgiCall) -> dict[str, Any]:
    """WeChat's checks, in its order: grant_type (40002), appid (41002), secret (41004)."""
    query = call.request.query
    if query.get("grant_type") != "client_credential":
        raise GrantTypeInvalid("grant_type must be client_credential.", field="grant_type")
    appid, secret = query.get("appid"), query.get("secret")
    if not appid:
        raise AppIdMissing("The appid query parameter is needed.", field="appid")
    if not secret:
        raise AppSecretMissing("The secret query parameter is needed.", field="secret")
    access, expires = await tokens.issue_access_token(call.p, appid, secret)
    return {"access_token": access, "expires_in": expires}


# --- messages ---


@endpoint("/cgi-bin/message/custom/send", ("POST",))
async def custom_send(call: CgiCall) -> dict[str, Any]:
    await sending.send_custom(call.p, call.account, await call.body())
    return OK


@endpoint("/cgi-bin/message/template/send", ("POST",))
async def template_send(call: CgiCall) -> dict[str, Any]:
    message = await sending.send_template(call.p, call.account, await call.body())
    return {**OK, "msgid": message.id}


@endpoint("/cgi-bin/message/mass/sendall", ("POST",))
async def mass_sendall(call: CgiCall) -> dict[str, Any]:
    """To every follower (`is_to_all`: one stored post that all read) or to the
    followers carrying a tag (`tag_id`; wechatpy writes `group_id`): a message each."""
    body = await call.body()
    tag_id = audience.mass_target(body)
    if tag_id is not None:
        job = await audience.mass_send(call.p, call.account, body, tag_id=tag_id)
        return _mass_reply(job.msg_id)
    kind = body.get("msgtype")
    said = await sending.mass_content(call.p, call.account, str(kind), body.get(str(kind)))
    post = await sending.broadcast(call.p, call.account, said)
    return _mass_reply(post.id, post.seq)


def _mass_reply(msg_id: int, data_id: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id}
    out["msg_data_id"] = data_id if data_id is not None else msg_id
    return out


@endpoint("/cgi-bin/message/mass/send", ("POST",))
async def mass_send(call: CgiCall) -> dict[str, Any]:
    """To a list of 2 to 10,000 OpenIDs (those who still follow get it)."""
    body = await call.body()
    openids = check_openids(body.get("touser"), *MASS_LIST, field="touser")
    job = await audience.mass_send(call.p, call.account, body, openids=openids)
    return _mass_reply(job.msg_id)


@endpoint("/cgi-bin/message/mass/preview", ("POST",))
async def mass_preview(call: CgiCall) -> dict[str, Any]:
    """A preview to one follower (by OpenID; WeChat IDs do not exist here). Free of quota."""
    body = await call.body()
    touser = body.get("touser")
    if not isinstance(touser, str) or not touser:
        raise InvalidInput("touser (an OpenID) is needed; towxname is not supported.")
    job = await audience.mass_send(call.p, call.account, body, openids=[touser], preview=True)
    return {**OK, "msg_id": job.msg_id}


@endpoint("/cgi-bin/message/mass/get", ("POST",))
async def mass_get(call: CgiCall) -> dict[str, Any]:
    msg_id = json_id((await call.body()).get("msg_id"))
    if msg_id is None:
        raise InvalidInput("msg_id is needed.", field="msg_id")
    job = await call.p.store.mass_job(call.account.id, msg_id)
    return {"msg_id": job.msg_id, "msg_status": job.status}


# --- templates ---


@endpoint("/cgi-bin/template/api_add_template", ("POST",))
async def add_template(call: CgiCall) -> dict[str, Any]:
    short = (await call.body()).get("template_id_short")
    if not isinstance(short, str) or not short:
        raise InvalidInput("template_id_short is needed.", field="template_id_short")
    title, content = check_template(short, "")
    template = Template(
        "tpl_" + call.p.random(12).hex(), call.account.id, title, content, call.p.now()
    )
    await call.p.store.add_template(template)
    return {**OK, "template_id": template.template_id}


@endpoint("/cgi-bin/template/get_all_private_template", ("GET",))
async def list_templates(call: CgiCall) -> dict[str, Any]:
    found = await call.p.store.templates(call.account.id)
    return {
        "template_list": [
            {
                "template_id": t.template_id,
                "title": t.title,
                "content": t.content,
                "example": "",
                "primary_industry": "",
                "deputy_industry": "",
            }  # fmt: skip
            for t in found
        ]
    }


@endpoint("/cgi-bin/template/del_private_template", ("POST",))
async def delete_template(call: CgiCall) -> dict[str, Any]:
    template_id = (await call.body()).get("template_id")
    if not isinstance(template_id, str):
        raise InvalidInput("template_id is needed.", field="template_id")
    await call.p.store.delete_template(call.account.id, template_id)
    return OK


@endpoint("/cgi-bin/template/api_set_industry", ("POST",))
async def set_industry(call: CgiCall) -> dict[str, Any]:
    await call.body()
    return OK


@endpoint("/cgi-bin/template/get_industry", ("GET",))
async def get_industry(call: CgiCall) -> dict[str, Any]:
    none = {"first_class": "", "second_class": ""}
    return {"primary_industry": none, "secondary_industry": none}


# --- menus ---


@endpoint("/cgi-bin/menu/create", ("POST",))
async def menu_create(call: CgiCall) -> dict[str, Any]:
    await console.set_menu(call.p, call.account.id, await call.body())
    return OK


@endpoint("/cgi-bin/menu/get", ("GET",))
async def menu_get(call: CgiCall) -> dict[str, Any]:
    """The default menu and, when there are any, the conditional menus."""
    account = await call.p.store.account(call.account.id)
    if not account.menu:
        raise MenuNotFound()
    out: dict[str, Any] = {"menu": {"button": as_protocol(account.menu)}}
    conditional = await call.p.store.conditional_menus(call.account.id)
    if conditional:
        out["conditionalmenu"] = [
            {"button": as_protocol(c.menu), "matchrule": c.matchrule, "menuid": c.menu_id}
            for c in conditional
        ]
    return out


@endpoint("/cgi-bin/menu/addconditional", ("POST",))
async def menu_add_conditional(call: CgiCall) -> dict[str, Any]:
    made = await service.add_conditional_menu(call.p, call.account, await call.body())
    return {"menuid": str(made.menu_id)}


@endpoint("/cgi-bin/menu/delconditional", ("POST",))
async def menu_del_conditional(call: CgiCall) -> dict[str, Any]:
    menu_id = json_id((await call.body()).get("menuid"))
    if menu_id is None:
        raise InvalidInput("menuid is needed.", field="menuid")
    await call.p.store.delete_conditional_menu(call.account.id, menu_id)
    return OK


@endpoint("/cgi-bin/menu/trymatch", ("POST",))
async def menu_try_match(call: CgiCall) -> dict[str, Any]:
    menu = await service.try_match(call.p, call.account, (await call.body()).get("user_id"))
    if not menu:
        raise MenuNotFound()
    return {"button": as_protocol(menu)}


@endpoint("/cgi-bin/menu/delete", ("GET",))
async def menu_delete(call: CgiCall) -> dict[str, Any]:
    await console.delete_menu(call.p, call.account.id)
    return OK


# --- users ---


def user_info(
    call: CgiCall, follower: Follower, user: User, tags: list[int] | None = None
) -> dict[str, Any]:
    info: dict[str, Any] = {"subscribe": int(follower.following), "openid": follower.openid}
    info["unionid"] = tokens.unionid(call.p, call.account, follower.user_id)
    if not follower.following:
        return info
    return {
        **info,
        "nickname": user.display_name,
        "sex": 0,
        "language": user.locale.replace("-", "_"),
        "city": "",
        "province": "",
        "country": "",
        "headimgurl": call.p.avatar_url(user),
        "subscribe_time": (follower.followed_at or 0) // 1000,
        "remark": follower.remark,
        "groupid": 0,
        "tagid_list": tags or [],
        "subscribe_scene": follower.scene,
        "qr_scene": follower.qr_scene,
        "qr_scene_str": follower.qr_scene_str,
    }


def _lang(value: object) -> None:
    if value not in LANGS:
        raise InvalidInput(f"lang is one of {', '.join(LANGS)}.", field="lang")


@endpoint("/cgi-bin/user/info", ("GET",))
async def user_get(call: CgiCall) -> dict[str, Any]:
    _lang(call.arg("lang", "zh_CN"))
    follower, user = await call.p.store.follower_by_openid(call.account.id, call.arg("openid"))
    tags = await call.p.store.follower_tags(call.account.id, follower.user_id)
    return user_info(call, follower, user, tags)


@endpoint("/cgi-bin/user/info/batchget", ("POST",))
async def user_batch(call: CgiCall) -> dict[str, Any]:
    wanted = (await call.body()).get("user_list")
    if not isinstance(wanted, list) or not 0 < len(wanted) <= MAX_BATCH:
        raise InvalidInput(f"user_list has 1 to {MAX_BATCH} entries.", field="user_list")
    infos = []
    for item in wanted:
        if not isinstance(item, dict) or not isinstance(item.get("openid"), str):
            raise InvalidInput("Each user_list entry is {openid, lang}.", field="user_list")
        _lang(item.get("lang", "zh_CN"))
        follower, user = await call.p.store.follower_by_openid(call.account.id, item["openid"])
        tags = await call.p.store.follower_tags(call.account.id, follower.user_id)
        infos.append(user_info(call, follower, user, tags))
    return {"user_info_list": infos}


@endpoint("/cgi-bin/user/get", ("GET",))
async def followers(call: CgiCall) -> dict[str, Any]:
    """Followers' OpenIDs, a page at a time; `next_openid` is always there, and empty
    once the last page is reached."""
    after = call.arg("next_openid", "")
    size = call.p.followers_page
    page = await call.p.store.followers_page(call.account.id, after, size)
    account = await call.p.store.account(call.account.id)
    out: dict[str, Any] = {
        "total": account.follower_count,
        "count": len(page),
        "next_openid": page[-1] if len(page) == size else "",
    }
    if page:
        out["data"] = {"openid": page}
    return out


# --- media ---


async def media_part(call: CgiCall) -> BodyPartReader:
    """The `media` part of a multipart upload (read by the caller, chunk by chunk)."""
    try:
        reader = await call.request.multipart()
    except (AssertionError, ValueError, KeyError):
        raise MalformedBody("Upload the file as multipart/form-data, field 'media'.") from None
    async for part in reader:
        if isinstance(part, BodyPartReader) and part.name == "media":
            return part
    raise MalformedBody("No 'media' field in the upload.")


async def chunks_of(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(65536):
        yield chunk


async def _upload(call: CgiCall, kind: str) -> media.Stored:
    part = await media_part(call)
    name = part.filename or kind
    uploading = media.upload(call.p, call.account.id, kind, name, chunks_of(part))
    return await while_connected(call.request, uploading)


@endpoint("/cgi-bin/media/upload", ("POST",))
async def media_upload(call: CgiCall) -> dict[str, Any]:
    """Temporary media (3 days), decoded and kept by the media room; the media_id is the
    blob's id."""
    kind = call.arg("type")
    if kind not in media.MAX_BYTES:
        raise InvalidInput("type is image, voice, video or thumb.", field="type")
    stored = await _upload(call, kind)
    out: dict[str, Any] = {"type": kind, "media_id": stored.media.id,
                           "created_at": stored.upload.uploaded_at // 1000}  # fmt: skip
    if kind == "thumb":
        out["thumb_media_id"] = stored.media.id
    return out


@endpoint("/cgi-bin/media/uploadimg", ("POST",))
async def media_uploadimg(call: CgiCall) -> dict[str, Any]:
    """A picture for articles: a signed link that works for anyone, for good."""
    stored = await _upload(call, "img")
    return {"url": media.link(call.p, stored.media.id, call.account.id, media.PUBLIC_LINK_MS)}


@endpoint("/cgi-bin/media/uploadnews", ("POST",))
async def media_uploadnews(call: CgiCall) -> dict[str, Any]:
    """Articles for a broadcast (mpnews), kept as a media item of type news."""
    raw = (await call.body()).get("articles")
    if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
        raise InvalidInput("articles is a list of articles.", field="articles")
    cards = check_articles(
        [
            {
                "title": a.get("title"),
                "description": a.get("digest") or a.get("content", "")[:120],
                "url": a.get("content_source_url"),
                "picurl": "",
            }
            for a in raw
        ]  # fmt: skip
    )
    stored = await media.save_news(call.p, call.account.id, cards)
    return {"type": "news", "media_id": stored.media.id,
            "created_at": stored.upload.uploaded_at // 1000}  # fmt: skip


@endpoint("/cgi-bin/media/get", ("GET",))
async def media_get(call: CgiCall) -> web.StreamResponse:
    """The account's fresh uploads, and its followers' pictures and voice notes."""
    found, path = await media.readable(call.p, call.account.id, call.arg("media_id"))
    safe = "".join(c for c in found.name if c.isalnum() or c in "._-") or "media"
    return web.FileResponse(
        path,
        headers={
            "Content-Type": served_type(found.mime),
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=86400",
        },
    )


# --- QR codes ---


@endpoint("/cgi-bin/qrcode/create", ("POST",))
async def qrcode_create(call: CgiCall) -> dict[str, Any]:
    body = await call.body()
    info = body.get("action_info") or {}
    scene = info.get("scene") if isinstance(info, dict) else None
    request = check_qr_request(
        str(body.get("action_name")), scene if isinstance(scene, dict) else {},
        body.get("expire_seconds"),
    )  # fmt: skip
    ticket = call.p.random(24).hex()
    code = await call.p.store.create_qrcode(call.account.id, request, ticket, call.p.now())
    out: dict[str, Any] = {"ticket": code.ticket, "url": call.p.url(f"/q/{code.ticket}")}
    if code.expires_at is not None:
        out["expire_seconds"] = (code.expires_at - code.created_at) // 1000
    return out


@endpoint("/cgi-bin/showqrcode", ("GET",), auth=False)
async def qrcode_show(call: CgiCall) -> web.StreamResponse:
    code = await call.p.store.qrcode(call.arg("ticket"), call.p.now())
    return web.Response(body=qr_png(call.p.url(f"/q/{code.ticket}")), content_type="image/png")


def qr_png(text: str) -> bytes:
    import segno  # on first use: no QR code is drawn at start (tests/unit/test_coldstart.py)

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


# --- small things SDKs ask for ---


@endpoint("/cgi-bin/getcallbackip", ("GET",))
async def callback_ips(call: CgiCall) -> dict[str, Any]:
    return {"ip_list": []}


@endpoint("/cgi-bin/ticket/getticket", ("GET",))
async def js_ticket(call: CgiCall) -> dict[str, Any]:
    """A JS-SDK ticket (type jsapi or wx_card), stored with its expiry: the same one is
    handed out while it has most of its life left, so pages' wx.config signatures can be
    checked against it (service.check_js_config)."""
    ticket, seconds = await service.ticket(call.p, call.account, call.arg("type", "jsapi"))
    return {**OK, "ticket": ticket, "expires_in": seconds}
