"""REST: upload media, get signed links for it, and the links themselves (/m/...), which
browsers fetch without a token (an <img src> cannot send one)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from microletter.actions import media
from microletter.core.errors import (
    UPLOAD_ERRORS,
    BadSignature,
    ConversationNotFound,
    InvalidInput,
    MediaBusy,
    MediaNotFound,
    MediaTooComplex,
    NotMember,
    SignatureExpired,
    UserNotFound,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import MediaKind, Variant, served_type
from microletter.gateway.api import Call, Router
from microletter.gateway.disconnect import while_connected
from microletter.gateway.wire import (
    AvatarQuery,
    LinkOut,
    LinkQuery,
    LinksBody,
    LinksReply,
    MediaReply,
    UploadQuery,
    UsageReply,
)

router = Router("/api/v1", tags=["media"])
links = Router("", tags=["media"])
CHUNK = 256 * 1024
THUMBNAIL_TYPE = "image/webp"


@router.post(
    "/media",
    status=201,
    rate="upload",
    raw_body="application/octet-stream",
    errors=UPLOAD_ERRORS,
)
async def upload(call: Call, query: UploadQuery) -> MediaReply:
    """Upload an image, a voice recording, a video or a file: the body is its raw bytes.

    The server decides what it got by decoding it, never by its name or Content-Type.
    Images are turned upright and written again without EXIF (no GPS), with a thumbnail
    when larger than 320 px; voice must be audio of at most 60 s and gets `duration_ms`
    and a 64-bar `waveform`; a video (MP4, MOV, WebM, ..., at most 60 s, else 413
    `media.too_long`) is transcoded to H.264/AAC in MP4 within 720p, and gets `width`,
    `height`, `duration_ms` and a poster frame (its `thumbnail_url`); files may be
    anything. Then send a message with `media_id`:
    an upload that nothing refers to expires (after a day by default). Uploads count
    against your storage quota (403 `media.quota_exceeded`) and are refused while the
    server's disk is nearly full (507 `media.storage_full`).

    Decoding runs in decoder processes, within limits (pixels, frames, JPEG scans,
    streams, memory, time): past one the upload is refused (413 `media.too_complex`);
    a decoder that crashes on it fails it (415 `media.decoder_failed`); a user with
    several uploads waiting already gets 429 `media.busy`. A client that disconnects
    stops the decoding of its upload."""
    request = call.request
    uploading = media.upload(
        call.ctx,
        call.me,
        MediaKind(query.kind),
        query.name,
        request.content.iter_chunked(CHUNK),
        request.content_length,
    )
    return MediaReply(await while_connected(request, uploading))


@router.get("/media/usage", rate=None)
async def usage(call: Call) -> UsageReply:
    """How much of your storage quota your uploads take (each blob once, sent or not)."""
    used, retention = await media.usage(call.ctx, call.me)
    return UsageReply(used, retention.quota, retention.upload_ttl_ms // 1000)


@router.post("/media/urls")
async def sign_links(call: Call, body: LinksBody) -> LinksReply:
    """Signed, short-lived links to media you may see (you uploaded it, or a message you
    can see carries it); the other ids are listed in `denied`."""
    granted, denied = await media.links(call.ctx, call.me, body.ids)
    urls = {
        str(mid): LinkOut(link.url, link.thumbnail_url, link.expires_at)
        for mid, link in granted.items()
    }
    return LinksReply(urls, denied)


LINK_ERRORS = [BadSignature, SignatureExpired, MediaNotFound]


@links.get("/m/{media_id}", auth=False, rate=None, errors=LINK_ERRORS)
async def fetch_media(call: Call, media_id: str, query: LinkQuery) -> web.FileResponse:
    """The bytes behind a signed link from POST /api/v1/media/urls (Range requests work)."""
    return await _serve(call, media_id, Variant.ORIGINAL, query)


@links.get("/m/{media_id}/thumbnail", auth=False, rate=None, errors=LINK_ERRORS)
async def fetch_thumbnail(call: Call, media_id: str, query: LinkQuery) -> web.FileResponse:
    """The thumbnail (WebP, at most 320 px) behind a signed link."""
    return await _serve(call, media_id, Variant.THUMBNAIL, query)


async def _serve(call: Call, media_id: str, variant: Variant, q: LinkQuery) -> web.FileResponse:
    opened = await media.open_link(call.ctx, media_id, variant, q.u, q.e, q.s)
    found = opened.media
    left = max(0, (opened.expires_at - call.ctx.clock()) // 1000)
    thumbnail = variant is Variant.THUMBNAIL
    response = web.FileResponse(opened.path)
    headers = response.headers
    headers["Content-Type"] = THUMBNAIL_TYPE if thumbnail else served_type(found.mime)
    headers["Cache-Control"] = f"private, max-age={left}"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    how = "attachment" if found.kind is MediaKind.FILE and not thumbnail else "inline"
    headers["Content-Disposition"] = content_disposition(how, found.name)
    return response


@links.get("/avatars/{user_id}", auth=False, rate=None, errors=[UserNotFound, MediaNotFound])
async def fetch_avatar(call: Call, user_id: int, query: AvatarQuery) -> web.FileResponse:
    """A user's profile picture (public, as profiles are). With `v` (the start of the
    avatar's media id, as clients build the URL) it may be cached for good."""
    opened = await media.open_avatar(call.ctx, UserId(user_id))
    response = web.FileResponse(opened.path)
    headers = response.headers
    thumbnail = opened.media.has_thumbnail
    headers["Content-Type"] = THUMBNAIL_TYPE if thumbnail else served_type(opened.media.mime)
    current = bool(query.v) and opened.media.id.startswith(query.v or "")
    headers["Cache-Control"] = "public, max-age=31536000, immutable" if current else "no-cache"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get(
    "/conversations/{cid}/avatar",
    rate=None,
    errors=[ConversationNotFound, NotMember, InvalidInput, MediaBusy, MediaTooComplex],
)
async def group_avatar(call: Call, cid: int) -> web.StreamResponse:
    """A group's avatar (WebP, 144 px): the pictures of its first nine members in a grid,
    drawn on the server and kept until its members or their pictures change. Members
    only; revalidate with the ETag (304 while it is unchanged)."""
    found = await media.open_group_avatar(call.ctx, call.me, ConversationId(cid))
    etag = f'"{found.key}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    if call.request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    response = web.FileResponse(found.path, headers=headers)
    response.headers["Content-Type"] = THUMBNAIL_TYPE
    return response


def content_disposition(how: str, name: str) -> str:
    """`how; filename="<ASCII fallback>"; filename*=UTF-8''<the name>` (RFC 6266)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"{how}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
