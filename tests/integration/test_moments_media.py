"""A post's video and a link card's picture, over the real API on both backends: a video
(a real clip, transcoded in a decoder process) of at most 30 s, played only by those who
may see the post; a link picture fetched by the server from a real local web server
through the SSRF guard, kept as media for the post's viewers only, and never a reason
for a post to fail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from microletter.app import Server
from microletter.client import Client
from tests.conftest import MakeClient
from tests.integration.test_media import fetch, link, media_root
from tests.integration.test_moments import abc, post, timeline, uid
from tests.support.media import picture, stored_files
from tests.support.rest import fails
from tests.support.video import clip

Json = dict[str, Any]
private_allowed = pytest.mark.settings(oa_allow_private_webhooks=True)


async def upload_video(client: Client, path: Path) -> Json:
    reply: Json = await client.call(
        "POST", "/api/v1/moments/videos", raw=path.read_bytes(), name=path.name
    )
    media: Json = reply["media"]
    return media


async def test_a_post_carries_one_video_that_only_its_audience_may_play(
    tmp_path: Path, clients: MakeClient
) -> None:
    a, b, c = await abc(clients)
    video = await upload_video(
        a, clip(tmp_path / "walk.webm", seconds=2, size=(320, 240), fmt="webm")
    )
    assert (video["kind"], video["mime"]) == ("video", "video/mp4")
    assert 1800 <= video["duration_ms"] <= 2200 and video["has_thumbnail"] is True
    photo = await a.upload(picture(), kind="image")
    await fails(post(a, video=video["id"], images=[photo["id"]]), "invalid_input", 400)
    await fails(post(a, video=photo["id"]), "media.kind_mismatch", 400)

    shown = await post(a, text="A walk", video=video["id"], audience="except", users=[uid(c)])
    assert shown["data"]["video"]["id"] == video["id"]
    [seen] = await timeline(b)
    carried = seen["data"]["video"]
    assert (carried["duration_ms"], carried["width"]) == (video["duration_ms"], video["width"])
    got = await link(b, video["id"])
    status, body, headers = await fetch(b, str(got["url"]), {"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100 and headers["Content-Type"] == "video/mp4"
    status, _, headers = await fetch(b, str(got["thumbnail_url"]))  # the poster
    assert status == 200 and headers["Content-Type"] == "image/webp"
    assert (await c.media_urls([video["id"]]))["denied"] == [video["id"]]
    await a.call("DELETE", f"/api/v1/moments/posts/{shown['id']}")
    assert (await b.media_urls([video["id"]]))["denied"] == [video["id"]]
    status, _, _ = await fetch(b, str(got["url"]))  # a link given before ends with it
    assert status == 404


async def test_a_video_over_thirty_seconds_is_refused_and_leaves_nothing(
    tmp_path: Path, server: Server, clients: MakeClient
) -> None:
    a = await clients("anna")
    long = clip(tmp_path / "long.mp4", seconds=34, size=(96, 64), fps=4, sound=False)
    error = await fails(upload_video(a, long), "media.too_long", 413)
    assert error.details["max_seconds"] == 30 and error.details["duration_ms"] > 30_000
    assert stored_files(media_root(server)) == []
    assert (await a.media_usage())["used_bytes"] == 0
    await fails(
        a.call("POST", "/api/v1/moments/videos", raw=picture(), name="x.mp4"),
        "media.unsupported",
        415,
    )
    # A video message may last 60 s; posted to Moments, it is still refused.
    message_video = await a.upload(long, "video")
    error = await fails(post(a, video=message_video["id"]), "media.too_long", 413)
    assert error.details["max_seconds"] == 30
    assert await timeline(a) == []


class PictureSite:
    """A real web server on 127.0.0.1 serving pictures (and worse), counting requests."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{name}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits.append(name)
        if name == "pic.png":
            return web.Response(body=picture((120, 90)), content_type="image/png")
        if name == "moved":
            raise web.HTTPFound("/pic.png")
        if name == "page.html":
            return web.Response(text="<html>not a picture</html>", content_type="text/html")
        if name == "huge.png":
            return web.Response(body=b"\x89PNG" + b"\0" * (6 << 20), content_type="image/png")
        raise web.HTTPNotFound()


@pytest.fixture
async def site() -> AsyncIterator[PictureSite]:
    found = PictureSite()
    await found.start()
    yield found
    await found.stop()


def card(url: str) -> Json:
    return {"url": "https://example.com/story", "title": "Story", "picture_url": url}


@private_allowed
async def test_a_link_picture_is_fetched_by_the_server_for_the_posts_viewers_only(
    clients: MakeClient, site: PictureSite
) -> None:
    a, b, c = await abc(clients)
    shown = await post(
        a, text="read", link=card(f"{site.url}/pic.png"), audience="only", users=[uid(b)]
    )
    kept = shown["data"]["link_picture"]
    assert (kept["kind"], kept["width"], kept["height"]) == ("image", 120, 90)
    assert site.hits == ["pic.png"]  # fetched once, by the server
    assert "picture_url" not in shown["data"]["link"]  # clients never hotlink it
    [seen] = await timeline(b)
    assert seen["data"]["link_picture"]["id"] == kept["id"]
    got = await link(b, kept["id"])
    status, body, headers = await fetch(b, str(got["url"]))
    assert status == 200 and headers["Content-Type"].startswith("image/") and body
    assert (await c.media_urls([kept["id"]]))["denied"] == [kept["id"]]
    moved = await post(a, text="again", link=card(f"{site.url}/moved"))
    assert moved["data"]["link_picture"]["id"] == kept["id"]  # the same bytes, one blob


@private_allowed
@pytest.mark.parametrize("name", ["page.html", "huge.png", "missing.png"])
async def test_a_link_picture_that_cannot_be_had_leaves_the_card_without_one(
    clients: MakeClient, site: PictureSite, name: str
) -> None:
    a = await clients("anna")
    shown = await post(a, text="read", link=card(f"{site.url}/{name}"))
    assert shown["data"]["link"]["title"] == "Story"
    assert "link_picture" not in shown["data"]
    assert site.hits == [name]
    assert (await a.media_usage())["used_bytes"] == 0


async def test_a_link_picture_at_a_private_address_is_refused_by_default(
    clients: MakeClient, site: PictureSite
) -> None:
    a = await clients("anna")
    port = site.url.rsplit(":", 1)[1]
    for url in (
        f"{site.url}/pic.png",
        f"http://localhost:{port}/pic.png",  # a name that resolves to loopback
        f"http://2130706433:{port}/pic.png",  # 127.0.0.1 written as a number
    ):
        shown = await post(a, text="read", link=card(url))
        assert "link_picture" not in shown["data"]
    await asyncio.sleep(0)
    assert site.hits == []  # the guard refused before connecting
    await fails(post(a, text="x", link=card("file:///etc/passwd")), "invalid_input", 400)
    await fails(
        post(a, text="x", link={**card(f"{site.url}/pic.png"), "picture": "0" * 64}),
        "invalid_input",
        400,
    )
