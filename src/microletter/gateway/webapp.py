"""Serves the web client (the files in `microletter/web/`): the app shell at `/` and at the
links that codes encode (LINKS), the service worker at `/sw.js`, and every other file under
`/v/<version>/...`.

The version is a hash of all the client's files, computed once at start-up. Versioned URLs
never change content, so browsers may keep them for a year; the shell and the worker are
the two entry points that name the current version, so they are revalidated on every load.
This module only reads files of the package; it never touches the domain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
VERSION_MARK = "__VERSION__"
ASSETS_MARK = "__ASSETS__"
LINKS_MARK = "__LINK_PREFIXES__"
TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
}
# Entry points: fetched by fixed URLs, so they must be revalidated on every load.
ENTRY = {"index.html": "/", "sw.js": "/sw.js", "manifest.webmanifest": "/manifest.webmanifest"}
# Served, but left out of the shell the service worker keeps for offline starts: pdf.js
# (1.6 MB) is loaded only when someone opens a PDF e-book, which needs the network anyway.
LAZY = ("vendor/pdfjs-dist/",)
# The links that QR codes and shared links carry: each serves the shell, whose router
# (web/js/links.js, the same table) opens the page the path names. A phone's camera app
# opens them like any web page. Short `/<letter>/<id>` paths keep the codes small; a feature
# that adds a kind of code (the wallet's pay codes, mini-apps' app codes) adds its path here
# (one lower-case letter, then one segment) and its pattern in links.js.
LINKS = {
    "user": "/u/{username:[A-Za-z0-9_]{3,32}}",  # a person's "add me" code
    "invite": "/i/{token:[A-Za-z0-9_-]{1,64}}",  # a group's invite link
    "account": "/q/{ticket:[0-9a-f]{1,64}}",  # an official account's code
    "pay": "/p/{code:[A-Za-z0-9_-]{22}}",  # a merchant's order to pay (wxpay's code_url)
    "app": "/a/{app_id:[0-9]{1,20}}",  # a mini app's code (web/js/views/miniapp.js)
}


def link_prefixes() -> list[str]:
    """The first letters of the links (["u", "i", "q"]), for the service worker."""
    return [path.split("/")[1] for path in LINKS.values()]


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Media (signed URLs) may live on another host (an object store); everything else is ours.
# Frames: only from the JS-safe domains of registered mini apps (`frame_src`, given by
# app.py from the miniapps room), 'none' without any; nothing else is loosened for them.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob: data: https: http:; media-src 'self' blob: https: http:; "
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)
FrameSources = Callable[[], Awaitable[str]]


def csp(frame_src: str = "'none'") -> str:
    """The shell's Content-Security-Policy, with the frames it may show."""
    return f"{CSP}; frame-src {frame_src}"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


class WebClient:
    """The client's files, read once, and the handlers that serve them."""

    def __init__(self, root: Path = WEB_ROOT, frame_sources: FrameSources | None = None) -> None:
        self.frame_sources = frame_sources
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in TYPES)
        digest = hashlib.sha256()
        raw: dict[str, bytes] = {}
        for path in files:
            rel = path.relative_to(root).as_posix()
            raw[rel] = path.read_bytes()
            digest.update(rel.encode() + b"\0" + raw[rel] + b"\0")
        self.version = digest.hexdigest()[:12]
        prefix = f"/v/{self.version}/"
        shell = [prefix + rel for rel in raw if rel not in ENTRY and not rel.startswith(LAZY)]
        self.assets: dict[str, Asset] = {}
        for rel, body in raw.items():
            if rel in ENTRY:
                text = body.decode().replace(VERSION_MARK, self.version)
                text = text.replace(ASSETS_MARK, json.dumps(["/", *shell]))
                text = text.replace(LINKS_MARK, json.dumps(link_prefixes()))
                body = text.encode()
            suffix = Path(rel).suffix
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            self.assets[rel] = Asset(body, TYPES[suffix], etag)

    def mount(self, app: web.Application) -> None:
        for rel, url in ENTRY.items():
            if rel in self.assets:
                app.router.add_get(url, self._entry(rel))
        for path in LINKS.values():
            app.router.add_get(path, self._entry("index.html"))
        app.router.add_get("/v/{version}/{path:.+}", self.versioned)

    def _entry(self, rel: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            frames = "'none'"
            if self.frame_sources is not None and rel == "index.html":
                frames = await self.frame_sources()
            return self._respond(request, self.assets[rel], REVALIDATE, frames)

        return handle

    async def versioned(self, request: web.Request) -> web.StreamResponse:
        asset = self.assets.get(request.match_info["path"])
        if asset is None or request.match_info["path"] in ENTRY:
            raise web.HTTPNotFound()
        # An old version's URL gets today's file, but nobody may keep it under that name.
        current = request.match_info["version"] == self.version
        return self._respond(request, asset, IMMUTABLE if current else "no-store")

    @staticmethod
    def _respond(
        request: web.Request, asset: Asset, cache: str, frames: str = "'none'"
    ) -> web.StreamResponse:
        headers = {
            "Cache-Control": cache,
            "ETag": asset.etag,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if asset.content_type == "text/html":
            headers["Content-Security-Policy"] = csp(frames)
        if request.headers.get("If-None-Match") == asset.etag:
            return web.Response(status=304, headers=headers)
        charset = "utf-8" if asset.content_type.startswith(("text/", "application/")) else None
        return web.Response(
            body=asset.body, content_type=asset.content_type, charset=charset, headers=headers
        )
