"""Custom menus of official accounts, pure: validate a menu as the protocol writes it,
and find the button a follower pressed.

A menu is at most 3 buttons; a button is either a leaf with a `type` or a parent with up
to 5 leaves in `sub_button`. Names are at most 16 bytes at the top and 60 below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from microletter.core.models import JsonValue
from microletter.platform.errors import MenuInvalid
from microletter.platform.rules.officials import is_web_url

MAX_TOP = 3
MAX_SUB = 5
KEY_TYPES = {
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
}
FIELDS: dict[str, tuple[str, ...]] = {
    **{t: ("key",) for t in KEY_TYPES},
    "view": ("url",),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
    "miniprogram": ("url", "appid", "pagepath"),
}
LIMITS = {"key": 128, "url": 1024, "media_id": 128, "article_id": 128, "appid": 32, "pagepath": 256}

Menu = list[dict[str, JsonValue]]


def check_menu(body: object) -> Menu:
    """The normalized buttons of `{"button": [...]}`; MenuInvalid says what is wrong."""
    if not isinstance(body, Mapping) or not isinstance(body.get("button"), list):
        raise MenuInvalid('A menu is {"button": [...]}.')
    buttons = body["button"]
    if not 1 <= len(buttons) <= MAX_TOP:
        raise MenuInvalid(f"A menu has 1 to {MAX_TOP} buttons.", field="button")
    return [_button(b, f"button[{i}]", top=True) for i, b in enumerate(buttons)]


def _button(raw: object, where: str, *, top: bool) -> dict[str, JsonValue]:
    if not isinstance(raw, Mapping):
        raise MenuInvalid(f"{where} is not an object.", field=where)
    name = raw.get("name")
    limit = 16 if top else 60
    if not isinstance(name, str) or not name.strip() or len(name.encode()) > limit:
        raise MenuInvalid(f"{where}.name is 1-{limit} bytes.", field=f"{where}.name")
    subs = raw.get("sub_button")
    if top and isinstance(subs, list) and subs:
        if len(subs) > MAX_SUB:
            raise MenuInvalid(f"{where} has at most {MAX_SUB} sub-buttons.", field=where)
        children: list[JsonValue] = [
            _button(s, f"{where}.sub_button[{j}]", top=False) for j, s in enumerate(subs)
        ]
        return {"name": name, "sub_button": children}
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise MenuInvalid(f"{where}.type must be one of {', '.join(sorted(FIELDS))}.")
    leaf: dict[str, JsonValue] = {"type": kind, "name": name}
    for field in FIELDS[kind]:
        value = raw.get(field)
        if not isinstance(value, str) or not value or len(value.encode()) > LIMITS[field]:
            raise MenuInvalid(f"{where}.{field} is needed for type {kind}.", field=field)
        if field == "url" and not is_web_url(value):
            raise MenuInvalid(f"{where}.url must be an http(s) URL.", field=f"{where}.url")
        leaf[field] = value
    return leaf


def as_protocol(menu: Menu) -> Menu:
    """The menu as WeChat's menu/get writes it: every button has a `sub_button` list."""
    out: Menu = []
    for button in menu:
        subs = button.get("sub_button")
        if isinstance(subs, list):
            kids: list[JsonValue] = [{**k, "sub_button": []} for k in subs if isinstance(k, dict)]
            out.append({**button, "sub_button": kids})
        else:
            out.append({**button, "sub_button": []})
    return out


@dataclass(frozen=True, slots=True)
class Press:
    """What pressing a leaf sends to the webhook: an event name and its EventKey."""

    event: str
    key: str
    url: str | None  # a page the follower's client should open (view buttons)


def press(menu: Menu | None, path: Sequence[int]) -> Press:
    """The leaf at `path` ([i] or [i, j]) of the current menu, as an event."""
    if not menu or not 1 <= len(path) <= 2:
        raise MenuInvalid("No such button.", path=list(path))
    node: object = None
    level: Sequence[object] = menu
    for i in path:
        if not 0 <= i < len(level):
            raise MenuInvalid("No such button.", path=list(path))
        node = level[i]
        sub = node.get("sub_button") if isinstance(node, dict) else None
        level = sub if isinstance(sub, list) else []
    if not isinstance(node, dict) or "type" not in node:
        raise MenuInvalid("That button opens a sub-menu.", path=list(path))
    kind = str(node["type"])
    if kind in KEY_TYPES:
        return Press("CLICK" if kind == "click" else kind, str(node["key"]), None)
    if kind in ("view", "miniprogram"):
        url = str(node["url"])
        return Press("VIEW", url, url)
    raise MenuInvalid("This button type is handled by the platform, not the webhook.", type=kind)
