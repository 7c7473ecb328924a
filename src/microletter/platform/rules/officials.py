"""Official accounts, pure: their values, credentials, followers, OpenIDs and the rules for
names, webhooks, articles, QR scenes and the customer-service window (OAuth: oauth.py).

No I/O: randomness comes in as bytes from the caller, and so does the time. The WeChat
wire formats (XML, signatures, AES) are the platform room's business, not this module's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.core.text import check_visible
from microletter.platform.errors import (
    AccountLimitReached,
    MessageTypeUnsupported,
    QrCodeNotFound,
    ReplyWindowClosed,
    WebhookRefused,
)

APPID_RE = re.compile(r"wx[0-9a-f]{16}")
ORIGINAL_ID_RE = re.compile(r"gh_[0-9a-f]{12}")
TOKEN_RE = re.compile(r"[A-Za-z0-9]{3,32}")
AES_KEY_RE = re.compile(r"[A-Za-z0-9+/]{43}")
SCENE_STR_RE = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, no spaces

MAX_NAME = 64
MAX_DESCRIPTION = 240
MAX_URL = 1024
MAX_ARTICLES = 10
MAX_TEMPLATE_CONTENT = 2048


class MessageMode(StrEnum):
    """How pushes to the webhook are encoded (WeChat's 明文 / 兼容 / 安全 modes)."""

    PLAINTEXT = "plaintext"
    COMPATIBLE = "compatible"
    SAFE = "safe"


class Scope(StrEnum):
    """OAuth 2 scopes of web authorization."""

    BASE = "snsapi_base"  # silent: only the OpenID
    USERINFO = "snsapi_userinfo"  # consent: name and avatar too
    LOGIN = "snsapi_login"  # website QR login (open platform)


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """Lifetimes and quotas of the open platform (operator settings, passed in)."""

    access_token_seconds: int = 7200
    oauth_code_seconds: int = 300
    refresh_token_seconds: int = 30 * 86400
    media_seconds: int = 3 * 86400
    reply_window_seconds: int = 48 * 3600
    broadcasts_per_day: int = 4
    accounts_per_owner: int = 10


@dataclass(frozen=True, slots=True)
class OfficialAccount:
    """An official account. Its `id` is also the id of the user that speaks for it in
    conversations and the id of its broadcast channel. `secret_hash` is the SHA-256 of the
    AppSecret (the secret itself is shown once); `secret_gen` counts resets, and tokens
    minted under an older generation stop working."""

    id: UserId
    owner_id: UserId
    appid: str
    original_id: str
    name: str
    description: str
    avatar: str | None
    secret_hash: bytes
    secret_gen: int
    token: str
    encoding_aes_key: str
    webhook_url: str | None
    mode: MessageMode
    webhook_verified_at: Instant | None
    menu: list[dict[str, JsonValue]] | None
    channel_head: int
    follower_count: int
    push_cursor: int
    created_at: Instant
    restricted: bool = False  # its owner (or its own user) is suspended: its API is closed
    # The hosts its OAuth codes may be sent to (rules/oauth.py); none: OAuth is refused.
    oauth_domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Follower:
    """What an official account knows of one user: their pairwise OpenID, whether they
    follow now, how they came (`scene`, QR scene), and when they last acted."""

    account_id: UserId
    user_id: UserId
    openid: str
    following: bool
    followed_at: Instant | None
    unfollowed_at: Instant | None
    scene: str
    qr_scene: int
    qr_scene_str: str
    remark: str
    last_active_at: Instant | None
    channel_joined_seq: int
    channel_read_seq: int


@dataclass(frozen=True, slots=True)
class QrCode:
    ticket: str
    account_id: UserId
    scene_id: int | None
    scene_str: str | None
    permanent: bool
    expires_at: Instant | None
    created_at: Instant

    @property
    def scene(self) -> str:
        """The scene as the protocol writes it in EventKey ("" for a profile code)."""
        if self.scene_str is not None:
            return self.scene_str
        return "" if self.scene_id is None else str(self.scene_id)


@dataclass(frozen=True, slots=True)
class AccountUpload:
    """An official account's upload of a blob of the media room, as the protocol's
    `type` (image, voice, video, thumb, news, img). Temporary media serve media/get and
    messages for `media_seconds` after their last upload; `img` (media/uploadimg, the
    pictures of articles) never expire."""

    account_id: UserId
    media_id: str
    type: str
    uploaded_at: Instant

    def is_fresh(self, now: Instant, media_seconds: int) -> bool:
        return self.type == "img" or now < self.uploaded_at + media_seconds * 1000


@dataclass(frozen=True, slots=True)
class Template:
    template_id: str
    account_id: UserId
    title: str
    content: str
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Credentials:
    """Freshly made credentials; `appsecret` exists only here, shown once."""

    appid: str
    original_id: str
    appsecret: str
    token: str
    encoding_aes_key: str


# --- credentials ---

CREDENTIAL_BYTES = 77


def make_credentials(random: bytes) -> Credentials:
    """Credentials from CREDENTIAL_BYTES random bytes (the caller draws them)."""
    if len(random) < CREDENTIAL_BYTES:
        raise ValueError(f"need {CREDENTIAL_BYTES} random bytes")
    return Credentials(
        appid="wx" + random[0:8].hex(),
        original_id="gh_" + random[8:14].hex(),
        appsecret=random[14:30].hex(),
        token=base64.b32encode(random[30:45]).decode().lower(),
        encoding_aes_key=base64.b64encode(random[45:77]).decode().rstrip("="),
    )


def make_secret(random: bytes) -> str:
    return random[:16].hex()


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(stored: bytes, given: str) -> bool:
    return hmac.compare_digest(stored, hash_secret(given))


def openid_for(key: bytes, account_id: UserId, user_id: UserId) -> str:
    """The user's OpenID towards one account: stable, pairwise, not the internal id."""
    return "o" + _mac(key, f"openid:{account_id}:{user_id}")


def unionid_for(key: bytes, owner_id: UserId, user_id: UserId) -> str:
    """The user's UnionID: the same for every account of one developer."""
    return "u" + _mac(key, f"unionid:{owner_id}:{user_id}")


def _mac(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:27]


# --- what a developer may set ---


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("An official account needs a name.", field="name")
    return check_visible(_plain(name, "name", MAX_NAME), "name", "The name")


def check_description(text: str) -> str:
    return _plain(text.strip(), "description", MAX_DESCRIPTION)


def _plain(text: str, field: str, limit: int) -> str:
    if len(text) > limit:
        raise TooLarge(f"The {field} is too long.", field=field, max_length=limit)
    if any(unicodedata.category(c) == "Cc" and c not in "\n" for c in text):
        raise InvalidInput(f"The {field} contains control characters.", field=field)
    return text


def check_token(token: str) -> str:
    if not TOKEN_RE.fullmatch(token):
        raise InvalidInput("The Token is 3-32 letters and digits.", field="token")
    return token


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key an EncodingAESKey stands for (43 characters of base64)."""
    if not AES_KEY_RE.fullmatch(encoding_aes_key):
        raise InvalidInput(
            "The EncodingAESKey is 43 characters of A-Z a-z 0-9 + /.", field="encoding_aes_key"
        )
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise InvalidInput("The EncodingAESKey is not base64.", field="encoding_aes_key") from None
    if len(key) != 32:
        raise InvalidInput("The EncodingAESKey must decode to 32 bytes.", field="encoding_aes_key")
    return key


def check_webhook_url(url: str) -> str:
    """The URL's form: http(s), a host, no credentials or fragment. Whether its address
    may be reached is decided when connecting (see platform/webhook.py)."""
    if len(url) > MAX_URL:
        raise WebhookRefused("The webhook URL is too long.", max_length=MAX_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("The webhook URL must be http:// or https:// with a host.")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise WebhookRefused("The webhook URL may not carry credentials or a fragment.")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise WebhookRefused("The webhook URL has a bad port.") from None
    return url


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host: the only links an account may show (never javascript:)."""
    if len(url) > MAX_URL:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# --- messages ---


def check_articles(articles: Sequence[Mapping[str, object]]) -> list[dict[str, JsonValue]]:
    """News cards: 1-10 articles of title, description, link and cover picture."""
    if not 1 <= len(articles) <= MAX_ARTICLES:
        raise InvalidInput("News carries 1 to 10 articles.", field="articles")
    out: list[dict[str, JsonValue]] = []
    for i, article in enumerate(articles):
        card: dict[str, JsonValue] = {}
        for name, limit in (("title", 128), ("description", 512), ("url", MAX_URL)):
            value = article.get(name) or ""
            if not isinstance(value, str) or len(value) > limit:
                raise InvalidInput(f"Article {i}: bad {name}.", field=f"articles[{i}].{name}")
            card[name] = value
        pic = article.get("picurl") or article.get("image") or ""
        if not isinstance(pic, str):
            raise InvalidInput(f"Article {i}: bad picurl.", field=f"articles[{i}].picurl")
        card["picurl"] = pic
        for name in ("url", "picurl"):
            link = card[name]
            if link and not (isinstance(link, str) and is_web_url(link)):
                raise InvalidInput(
                    f"Article {i}: {name} must be an http(s) URL.", field=f"articles[{i}].{name}"
                )
        if not card["title"] and not card["description"]:
            raise InvalidInput(f"Article {i} needs a title.", field=f"articles[{i}].title")
        out.append(card)
    return out


def check_reply_window(last_active: Instant | None, now: Instant, window_ms: int) -> None:
    """Customer-service messages reach a user only within the window (48 hours) of
    their last action."""
    if last_active is None or now - last_active > window_ms:
        raise ReplyWindowClosed(window_hours=window_ms // 3_600_000)


def render_template(content: str, data: Mapping[str, Mapping[str, object]]) -> str:
    """Fill `{{key.DATA}}` with the value of `key`; without content, list `key: value`."""
    values = {k: str(v.get("value", "")) for k, v in data.items()}
    if not content:
        return "\n".join(f"{k}: {v}" for k, v in values.items())
    return re.sub(r"\{\{\s*(\w+)\.DATA\s*\}\}", lambda m: values.get(m.group(1), ""), content)


def check_template(title: str, content: str) -> tuple[str, str]:
    title = check_name(title)
    return title, _plain(content, "content", MAX_TEMPLATE_CONTENT)


# --- QR codes ---

QR_ACTIONS = {
    "QR_SCENE": (False, False),  # (permanent, string scene)
    "QR_STR_SCENE": (False, True),
    "QR_LIMIT_SCENE": (True, False),
    "QR_LIMIT_STR_SCENE": (True, True),
}
MAX_QR_SECONDS = 30 * 86400


@dataclass(frozen=True, slots=True)
class QrRequest:
    scene_id: int | None
    scene_str: str | None
    permanent: bool
    expire_seconds: int | None


def check_qr_request(action: str, scene: Mapping[str, object], expire: object) -> QrRequest:
    """A QR code request as the protocol writes it (action_name, action_info.scene)."""
    if action not in QR_ACTIONS:
        raise InvalidInput(f"Unknown action_name; use one of {', '.join(QR_ACTIONS)}.")
    permanent, textual = QR_ACTIONS[action]
    scene_id: int | None = None
    scene_str: str | None = None
    if textual:
        raw = scene.get("scene_str")
        if not isinstance(raw, str) or not SCENE_STR_RE.fullmatch(raw):
            raise InvalidInput("scene_str is 1-64 printable ASCII characters.", field="scene_str")
        scene_str = raw
    else:
        raw_id = scene.get("scene_id")
        top = 100_000 if permanent else 2**32 - 1
        if isinstance(raw_id, bool) or not isinstance(raw_id, int) or not 0 < raw_id <= top:
            raise InvalidInput(f"scene_id is an integer from 1 to {top}.", field="scene_id")
        scene_id = raw_id
    seconds: int | None = None
    if not permanent:
        seconds = 60 if expire is None else expire  # type: ignore[assignment]  # checked next
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise InvalidInput("expire_seconds is an integer.", field="expire_seconds")
        seconds = max(60, min(seconds, MAX_QR_SECONDS))
    return QrRequest(scene_id, scene_str, permanent, seconds)


def new_qrcode(ticket: str, account_id: UserId, request: QrRequest, now: Instant) -> QrCode:
    expires = None if request.expire_seconds is None else now + request.expire_seconds * 1000
    return QrCode(
        ticket,
        account_id,
        request.scene_id,
        request.scene_str,
        request.permanent,
        None if expires is None else Instant(expires),
        now,
    )


def check_qr_live(code: QrCode, now: Instant) -> QrCode:
    if code.expires_at is not None and code.expires_at <= now:
        raise QrCodeNotFound("This QR code expired.")
    return code


# --- accounts, as the stores find them ---


def check_account_quota(owned: int, max_per_owner: int) -> None:
    if owned >= max_per_owner:
        raise AccountLimitReached(max_accounts=max_per_owner)


def search_pattern(query: str) -> str:
    """A LIKE pattern (escape character `\\`) for names containing `query`, any case."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"


# --- message kinds a developer may send ---

CUSTOM_KINDS = ("text", "image", "voice", "video", "news")


def check_custom_kind(msgtype: object) -> str:
    if msgtype not in CUSTOM_KINDS:
        raise MessageTypeUnsupported(
            f"msgtype {msgtype!r} is not supported; use one of {', '.join(CUSTOM_KINDS)}.",
            supported=list(CUSTOM_KINDS),
        )
    return str(msgtype)
