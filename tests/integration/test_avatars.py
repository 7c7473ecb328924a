"""Profile pictures: set from an uploaded image, public to fetch, cacheable by URL."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
from PIL import Image

from microletter.app import Server
from tests.conftest import MakeClient, befriend
from tests.support.media import picture, wav_clip
from tests.support.rest import error_of, raw, uid


async def test_an_uploaded_image_becomes_my_avatar_for_everyone(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    media = await alice.upload(picture((600, 400), "PNG"), kind="image", name="me.png")
    status, body = await raw(alice, "PATCH", "/api/v1/me", json={"avatar": media["id"]})
    assert status == 200 and body["user"]["avatar"] == media["id"]
    # Bob's view of Alice carries it too.
    status, body = await raw(bob, "GET", f"/api/v1/users/by-id/{uid(alice)}")
    assert body["user"]["avatar"] == media["id"]

    url = f"{server.url}/avatars/{uid(alice)}"
    async with aiohttp.ClientSession() as http:  # no token: avatars are public
        async with http.get(url, params={"v": media["id"][:12]}) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.headers["Content-Type"] == "image/webp"  # the thumbnail
            shown = Image.open(io.BytesIO(await response.read()))
            assert max(shown.size) <= 320
        async with http.get(url) as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-cache"
        async with http.get(f"{server.url}/avatars/{uid(bob)}") as response:
            assert response.status == 404
            error_of(await response.json(), "media.not_found")


async def test_only_images_i_may_see_can_be_my_avatar(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    voice = await alice.upload(wav_clip(1.0), kind="voice", name="hi.wav")
    status, body = await raw(alice, "PATCH", "/api/v1/me", json={"avatar": voice["id"]})
    assert status == 400
    error_of(body, "media.kind_mismatch")
    theirs = await bob.upload(picture((64, 64), "PNG"), kind="image", name="bob.png")
    status, body = await raw(alice, "PATCH", "/api/v1/me", json={"avatar": theirs["id"]})
    assert status == 404
    error_of(body, "media.not_found")
    status, body = await raw(alice, "PATCH", "/api/v1/me", json={"avatar": "not-an-id"})
    assert status == 404
    assert (await alice.me())["avatar"] is None


async def test_a_group_avatar_is_a_grid_of_its_members_redrawn_when_they_change(
    server: Server, clients: MakeClient
) -> None:
    alice, bob, carol, eve = [await clients(n) for n in ("alice", "bob", "carol", "eve")]
    await befriend(alice, bob)
    await befriend(alice, carol)
    green = await alice.upload(picture((300, 200), "PNG", (0, 200, 0)), kind="image")
    await raw(alice, "PATCH", "/api/v1/me", json={"avatar": green["id"]})
    cid = (await alice.create_group("Trio", [uid(bob)]))["conversation"]["id"]

    body, etag = await bob.group_avatar(cid)
    assert body is not None
    grid = Image.open(io.BytesIO(body)).convert("RGB")
    assert grid.size == (144, 144)
    # Two members side by side: Alice's green picture left, Bob's coloured tile right.
    left, right = grid.getpixel((30, 72)), grid.getpixel((110, 40))
    assert isinstance(left, tuple) and left[1] > 150 and left[0] < 80
    assert isinstance(right, tuple) and right != left
    assert await bob.group_avatar(cid, etag) == (None, etag)  # unchanged: 304, no bytes
    again, same = await alice.group_avatar(cid)
    assert same == etag and again == body  # drawn once, kept

    await alice.add_members(cid, [uid(carol)])
    assert (await bob.group_avatar(cid, etag))[1] != etag  # a member more
    _, with_carol = await bob.group_avatar(cid)
    blue = await carol.upload(picture((64, 64), "PNG", (0, 0, 255)), kind="image")
    await raw(carol, "PATCH", "/api/v1/me", json={"avatar": blue["id"]})
    body, changed = await bob.group_avatar(cid, with_carol)
    assert body is not None and changed != with_carol  # a member's picture changed
    # Only the newest grid of the group is kept on disk.
    root = Path(server.settings.effective_media_url.removeprefix("file://"))
    assert len(list(root.rglob("*.grid"))) == 1

    status, reply = await raw(eve, "GET", f"/api/v1/conversations/{cid}/avatar")
    assert status == 403
    error_of(reply, "conversation.not_member")
    direct = await befriend(alice, eve)
    status, reply = await raw(alice, "GET", f"/api/v1/conversations/{direct}/avatar")
    assert status == 400
    error_of(reply, "invalid_input")
