"""What official accounts say: customer-service messages and template messages to one
follower, passive replies to a push, broadcasts to all followers, and the note a
follower sees when the account's webhook failed them.

Every message lands in the follower's conversation with the account through the store
(and so in their devices' sync); a broadcast is stored once (read diffusion).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from microletter.core import messages as message_rules
from microletter.core.errors import InvalidInput, NotFollowing
from microletter.core.events import AccountEvent, ChannelPosted
from microletter.core.ids import UserId
from microletter.core.media import MEDIA_ID_RE, Media, media_data
from microletter.core.messages import note
from microletter.core.models import ChannelPost, JsonValue, Message, MessageKind
from microletter.platform.context import Platform
from microletter.platform.errors import MaterialNotFound
from microletter.platform.media import read_news, uploaded
from microletter.platform.pushes import Reply
from microletter.platform.rules.material import news_cards
from microletter.platform.rules.officials import (
    OfficialAccount,
    check_articles,
    check_custom_kind,
    render_template,
)
from microletter.platform.rules.service import kf_data


@dataclass(frozen=True, slots=True)
class Content:
    """What an account says: a kind, text or data, or an upload of its own (`media`) for
    image and voice, which the message carries as `{"media": Media}`."""

    kind: MessageKind
    text: str | None = None
    data: dict[str, JsonValue] | None = None
    media: Media | None = None


MEDIA_TYPES = {"image": ("image", "thumb"), "voice": ("voice",), "video": ("video",)}


async def content(p: Platform, account: OfficialAccount, kind: str, payload: object) -> Content:
    """A message's content from the protocol's `{msgtype: {...}}` object."""
    kind = check_custom_kind(kind)
    if not isinstance(payload, Mapping):
        raise InvalidInput(f"`{kind}` must be an object.", field=kind)
    if kind == "text":
        text = payload.get("content")
        if not isinstance(text, str):
            raise InvalidInput("text.content is needed.", field="text.content")
        return Content(MessageKind.TEXT, message_rules.check_text(text, p.ctx.limits))
    if kind in MEDIA_TYPES:
        media = await uploaded(p, account.id, payload.get("media_id"), *MEDIA_TYPES[kind])
        title = payload.get("title") if kind == "video" else None  # shown as its caption
        caption = message_rules.check_text(title, p.ctx.limits) if title else None
        return Content(MessageKind(kind), caption, media=media)
    articles = payload.get("articles")
    if not isinstance(articles, list) or not all(isinstance(a, Mapping) for a in articles):
        raise InvalidInput("news.articles is a list of articles.", field="news.articles")
    cards: list[JsonValue] = list(check_articles(articles))
    return Content(MessageKind.NEWS, data={"articles": cards})


async def say(
    p: Platform, account: OfficialAccount, uid: UserId, ref: str, said: Content,
    window_ms: int | None = None,
) -> Message:  # fmt: skip
    """Post `said` in the follower's conversation, once per `ref`."""
    outcome = await p.store.post_as_account(
        account.id, uid, ref, said.kind, said.text, said.data, window_ms, p.now(),
        None if said.media is None else said.media.id,
    )  # fmt: skip
    await p.publish(outcome)
    return outcome.value


async def _openid_user(p: Platform, account: OfficialAccount, openid: object) -> UserId:
    if not isinstance(openid, str) or not openid:
        raise InvalidInput("touser (an OpenID) is needed.", field="touser")
    follower, _ = await p.store.follower_by_openid(account.id, openid)
    if not follower.following:
        raise NotFollowing(openid=openid)
    return follower.user_id


def _ref(p: Platform, prefix: str) -> str:
    return f"{prefix}:{p.random(8).hex()}"


async def send_custom(p: Platform, account: OfficialAccount, body: Mapping[str, object]) -> Message:
    """message/custom/send: to a follower who acted within the last 48 hours; `mpnews`
    names uploaded news (media/uploadnews, or a permanent news material). With
    `customservice.kf_account`, a text or news message is sent as that customer-service
    account and carries its name (`data.kf`), which followers' clients show."""
    kind = body.get("msgtype")
    if not isinstance(kind, str):
        raise InvalidInput("msgtype is needed.", field="msgtype")
    uid = await _openid_user(p, account, body.get("touser"))
    said = await mass_content(p, account, kind, body.get(kind))
    service = body.get("customservice")
    if isinstance(service, Mapping) and service.get("kf_account"):
        kf = await p.store.kf_account(account.id, str(service["kf_account"]))
        said = as_kf(said, kf_data(kf))
    window = p.limits.reply_window_seconds * 1000
    return await say(p, account, uid, _ref(p, "cs"), said, window)


def as_kf(said: Content, kf: dict[str, JsonValue]) -> Content:
    """`said` in a customer-service account's name. Pictures and voice notes carry their
    media in `data`, which the store fills, so only text and news carry the name."""
    if said.media is not None:
        return said
    return replace(said, data={**(said.data or {}), **kf})


