"""The /api/v1 shapes of the open platform: the developer console and the user side.
Typed with msgspec, like gateway/wire.py, so they validate input and write OpenAPI."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from microletter.core.models import ChannelPost, ConversationView, JsonValue
from microletter.platform.rules.officials import OfficialAccount

Short = Annotated[str, Meta(max_length=256)]
Url = Annotated[str, Meta(max_length=1024)]
Mode = Literal["plaintext", "compatible", "safe"]


class AccountOut(Struct):
    """An official account as anyone may see it. `id` is also the id of the user that
    speaks for it in conversations (the `peer`/`owner_id` of its conversations)."""

    id: int
    appid: str
    original_id: str
    name: str
    description: str
    avatar: str | None
    menu: list[dict[str, JsonValue]] | None
    follower_count: int
    channel_head: int


def account_out(a: OfficialAccount) -> AccountOut:
    return AccountOut(
        a.id,
        a.appid,
        a.original_id,
        a.name,
        a.description,
        a.avatar,
        a.menu,
        a.follower_count,
        a.channel_head,
    )


class ConsoleAccount(Struct):
    """An account as its developer sees it in the console (never the AppSecret)."""

    id: int
    appid: str
    original_id: str
    name: str
    description: str
    avatar: str | None
    token: str
    encoding_aes_key: str
    webhook_url: str | None
    mode: str
    webhook_verified_at: int | None
    menu: list[dict[str, JsonValue]] | None
    follower_count: int
    channel_head: int
    created_at: int
    oauth_domains: list[str]  # where its OAuth codes may go; none: OAuth is refused


def console_out(a: OfficialAccount) -> ConsoleAccount:
    return ConsoleAccount(
        a.id,
        a.appid,
        a.original_id,
        a.name,
        a.description,
        a.avatar,
        a.token,
        a.encoding_aes_key,
        a.webhook_url,
        a.mode.value,
        a.webhook_verified_at,
        a.menu,
        a.follower_count,
        a.channel_head,
        a.created_at,
        list(a.oauth_domains),
    )


# --- console ---


class NewAccountBody(Struct, forbid_unknown_fields=True):
    name: Short
    description: Short = ""
    avatar: Url | None = None


class AccountPatch(Struct, forbid_unknown_fields=True):
    name: Short | None = None
    description: Short | None = None
    avatar: Url | None = None


class SecretReply(Struct):
    """`appsecret` is shown this once; it is stored only as a hash."""

    account: ConsoleAccount
    appsecret: str


class ConsoleReply(Struct):
    account: ConsoleAccount


class ConsoleListReply(Struct):
    accounts: list[ConsoleAccount]


class WebhookBody(Struct, forbid_unknown_fields=True):
    """Saving runs the verification handshake against `url` first."""

    url: Url
    mode: Mode = "plaintext"
    token: Short | None = None
    encoding_aes_key: Short | None = None


class OAuthDomainsBody(Struct, forbid_unknown_fields=True):
    """The account's web-authorization domains, all of them (an empty list removes them):
    host names such as `h5.example.com`, no scheme, port or path; at most 5."""

    domains: Annotated[list[Short], Meta(max_length=32)]


class MenuBody(Struct, forbid_unknown_fields=True):
    """The menu as the protocol writes it: `{"button": [...]}`."""

    button: list[dict[str, JsonValue]]


class MenuReply(Struct):
    """The menu as followers will see it (and as menu/get returns it)."""

    menu: list[dict[str, JsonValue]]


class KeywordOut(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(max_length=30)]
    match: Literal["contain", "equal"] = "contain"


class KeywordRuleOut(Struct, forbid_unknown_fields=True):
    """Replies to a follower's text that contains (or equals) one of `keywords`: all of
    them with `reply_all`, else the first."""

    keywords: list[KeywordOut]
    replies: list[Annotated[str, Meta(max_length=600)]]
    name: Annotated[str, Meta(max_length=60)] = ""
    reply_all: bool = True
    created_at: int | None = None


class AutoRepliesBody(Struct, forbid_unknown_fields=True):
    """An account's automatic answers: on follow, by keyword, and by default (null or
    empty: off). get_current_autoreply_info reports them to the account's API."""

    on_follow: Annotated[str, Meta(max_length=600)] | None = None
    default: Annotated[str, Meta(max_length=600)] | None = None
    keywords: list[KeywordRuleOut] = []


