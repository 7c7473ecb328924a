"""Message kinds, defined once: what each one's `data` holds, who may send it, what it
carries, and how a chat list previews it. Later rooms (wallet cards, app cards, order
cards) add their kinds here, by the same rules:

- each kind's payload is documented in docs/protocol.md ("Message kinds"), with the API
  version bumped when a kind is added;
- each has a preview, a locale key `msg.preview_<kind>` of the web client ("[Sticker]"),
  given in every locale (a test checks);
- a client that meets a kind it does not know shows a fallback ("This message needs a
  newer version") and keeps going: kinds are open, never a reason to fail;
- a card whose state changes later (a transfer accepted, an order shipped) gets a new
  event about the card; the original message is never edited.

    kind      sent by   text           data
    text      users     the text       -
    image     users     a caption      {media}
    voice     users     -              {media}
    file      users     a caption      {media}
    video     users     -              {media} (MP4 as transcoded, with a poster)
    sticker   users     -              {media} (an image)
    location  users     -              {latitude, longitude, name, address}
    card      users     -              {user_id, username, display_name, avatar}
    history   forwards  -              {title, items: [{sender_id, sender_name, kind,
                                        text, data, created_at}]}
    news      accounts  -              {articles: [...]}
    template  accounts  -              {template_id, title, text, url, fields}
    transfer  the wallet -             {transfer_id, amount, currency, note,
                                        recipient_id} (accepted, returned or refunded
                                        later: a system note `transfer.*` says so)
    red_packet the wallet -            {packet_id, kind, greeting, shares, currency,
                                        recipient_id}
    app       mini apps -              {app_id, account_id, name, icon, title, path,
                                        image_url} (shared by a person from an app's
                                        page; opening it starts the app at `path`)
    order     a shop    -             {order_id, shop_id, shop_name, event, status, total,
                                        currency, items, window} (one card per change of
                                        the order: a new message, never an edit)
    product   people    -              {shop_id, product_id, shop_name, name, kind, price,
                                        currency, picture} (shared from a shop's product
                                        page; opening it shows the product, to buy)
    system    the server -             {action, actor, ...}
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId
from microletter.core.limits import Limits
from microletter.core.media import Media, MediaId, check_media_id, media_kind_of
from microletter.core.messages import check_text
from microletter.core.models import JsonValue, Message, MessageKind

USER_KINDS = (
    MessageKind.TEXT,
    MessageKind.IMAGE,
    MessageKind.VOICE,
    MessageKind.FILE,
    MessageKind.VIDEO,
    MessageKind.STICKER,
    MessageKind.LOCATION,
    MessageKind.CARD,
)
CAPTIONED = (MessageKind.IMAGE, MessageKind.FILE)  # media kinds that may carry a text
FORWARDABLE = (*USER_KINDS, MessageKind.HISTORY, MessageKind.NEWS, MessageKind.TEMPLATE)
MAX_PLACE = 100  # characters of a location's name
MAX_ADDRESS = 200
MAX_HISTORY_ITEMS = 100  # messages in one merged forward
MAX_TITLE = 100


@dataclass(frozen=True, slots=True)
class Content:
    """A message's body as a user sends it, checked: text, the blob it carries, data."""

    text: str | None = None
    media_id: MediaId | None = None
    data: dict[str, JsonValue] | None = None


def check_content(
    kind: MessageKind,
    text: str | None,
    media_id: str | None,
    data: Mapping[str, JsonValue] | None,
    limits: Limits,
) -> Content:
    """The body of a message a user sends, by the rules of its kind."""
    if kind not in USER_KINDS:
        raise InvalidInput(f"Messages of kind {kind} cannot be sent.", field="kind")
    carried = media_kind_of(kind)
    if carried is None and media_id is not None:
        raise InvalidInput(f"A {kind} message carries no media_id.", field="media_id")
    if carried is not None and media_id is None:
        raise InvalidInput(f"A {kind} message needs a media_id.", field="media_id")
    if kind is not MessageKind.LOCATION and kind is not MessageKind.CARD and data:
        raise InvalidInput(f"A {kind} message takes no data.", field="data")
    if kind is MessageKind.TEXT:
        return Content(text=check_text(text or "", limits))
    if kind is MessageKind.LOCATION:
        return Content(data=check_location(data or {}))
    if kind is MessageKind.CARD:
        return Content(data={"user_id": check_card(data or {})})
    assert media_id is not None
    caption = text if kind in CAPTIONED and (text or "").strip() else None
    return Content(
        text=None if caption is None else check_text(caption, limits),
        media_id=check_media_id(media_id),
    )


