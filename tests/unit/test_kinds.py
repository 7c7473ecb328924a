"""Message kinds, defined once (core/kinds.py): the new kinds' payloads are checked, and
every kind has its preview (`msg.preview_<kind>`) in every locale of the web client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.kinds import Content, check_content, check_history
from microletter.core.limits import Limits
from microletter.core.models import MessageKind

ID = "a" * 64
LOCALES = Path(__file__).resolve().parents[2] / "src" / "microletter" / "web" / "locales"


def test_a_sticker_carries_an_image_and_no_text() -> None:
    assert check_content(MessageKind.STICKER, "ignored", ID, None, Limits()) == Content(
        media_id=ID  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidInput):
        check_content(MessageKind.STICKER, None, None, None, Limits())


def test_a_location_is_degrees_and_a_place_the_user_typed() -> None:
    got = check_content(
        MessageKind.LOCATION,
        None,
        None,
        {"latitude": 31.2304167, "longitude": 121.4737012, "name": "  The  Bund ", "address": ""},
        Limits(),
    )
    assert got.data == {
        "latitude": 31.230417,
        "longitude": 121.473701,
        "name": "The Bund",
        "address": "",
    }
    for bad in (
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -180.5},
        {"latitude": "0", "longitude": 0},
        {"latitude": True, "longitude": 0},
        {"latitude": float("nan"), "longitude": 0},
        {"latitude": 0, "longitude": 0, "url": "https://evil.example"},
    ):
        with pytest.raises(InvalidInput):
            check_content(MessageKind.LOCATION, None, None, bad, Limits())
    with pytest.raises(TooLarge):
        check_content(
            MessageKind.LOCATION,
            None,
            None,
            {"latitude": 0, "longitude": 0, "name": "x" * 101},
            Limits(),
        )


def test_a_card_names_a_person_by_id_only() -> None:
    got = check_content(MessageKind.CARD, None, None, {"user_id": 42}, Limits())
    assert got.data == {"user_id": 42}
    for bad in ({"user_id": "42"}, {"user_id": 0}, {"user_id": 1, "username": "x"}, {}):
        with pytest.raises(InvalidInput):
            check_content(MessageKind.CARD, None, None, bad, Limits())


def test_kinds_users_cannot_send_and_data_where_none_belongs_are_refused() -> None:
    for kind in (MessageKind.SYSTEM, MessageKind.HISTORY, MessageKind.NEWS, MessageKind.TEMPLATE):
        with pytest.raises(InvalidInput):
            check_content(kind, "hi", None, None, Limits())
    with pytest.raises(InvalidInput):
        check_content(MessageKind.TEXT, "hi", None, {"x": 1}, Limits())


def test_a_merged_forward_holds_one_to_a_hundred_messages() -> None:
    check_history(1)
    check_history(100)
    with pytest.raises(InvalidInput):
        check_history(0)
    with pytest.raises(TooLarge):
        check_history(101)


@pytest.mark.parametrize("locale", sorted(p.name for p in LOCALES.glob("*.json")))
def test_every_kind_has_a_preview_in_every_locale(locale: str) -> None:
    messages = json.loads((LOCALES / locale).read_text(encoding="utf-8"))
    previewed = [k for k in MessageKind if k is not MessageKind.SYSTEM]  # notes: `sys.*`
    missing = [k.value for k in previewed if f"msg.preview_{k.value}" not in messages]
    assert missing == [], f"{locale} has no preview for {missing}"
    assert "msg.unsupported" in messages  # the fallback for kinds a client does not know
