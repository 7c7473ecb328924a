"""Mini apps' REST bodies (msgspec): the console's registrations, Discover's list and
what the web client asks on a page's behalf (wx.config, wx.login, cards, share tickets)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

Text = Annotated[str, Meta(max_length=1024)]
Short = Annotated[str, Meta(max_length=256)]


class AppBody(Struct, forbid_unknown_fields=True):
    name: Short
    entry_url: Text
    domains: Annotated[list[Short], Meta(max_length=20)]
    icon: Text = ""


class AppWire(Struct):
    id: int
    account_id: int
    name: str
    icon: str
    entry_url: str
    domains: list[str]
    created_at: int
    updated_at: int


class PublisherWire(Struct):
    """The official account an app belongs to, as "About" shows it."""

    id: int
    name: str
    avatar: str | None
    original_id: str


class JsApisWire(Struct):
    """The JS-SDK calls the client carries out, and those a page may make without wx.config."""

    supported: list[str]
    open: list[str]


class AppReply(Struct):
    app: AppWire
    publisher: PublisherWire | None = None
    js_apis: JsApisWire | None = None  # with GET /miniapps/{app_id}: the bridge's lists


class AppsReply(Struct):
    apps: list[AppWire]


class JsConfigBody(Struct, forbid_unknown_fields=True):
    """A page's wx.config, as the web client forwards it with the page's URL."""

    url: Text
    appId: Short  # noqa: N815 - the SDK's own names
    timestamp: Short
    nonceStr: Short  # noqa: N815
    signature: Short
    jsApiList: Any = None  # noqa: N815 - checked by the rules (a list of names)


class JsConfigReply(Struct):
    granted: list[str]  # what the page may call
    unsupported: list[str]  # what it named that this server does not provide


class CodeReply(Struct):
    code: str
    expires_in: int  # seconds


class ShareBody(Struct, forbid_unknown_fields=True):
    conversation_id: int
    client_msg_id: Short
    title: Short = ""
    path: Text = "/"
    image_url: Text = ""


class ShareTicketBody(Struct, forbid_unknown_fields=True):
    conversation_id: int


class ShareTicketReply(Struct):
    share_ticket: str


class ShareInfoBody(Struct, forbid_unknown_fields=True):
    share_ticket: Short


class ShareInfoReply(Struct):
    encryptedData: str  # noqa: N815 - the SDK's own names
    iv: str


# What a page hands its account (uploadImage, uploadVoice) or gets from it (downloadImage,
# downloadVoice): a picture or a voice recording, never another kind of blob.
PageMedia = Literal["image", "voice"]


class UploadBody(Struct, forbid_unknown_fields=True):
    media_id: Short  # a picture or recording you uploaded (POST /api/v1/media?kind=...)
    kind: PageMedia = "image"  # its kind, as uploaded: uploadImage's or uploadVoice's


class DownloadQuery(Struct, forbid_unknown_fields=True):
    kind: PageMedia = "image"  # downloadImage's or downloadVoice's serverId


class UploadReply(Struct):
    server_id: str  # uploadImage/uploadVoice give it the page; the account reads it at media/get


# --- games ---


class StorageBody(Struct, forbid_unknown_fields=True):
    """wx.setUserCloudStorage's KVDataList: [{key, value}] (checked by the rules)."""

    kv_list: Any = None


class StorageReply(Struct):
    notices: int  # "beaten" notices this write sent to friends it passed


class KeysBody(Struct, forbid_unknown_fields=True):
    keys: Any = None  # a list of keys (checked by the rules)


class RecordWire(Struct):
    key: str
    value: str


class RecordsReply(Struct):
    kv_list: list[RecordWire]


class RankQuery(Struct, forbid_unknown_fields=True):
    key: Annotated[str, Meta(max_length=128)]
    period: Annotated[str, Meta(max_length=8)] = "all"  # "all" or "week"
    share_ticket: Short | None = None  # the group's ranking, from a card opened in it


class RankReply(Struct):
    """All a game learns of a ranking."""

    rank: int | None  # mine, None before I score
    count: int  # friends (or members) who play, not counting me


class RankedWire(Struct):
    rank: int
    user_id: int
    display_name: str
    avatar: str | None
    score: int
    me: bool


class RankingReply(Struct):
    """A ranking as the player's own client draws it."""

    period: str  # "all" or the ISO week, e.g. "2026-W50"
    entries: list[RankedWire]


class NoticesBody(Struct, forbid_unknown_fields=True):
    muted: bool


class NoticesReply(Struct):
    muted: bool
