"""Mini apps, pure: what a registration holds and how it is checked, which pages are
JS-safe, the frame sources the client's CSP allows, the JS-SDK calls the bridge answers,
login codes, app cards and the opaque group id. No I/O: callers pass in times and keys.

Theory of operation. An official account's developer registers an app: a name, an icon,
an entry URL and its JS-safe domains (`host` or `host:port`, compared exactly, as
WeChat's "JS接口安全域名"). The web client opens the entry URL in a sandboxed iframe; the
shell's Content-Security-Policy lets frames come only from registered domains
(`frame_sources`). A page gets the bridge (the `wx` object's calls, carried by
postMessage to the client) only if its origin is on one of its app's domains; the client
checks that on every message, and the server again when a page's wx.config is checked.
The server's own host is never a JS-safe domain: a frame of our own origin with scripts
and same-origin rights could reach the client's storage and token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NewType
from urllib.parse import urlsplit

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant, JsonValue
from microletter.miniapps.errors import (
    AppDomainInvalid,
    AppNameInvalid,
    AppUrlInvalid,
    JsApiListInvalid,
    LoginCodeExpired,
    LoginCodeUsed,
    SharePathInvalid,
)

AppId = NewType("AppId", int)

MAX_NAME = 30
MAX_URL = 1024
MAX_DOMAINS = 5
MAX_APPS = 10  # per official account
MAX_JS_APIS = 100
MAX_TITLE = 60
CODE_MS = 5 * 60_000  # a wx.login() code lives 5 minutes, as WeChat's
SHARE_TICKET_MS = 24 * 3600_000
UPLOAD_MS = 3 * 24 * 3600_000  # an uploadImage/uploadVoice serverId lives 3 days, as WeChat's media
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*(?::[1-9][0-9]{{0,4}})?")
DEFAULT_PORTS = {"http": 80, "https": 443}

# microletter's calls from WeChat's mini-program API (login, share info, launch options)
# and the games' (the user cloud storage, getRank, openRanking): every page may make them.
EXTENSION_APIS = (
    "login",
    "getShareInfo",
    "getLaunchOptions",
    "setUserCloudStorage",
    "getUserCloudStorage",
    "removeUserCloudStorage",
    "getRank",
    "openRanking",
)
# The JS-SDK calls the bridge carries (docs/miniapps.md); the web client's bridge
# (web/js/miniapps/bridge.js) gets this list and OPEN_APIS with the app (GET
# /miniapps/{app_id}'s js_apis). Every other name answers "<name>:fail not supported".
SUPPORTED_APIS = (
    "checkJsApi",
    "updateAppMessageShareData",
    "onMenuShareAppMessage",
    "updateTimelineShareData",
    "onMenuShareTimeline",
    "chooseImage",
    "previewImage",
    "uploadImage",
    "downloadImage",
    "getLocalImgData",
    "startRecord",
    "stopRecord",
    "onVoiceRecordEnd",
    "playVoice",
    "pauseVoice",
    "stopVoice",
    "onVoicePlayEnd",
    "uploadVoice",
    "downloadVoice",
    "scanQRCode",
    "getNetworkType",
    "getLocation",
    "closeWindow",
    "chooseWXPay",
    *EXTENSION_APIS,
)
# Calls every page may make without naming them in jsApiList (as on WeChat).
OPEN_APIS = ("checkJsApi", "closeWindow", *EXTENSION_APIS)


@dataclass(frozen=True, slots=True)
class AppDraft:
    name: str
    icon: str
    entry_url: str
    domains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MiniApp:
    id: AppId
    account_id: UserId
    name: str
    icon: str
    entry_url: str
    domains: tuple[str, ...]
    created_at: Instant
    updated_at: Instant


@dataclass(frozen=True, slots=True)
class LoginCode:
    app_id: AppId
    user_id: UserId
    expires_at: Instant
    used_at: Instant | None


@dataclass(frozen=True, slots=True)
class ShareCard:
    """What a page shares into a chat: a title, a picture and a path in the app."""

    title: str
    path: str
    image_url: str


# --- registration ---


def domain_of(url: str) -> str | None:
    """The JS-safe domain a URL is served from: its host, lowercase, with the port when
    it is not the scheme's default; None for anything but a plain http(s) URL."""
    if len(url) > MAX_URL or any(c <= " " or c in "\x7f\\" for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not url[len(parts.scheme) :].startswith("://"):
        return None
    if not parts.netloc.isascii() or any(c in parts.netloc for c in "@%[]"):
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or not DOMAIN_RE.fullmatch(host):
        return None
    return host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"


def check_domain(text: str, own_hosts: Sequence[str]) -> str:
    domain = text.strip().lower()
    if len(domain) > 260 or not DOMAIN_RE.fullmatch(domain):
        raise AppDomainInvalid(f"{text[:80]!r} is not a host name.", domain=text[:80])
    if domain in own_hosts:
        raise AppDomainInvalid(
            f"{domain} is this server's own host; an app's pages are served elsewhere.",
            domain=domain,
        )
    return domain


def check_url(url: str, field: str) -> str:
    if domain_of(url) is None:
        raise AppUrlInvalid(f"{field} must be an http(s) URL.", field=field)
    return url


def check_app(
    name: str, icon: str, entry_url: str, domains: Sequence[str], own_hosts: Sequence[str]
) -> AppDraft:
    """A registration as it is stored; `own_hosts` are this server's `host[:port]` (never
    JS-safe: a frame of the client's own origin could reach its storage and token)."""
    clean = " ".join(name.split())
    if not 1 <= len(clean) <= MAX_NAME:
        raise AppNameInvalid(field="name")
    if not 1 <= len(domains) <= MAX_DOMAINS:
        raise AppDomainInvalid(f"Give 1 to {MAX_DOMAINS} JS-safe domains.", field="domains")
    unique = tuple(dict.fromkeys(check_domain(d, own_hosts) for d in domains))
    entry = check_url(entry_url.strip(), "entry_url")
    if domain_of(entry) not in unique:
        raise AppUrlInvalid(
            "The entry URL is not on one of the JS-safe domains.", field="entry_url"
        )
    icon = icon.strip()
    if icon:
        check_url(icon, "icon")
    return AppDraft(clean, icon, entry, unique)


def is_js_safe(app: MiniApp, url: str) -> bool:
    """Whether a page at `url` (or an origin) may use the bridge of `app`."""
    return domain_of(url) in app.domains


def frame_sources(domains: Sequence[str]) -> str:
    """The CSP `frame-src` value for every registered domain ('none' when there is none).
    A domain without a port matches its scheme's default port only, as in CSP."""
    unique = sorted(set(domains))
    return " ".join(unique) if unique else "'none'"


# --- the JS-SDK ---


def check_js_api_list(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_JS_APIS:
        raise JsApiListInvalid(field="jsApiList")
    if not all(isinstance(a, str) and 0 < len(a) <= 64 for a in raw):
        raise JsApiListInvalid(field="jsApiList")
    return tuple(dict.fromkeys(raw))


def granted_apis(asked: Sequence[str]) -> tuple[str, ...]:
    """What a configured page may call: what it named that the bridge supports, and the
    calls open to every page."""
    return tuple(dict.fromkeys([*(a for a in asked if a in SUPPORTED_APIS), *OPEN_APIS]))


# --- login codes ---


def check_code(code: LoginCode, now: Instant) -> None:
    """A code may be exchanged once, before it expires."""
    if code.used_at is not None:
        raise LoginCodeUsed()
    if now >= code.expires_at:
        raise LoginCodeExpired()


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- cards and groups ---


def check_share(app: MiniApp, title: object, path: object, image_url: object) -> ShareCard:
    """A card a page shares: the title (the app's name when empty), a path of the app
    (relative, or an absolute URL on a JS-safe domain) and an optional picture."""
    text = " ".join(str(title or "").split())[:MAX_TITLE] or app.name
    where = str(path or "").strip() or "/"
    if len(where) > MAX_URL or any(c < " " or c in "\x7f\\" for c in where):
        raise SharePathInvalid(field="path")
    if where.startswith("/") and not where.startswith("//"):
        pass
    elif not is_js_safe(app, where):
        raise SharePathInvalid(field="path")
    picture = str(image_url or "").strip()
    if picture and domain_of(picture) is None:
        raise AppUrlInvalid("imgUrl must be an http(s) URL.", field="image_url")
    return ShareCard(text, where, picture)


def page_url(app: MiniApp, path: str) -> str:
    """The URL a card's path opens: an absolute path is the app's entry origin's."""
    if not path.startswith("/"):
        return path
    parts = urlsplit(app.entry_url)
    return f"{parts.scheme}://{parts.netloc}{path}"


def card_data(app: MiniApp, card: ShareCard) -> dict[str, JsonValue]:
    """The `data` of an `app` message (docs/protocol.md, "Message kinds")."""
    return {
        "app_id": app.id,
        "account_id": app.account_id,
        "name": app.name,
        "icon": app.icon,
        "title": card.title,
        "path": card.path,
        "image_url": card.image_url,
    }


def open_gid(key: bytes, account_id: UserId, conversation_id: ConversationId) -> str:
    """A group's id as an account's apps see it: the same for all its apps and people,
    different for every account, and telling nothing about the group or its members."""
    mac = hmac.new(key, f"opengid:{account_id}:{conversation_id}".encode(), hashlib.sha256)
    return "G" + mac.hexdigest()[:27]