class BroadcastBody(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(max_length=65536)]


class PostReply(Struct):
    post: ChannelPost


class QrBody(Struct, forbid_unknown_fields=True):
    """No scene: the account's own code (plain follow). A scene: a parametric code,
    temporary unless `permanent`."""

    scene_id: Annotated[int, Meta(ge=1, lt=2**32)] | None = None
    scene_str: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    permanent: bool = False
    expire_seconds: Annotated[int, Meta(ge=60, le=2592000)] | None = None


class QrReply(Struct):
    ticket: str
    url: str
    image_url: str
    scene: str
    expires_at: int | None


class TemplateBody(Struct, forbid_unknown_fields=True):
    """`content` uses `{{key.DATA}}` placeholders, filled by template messages."""

    title: Short
    content: Annotated[str, Meta(max_length=2048)] = ""


class TemplateOut(Struct):
    template_id: str
    title: str
    content: str


class TemplatesReply(Struct):
    templates: list[TemplateOut]


# --- the user side ---


class SearchQuery(Struct, forbid_unknown_fields=True):
    q: Annotated[str, Meta(min_length=1, max_length=64)]


class AccountsReply(Struct):
    accounts: list[AccountOut]


class ProfileReply(Struct):
    account: AccountOut
    following: bool
    conversation_id: int | None


class FollowBody(Struct, forbid_unknown_fields=True):
    """How the person found the account (for the developer's statistics)."""

    scene: Literal["search", "profile", "link", "other"] = "profile"


class FollowReply(Struct):
    account: AccountOut
    conversation: ConversationView


class PressBody(Struct, forbid_unknown_fields=True):
    """The pressed button's position: `[i]` for a top button, `[i, j]` for a sub-button."""

    button: Annotated[list[Annotated[int, Meta(ge=0, le=4)]], Meta(min_length=1, max_length=2)]


class PressReply(Struct):
    """What the webhook was told; for a `view` button, `url` is the page to open.
    `answers`: whether the account has a webhook to hear the press (if not, nobody will
    answer a CLICK)."""

    event: str
    key: str
    url: str | None
    answers: bool = True


class PostsQuery(Struct, forbid_unknown_fields=True):
    after: Annotated[int, Meta(ge=0)] = 0
    limit: Annotated[int, Meta(ge=1, le=100)] = 50


class PostsReply(Struct):
    posts: list[ChannelPost]


class ChannelReadBody(Struct, forbid_unknown_fields=True):
    seq: Annotated[int, Meta(ge=0)]


class ChannelReadReply(Struct):
    read_seq: int


class ScanReply(Struct):
    """A scanned code: the account, its scene, and whether you follow it already."""

    account: AccountOut
    scene: str
    following: bool


class ConsentQuery(Struct, forbid_unknown_fields=True):
    appid: Short
    redirect_uri: Url
    scope: Short = "snsapi_base"


class ConsentReply(Struct):
    """What the consent screen shows; `silent` means no screen (snsapi_base)."""

    account: AccountOut
    scope: str
    silent: bool


class AuthorizeBody(Struct, forbid_unknown_fields=True):
    appid: Short
    redirect_uri: Url
    scope: Short = "snsapi_base"
    state: Short = ""
    allow: bool = True


class AuthorizeReply(Struct):
    """Where the browser goes next: the redirect_uri with `code` (and `state`)."""

    redirect: str


class NoticeMuteBody(Struct, forbid_unknown_fields=True):
    """A sender of service notifications, as its card names it (`data.source.key`:
    `app:<id>` or `account:<id>`), and its name for your list of mutes."""

    source: Annotated[str, Meta(max_length=40)]
    muted: bool = True
    name: Annotated[str, Meta(max_length=256)] = ""


class NoticeMuteOut(Struct):
    source: str
    name: str
    muted_at: int


class NoticeMutesReply(Struct):
    """The senders you muted in service notifications, newest first."""

    mutes: list[NoticeMuteOut]