async def mass_content(
    p: Platform, account: OfficialAccount, kind: str, payload: object
) -> Content:
    """Content as custom and mass messages write it: `content`'s kinds, and `mpnews`
    (uploaded news, by media_id)."""
    if kind != "mpnews":
        return await content(p, account, kind, payload)
    media_id = payload.get("media_id") if isinstance(payload, Mapping) else None
    if not isinstance(media_id, str) or not media_id:
        raise InvalidInput("mpnews.media_id is needed.", field="mpnews.media_id")
    return Content(MessageKind.NEWS, data={"articles": await news_articles(p, account, media_id)})


async def news_articles(p: Platform, account: OfficialAccount, media_id: str) -> list[JsonValue]:
    """The cards of uploaded news: temporary (media/uploadnews, a blob id) or a
    permanent news material."""
    if MEDIA_ID_RE.fullmatch(media_id):
        return await read_news(p, account.id, media_id)
    found = await p.store.material(account.id, media_id)
    if found.type != "news" or not found.articles:
        raise MaterialNotFound("That material is not news.", media_id=media_id)
    return news_cards(found.articles)


async def send_template(
    p: Platform, account: OfficialAccount, body: Mapping[str, object]
) -> Message:
    """message/template/send: a notification card to a follower (no 48-hour window);
    the webhook then hears TEMPLATESENDJOBFINISH."""
    uid = await _openid_user(p, account, body.get("touser"))
    template_id = body.get("template_id")
    if not isinstance(template_id, str):
        raise InvalidInput("template_id is needed.", field="template_id")
    template = await p.store.template(account.id, template_id)
    fields = body.get("data") or {}
    if not isinstance(fields, Mapping) or not all(isinstance(v, Mapping) for v in fields.values()):
        raise InvalidInput('data is {"key": {"value": ..., "color": ...}}.', field="data")
    url = body.get("url") or ""
    if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
        raise InvalidInput("url must be an http(s) URL.", field="url")
    shown: dict[str, JsonValue] = {
        str(k): {"value": str(v.get("value", "")), "color": str(v.get("color", ""))}
        for k, v in fields.items()
    }
    data: dict[str, JsonValue] = {
        "template_id": template.template_id,
        "title": template.title,
        "text": render_template(template.content, fields),
        "url": url,
        "fields": shown,
    }
    message_rules.check_text(str(data["text"]) or "-", p.ctx.limits)
    outcome = await p.store.post_as_account(
        account.id, uid, _ref(p, "tpl"), MessageKind.TEMPLATE, None, data, None, p.now()
    )
    await p.publish(outcome)
    finished = AccountEvent(
        account.id,
        uid,
        "TEMPLATESENDJOBFINISH",
        extra={"MsgID": outcome.value.id, "Status": "success"},
    )
    await p.publish(await p.store.notify(finished, p.now()))
    return outcome.value


async def broadcast(p: Platform, account: OfficialAccount, said: Content) -> ChannelPost:
    """One post on the account's channel for every follower (read diffusion), within the
    daily quota; followers' devices get a hint and fetch it. A picture or voice post
    carries `{"media": Media}`, which followers may fetch like a message's."""
    data = said.data if said.media is None else media_data(said.media)
    outcome = await p.store.broadcast(
        account.id, said.kind, said.text, data, p.limits.broadcasts_per_day, p.now()
    )
    await p.publish(outcome)
    await p.announce_post(ChannelPosted(account.id, outcome.value.seq))
    return outcome.value


async def reply_content(p: Platform, account: OfficialAccount, reply: Reply) -> Content:
    if reply.kind in (MessageKind.IMAGE, MessageKind.VOICE, MessageKind.VIDEO):
        types = MEDIA_TYPES[str(reply.kind)]
        return Content(reply.kind, media=await uploaded(p, account.id, reply.media_id, *types))
    if reply.kind is MessageKind.NEWS:
        cards: list[JsonValue] = list(reply.articles or [])
        return Content(reply.kind, data={"articles": cards})
    return Content(MessageKind.TEXT, message_rules.check_text(reply.text or "", p.ctx.limits))


async def post_reply(
    p: Platform, account: OfficialAccount, uid: UserId, reply: Reply, ref: str
) -> Message:
    """Show a passive reply to the follower, once per push (`ref` names the push)."""
    return await say(p, account, uid, f"reply:{ref}", await reply_content(p, account, reply))


async def tell_unavailable(p: Platform, account: OfficialAccount, uid: UserId, ref: str) -> None:
    """The follower's message got no valid answer: say so in the conversation (once)."""
    data = note("account.unavailable", account.id)
    outcome = await p.store.post_as_account(
        account.id, uid, f"unavailable:{ref}", MessageKind.SYSTEM, None, data, None, p.now()
    )
    await p.publish(outcome)
