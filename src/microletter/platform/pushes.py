"""What the platform pushes to a webhook, and what it accepts back. Pure: the caller
passes the clock and the random bytes, and does the HTTP.

A push is the protocol's XML of a follower's message or an account event, signed (and
encrypted in compatible and safe modes). A passive reply is the HTTP body: `success` or
nothing means no reply; otherwise the XML (inside an encrypted envelope in safe mode),
checked field by field. Anything else is a `BadReply` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from microletter.core.errors import MicroletterError
from microletter.core.events import AccountEvent
from microletter.core.ids import parse_id
from microletter.core.models import JsonValue, Message, MessageKind
from microletter.platform import xmlcodec
from microletter.platform.crypto import CryptoError, Envelope
from microletter.platform.rules.officials import MessageMode, OfficialAccount, check_articles
from microletter.platform.signature import matches, signature

VOICE_FORMATS = {  # the protocol's Format of a voice note, by its MIME type
    "audio/amr": "amr",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/webm": "webm",
    "audio/mp4": "m4a",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/flac": "flac",
}
REPLAY_WINDOW = 300  # seconds an encrypted reply's TimeStamp may differ from the push's


class BadReply(ValueError):
    """The webhook answered something that is not a valid passive reply."""


@dataclass(frozen=True, slots=True)
class Push:
    query: dict[str, str]
    body: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A valid passive reply: `kind` is text, image, voice, video or news."""

    kind: MessageKind
    text: str | None = None
    media_id: str | None = None
    articles: list[dict[str, JsonValue]] | None = None


def message_fields(
    account: OfficialAccount, openid: str, message: Message, pic_url: str = ""
) -> dict[str, object]:
    """The XML fields of a follower's message. A picture or voice note is named by its
    blob id (`MediaId`, for media/get); `pic_url` is a link to the picture the webhook
    may fetch without a token."""
    fields: dict[str, object] = {
        "ToUserName": account.original_id,
        "FromUserName": openid,
        "CreateTime": message.created_at // 1000,
        "MsgType": str(message.kind),
    }
    media = (message.data or {}).get("media")  # {id, mime, ...}: the media room's Media
    found = media if isinstance(media, dict) else {}
    if message.kind is MessageKind.TEXT:
        fields["Content"] = message.text or ""
    elif message.kind is MessageKind.IMAGE:
        fields["PicUrl"] = pic_url
        fields["MediaId"] = str(found.get("id", ""))
    elif message.kind is MessageKind.VOICE:
        fields["MediaId"] = str(found.get("id", ""))
        fields["Format"] = VOICE_FORMATS.get(str(found.get("mime", "")), "")
        fields["Recognition"] = ""  # the dispatcher fills it in when a transcript is ready
    elif message.kind is MessageKind.VIDEO:
        # The protocol names the video and its thumbnail; ours is the blob's poster, so
        # both name the same blob (media/get serves the video).
        fields["MediaId"] = str(found.get("id", ""))
        fields["ThumbMediaId"] = str(found.get("id", ""))
    fields["MsgId"] = message.id
    return fields


def event_fields(
    account: OfficialAccount, openid: str, event: AccountEvent, created_s: int
) -> dict[str, object]:
    fields: dict[str, object] = {
        "ToUserName": account.original_id,
        "FromUserName": openid,
        "CreateTime": created_s,
        "MsgType": "event",
        "Event": event.event,
    }
    if event.key:
        fields["EventKey"] = event.key
    if event.ticket:
        fields["Ticket"] = event.ticket
    for name, value in (event.extra or {}).items():
        fields[name] = value if isinstance(value, int | str) else str(value)
    return fields


def build_push(
    account: OfficialAccount,
    openid: str,
    fields: Mapping[str, object],
    timestamp: int,
    nonce: str,
    random16: bytes,
) -> Push:
    """Sign (and in compatible or safe mode encrypt) one push."""
    query = {
        "signature": signature(account.token, str(timestamp), nonce),
        "timestamp": str(timestamp),
        "nonce": nonce,
        "openid": openid,
    }
    plain = xmlcodec.render(fields)
    if account.mode is MessageMode.PLAINTEXT:
        return Push(query, plain)
    encrypted = Envelope(account.encoding_aes_key, account.appid).encrypt(plain, random16)
    query["encrypt_type"] = "aes"
    query["msg_signature"] = signature(account.token, str(timestamp), nonce, encrypted)
    body: dict[str, object]
    if account.mode is MessageMode.SAFE:
        body = {"ToUserName": account.original_id, "Encrypt": encrypted}
    else:
        body = {**fields, "Encrypt": encrypted}
    return Push(query, xmlcodec.render(body))


