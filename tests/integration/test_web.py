"""The web client as the server serves it: the shell and the worker revalidated on every
load, versioned files cached for good, and the "add me" QR code."""

from __future__ import annotations

import re

import aiohttp
from multidict import CIMultiDict

from microletter.app import Server
from tests.conftest import MakeClient


async def fetch(url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, CIMultiDict(response.headers), await response.read()


async def test_the_app_shell_is_served_at_root_and_never_cached_stale(server: Server) -> None:
    status, headers, body = await fetch(server.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    html = body.decode()
    version = re.search(r"/v/([0-9a-f]{12})/js/app\.js", html)
    assert version is not None, html
    assert "__VERSION__" not in html
    # Revalidation is cheap: the same ETag answers 304.
    status, _, body = await fetch(server.url + "/", **{"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""


async def test_versioned_files_are_immutable_and_old_versions_are_not_kept(server: Server) -> None:
    _, _, body = await fetch(server.url + "/")
    version = re.search(r"/v/([0-9a-f]{12})/", body.decode())
    assert version is not None
    status, headers, js = await fetch(f"{server.url}/v/{version.group(1)}/js/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"export class App" in js
    status, headers, _ = await fetch(f"{server.url}/v/000000000000/js/app.js")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    status, _, _ = await fetch(f"{server.url}/v/{version.group(1)}/js/nothing.js")
    assert status == 404
    status, _, _ = await fetch(f"{server.url}/v/{version.group(1)}/../pyproject.toml")
    assert status == 404


async def test_the_service_worker_names_this_version_and_its_files(server: Server) -> None:
    _, _, html = await fetch(server.url + "/")
    version = re.search(r"/v/([0-9a-f]{12})/", html.decode())
    assert version is not None
    status, headers, body = await fetch(server.url + "/sw.js")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    worker = body.decode()
    assert f'const VERSION = "{version.group(1)}"' in worker
    assert f'"/v/{version.group(1)}/css/app.css"' in worker
    assert f'"/v/{version.group(1)}/locales/zh-CN.json"' in worker
    assert f'"/v/{version.group(1)}/vendor/qr/decode.js"' in worker  # scanning works offline
    # pdf.js is served (the e-book reader loads it) but not kept for offline starts
    assert "pdfjs-dist" not in worker
    pdfjs = f"{server.url}/v/{version.group(1)}/vendor/pdfjs-dist/pdf.worker.min.js"
    status, headers, _ = await fetch(pdfjs)
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert 'const LINK_PREFIXES = ["u", "i", "q", "p", "a"];' in worker
    status, headers, body = await fetch(server.url + "/manifest.webmanifest")
    assert status == 200 and headers["Content-Type"].startswith("application/manifest+json")
    assert f"/v/{version.group(1)}/icons/icon-512.png".encode() in body


async def test_my_qr_code_is_an_svg_of_my_username(server: Server, clients: MakeClient) -> None:
    alice = await clients("alice")
    status, headers, body = await fetch(
        server.url + "/api/v1/me/qr.svg", Authorization=f"Bearer {alice.token}"
    )
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert body.startswith(b"<svg") and b"viewBox" in body
    status, _, _ = await fetch(server.url + "/api/v1/me/qr.svg")
    assert status == 401


def test_the_qr_code_encodes_the_add_me_payload() -> None:
    import segno

    from microletter.gateway.routes.accounts import qr_svg

    link = "https://chat.example/u/alice"
    svg = qr_svg(link)
    # Same payload, same symbol: compare with segno's own matrix for it.
    expected = segno.make(link, error="m", micro=False)
    assert f'viewBox="0 0 {expected.symbol_size(border=4)[0]} '.encode() in svg


async def test_the_links_that_codes_carry_serve_the_web_client(server: Server) -> None:
    shell_status, _, shell = await fetch(server.url + "/")
    for path in ("/u/alice", "/i/Ab_-9", "/q/0a1b2c"):
        status, headers, body = await fetch(server.url + path)
        assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/html"), path
        assert body == shell and shell_status == 200
        assert "Content-Security-Policy" in headers
    for path in ("/u/a", "/u/al!ce", "/q/not-hex", "/x/alice", "/u/alice/more"):
        status, _, _ = await fetch(server.url + path)
        assert status == 404, path


def test_the_client_resolves_the_links_the_server_serves() -> None:
    """web/js/links.js and gateway/webapp.py's LINKS name the same kinds at the same paths."""
    from microletter.gateway.webapp import LINKS, WEB_ROOT

    source = (WEB_ROOT / "js" / "links.js").read_text()
    registered = dict(
        re.findall(r'registerLink\(\{\s*name: "(\w+)",[^\n]*\n\s*prefix: "(\w)"', source)
    )
    served = {name: path.split("/")[1] for name, path in LINKS.items()}
    assert registered == served
