"""Profile pictures: set from an uploaded image, public to fetch, cacheable by URL."""

from __future__ import annotations

import io

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