def read_reply(
    account: OfficialAccount, openid: str, body: bytes, push_time: int
) -> tuple[Reply | None, tuple[str, str] | None]:
    """The passive reply in a webhook's answer (None: no reply), and the (nonce,
    signature) of its envelope if it was encrypted, for the caller's replay check.
    Raises BadReply."""
    stripped = body.strip()
    if not stripped or stripped == b"success":
        return None, None
    try:
        fields = xmlcodec.parse(stripped)
    except xmlcodec.XmlError as exc:
        raise BadReply(str(exc)) from None
    seen: tuple[str, str] | None = None
    if "Encrypt" in fields:
        if account.mode is MessageMode.PLAINTEXT:
            raise BadReply("an encrypted reply, but the account is in plaintext mode")
        inner, seen = _open(account, fields, push_time)
        if not inner.strip():
            return None, seen
        try:
            fields = xmlcodec.parse(inner.encode())
        except xmlcodec.XmlError as exc:
            raise BadReply(f"inside the envelope: {exc}") from None
    elif account.mode is MessageMode.SAFE:
        raise BadReply("a plaintext reply, but the account is in safe mode")
    return _reply(account, openid, fields), seen


def _open(
    account: OfficialAccount, fields: Mapping[str, object], push_time: int
) -> tuple[str, tuple[str, str]]:
    encrypted = xmlcodec.text(fields, "Encrypt")
    given = xmlcodec.text(fields, "MsgSignature")
    stamp = xmlcodec.text(fields, "TimeStamp")
    nonce = xmlcodec.text(fields, "Nonce")
    if not matches(given, account.token, stamp, nonce, encrypted):
        raise BadReply("MsgSignature does not match")
    sent_at = parse_id(stamp)  # ASCII digits only ('²'.isdigit() is true, int('²') fails)
    if sent_at is None or abs(sent_at - push_time) > REPLAY_WINDOW:
        raise BadReply("TimeStamp is too far from the push's")
    try:
        inner = Envelope(account.encoding_aes_key, account.appid).decrypt(encrypted)
    except CryptoError as exc:
        raise BadReply(f"cannot decrypt: {exc}") from None
    return inner, (nonce, given.lower())


def _reply(account: OfficialAccount, openid: str, fields: Mapping[str, object]) -> Reply | None:
    if xmlcodec.text(fields, "ToUserName") != openid:
        raise BadReply("ToUserName is not the follower's OpenID")
    if xmlcodec.text(fields, "FromUserName") != account.original_id:
        raise BadReply("FromUserName is not the account's original id")
    kind = xmlcodec.text(fields, "MsgType").lower()
    if kind == "text":
        content = xmlcodec.text(fields, "Content")
        if not content:
            raise BadReply("a text reply without Content")
        return Reply(MessageKind.TEXT, text=content)
    if kind in ("image", "voice", "video"):
        inner = fields.get(kind.capitalize())
        media_id = xmlcodec.text(inner, "MediaId") if isinstance(inner, Mapping) else ""
        if not media_id:
            raise BadReply(f"an {kind} reply without MediaId")
        return Reply(MessageKind(kind), media_id=media_id)
    if kind == "news":
        holder = fields.get("Articles")
        items = holder.get("item") if isinstance(holder, Mapping) else None
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise BadReply("a news reply without Articles")
        raw = [
            {
                "title": xmlcodec.text(i, "Title"),
                "description": xmlcodec.text(i, "Description"),
                "url": xmlcodec.text(i, "Url"),
                "picurl": xmlcodec.text(i, "PicUrl"),
            }
            for i in items
        ]
        try:
            return Reply(MessageKind.NEWS, articles=check_articles(raw))
        except MicroletterError as exc:
            raise BadReply(f"bad articles: {exc}") from None
    if kind == "transfer_customer_service":
        return None  # no human agents here: the follower simply gets no automatic answer
    raise BadReply(f"reply type {kind!r} is not supported")
