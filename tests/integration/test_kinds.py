"""The kinds users send besides text and media (core/kinds.py): stickers, locations and
contact cards, over REST, with their validation; on both backends."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import MakeClient, befriend
from tests.support.media import picture
from tests.support.rest import fails, uid


def animated_gif(frames: int = 3, size: tuple[int, int] = (32, 32)) -> bytes:
    images = [Image.new("RGB", size, (40 * i, 0, 0)) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return buf.getvalue()


def noise(side: int) -> bytes:
    """A PNG of random pixels (seeded): it stays large however it is re-encoded."""
    pixels = random.Random(7).randbytes(side * side * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buf, "PNG")
    return buf.getvalue()


async def test_a_sticker_is_sent_as_its_own_kind_and_seen_by_the_peer(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    media = await alice.upload(animated_gif(), kind="image", name="wave.gif")
    sent = await alice.send(cid, "sticker", media_id=media["id"], text="dropped")
    assert (sent["kind"], sent["text"]) == ("sticker", None)
    assert sent["data"]["media"]["id"] == media["id"]
    [seen] = [m for m in await bob.history(cid) if m["kind"] == "sticker"]
    assert seen["data"]["media"]["id"] == media["id"]
    links = await bob.media_urls([media["id"]])
    assert media["id"] in links["urls"]  # the sticker carries the blob to its readers


@pytest.mark.settings(max_image_bytes=4 * 1024 * 1024)
async def test_a_sticker_must_be_a_small_image(clients: MakeClient, tmp_path: Path) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    voice_like = await alice.upload(b"plain bytes", kind="file", name="x.bin")
    await fails(alice.send(cid, "sticker", media_id=voice_like["id"]), "media.kind_mismatch", 400)
    path = tmp_path / "big.png"
    path.write_bytes(noise(800))
    big = await alice.upload(path, kind="image")
    assert big["size"] > 1024 * 1024  # noise does not compress
    await fails(alice.send(cid, "sticker", media_id=big["id"]), "invalid_input.too_large", 413)
    small = await alice.upload(picture(), kind="image")
    assert (await alice.send(cid, "sticker", media_id=small["id"]))["kind"] == "sticker"


async def test_a_location_is_a_card_of_coordinates_and_a_name(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    place = {"latitude": 48.8584, "longitude": 2.2945, "name": "Tour Eiffel"}
    sent = await alice.send(cid, "location", data=place)
    assert sent["data"] == {**place, "address": ""}
    await fails(
        alice.send(cid, "location", data={"latitude": 100, "longitude": 0}), "invalid_input", 400
    )
    await fails(alice.send(cid, "location"), "invalid_input", 400)


async def test_a_contact_card_shows_one_of_my_contacts(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await befriend(alice, bob)
    await befriend(alice, carol)
    card = await alice.send(cid, "card", data={"user_id": uid(carol)})
    assert card["data"] == {
        "user_id": uid(carol),
        "username": "carol",
        "display_name": "carol",
        "avatar": None,
    }
    mine = await alice.send(cid, "card", data={"user_id": uid(alice)})
    assert mine["data"]["username"] == "alice"
    stranger = await clients("dave")
    await fails(alice.send(cid, "card", data={"user_id": uid(stranger)}), "contact.required", 403)
    await fails(alice.send(cid, "card", data={"user_id": "carol"}), "invalid_input", 400)


async def test_data_is_refused_where_a_kind_takes_none(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await fails(alice.send(cid, "text", text="hi", data={"x": 1}), "invalid_input", 400)
    await fails(alice.send(cid, "history", data={"title": "x"}), "invalid_input", 400)