def check_carried(kind: MessageKind, media: Media, limits: Limits) -> None:
    """What a kind asks of the blob it carries, beyond its media kind."""
    if kind is MessageKind.STICKER and media.size > limits.max_sticker_bytes:
        raise TooLarge(
            "A sticker is a small image.", field="media_id", max_bytes=limits.max_sticker_bytes
        )


def carried_media(kind: MessageKind, data: Mapping[str, JsonValue] | None) -> list[MediaId]:
    """The blobs a merged forward's items carry (at any depth): each is re-referenced by
    the new message, so its readers may fetch them."""
    if kind is not MessageKind.HISTORY or not data:
        return []
    found = [check_media_id(str(m["id"])) for m in media_in(data.get("items"))]
    return list(dict.fromkeys(found))


def media_in(value: object) -> Iterator[dict[str, JsonValue]]:
    """Every `media` object (with an id) in a message's data: its own, and its items' in
    a chat history, at any depth."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            media = value.get("media")
            if isinstance(media, dict) and isinstance(media.get("id"), str):
                yield media
            stack.extend(v for k, v in value.items() if k in ("items", "data"))


def history_item(message: Message, sender_name: str) -> dict[str, JsonValue]:
    """One message as a merged forward shows it: a copy, readable without the original."""
    return {
        "sender_id": message.sender_id,
        "sender_name": sender_name,
        "kind": message.kind.value,
        "text": message.text,
        "data": message.data,
        "created_at": message.created_at,
    }


def check_forwardable(message: Message) -> None:
    """What may be forwarded: content a user can see; never a recalled message or a note."""
    if message.recalled or message.kind not in FORWARDABLE:
        raise InvalidInput(
            "Recalled messages and system notes cannot be forwarded.",
            field="seqs",
            seq=message.seq,
        )


def check_title(title: str) -> str:
    return _line(title, MAX_TITLE, "title")


def check_location(data: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """`{latitude, longitude, name, address}`: WGS 84 degrees, and a place name the user
    typed (the server fetches no map)."""
    latitude = _degrees(data.get("latitude"), 90, "latitude")
    longitude = _degrees(data.get("longitude"), 180, "longitude")
    name = _line(data.get("name", ""), MAX_PLACE, "name")
    address = _line(data.get("address", ""), MAX_ADDRESS, "address")
    unknown = set(data) - {"latitude", "longitude", "name", "address"}
    if unknown:
        raise InvalidInput("A location has latitude, longitude, name and address.", field="data")
    return {"latitude": latitude, "longitude": longitude, "name": name, "address": address}


def check_card(data: Mapping[str, JsonValue]) -> UserId:
    """A contact card names its person by `user_id` (the server fills in the rest)."""
    uid = data.get("user_id")
    if set(data) != {"user_id"} or not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
        raise InvalidInput('A contact card is {"user_id": <id>}.', field="data")
    return UserId(uid)


def check_history(count: int) -> None:
    if count == 0:
        raise InvalidInput("Forward at least one message.", field="seqs")
    if count > MAX_HISTORY_ITEMS:
        raise TooLarge(
            "Too many messages to forward at once.", field="seqs", max_items=MAX_HISTORY_ITEMS
        )


def _degrees(value: JsonValue, bound: int, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"A location needs its {field} in degrees.", field=field)
    degrees = float(value)
    if not math.isfinite(degrees) or abs(degrees) > bound:
        raise InvalidInput(f"{field} must be within ±{bound} degrees.", field=field)
    return round(degrees, 6)  # ~0.1 m: no more precision than a phone has


def _line(value: JsonValue, most: int, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text.", field=field)
    line = " ".join(value.split())
    if len(line) > most:
        raise TooLarge(f"{field} is too long.", field=field, max_length=most)
    return line
