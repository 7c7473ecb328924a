"""The protocol's permanent material: add_material (files, multipart like media/upload),
add_news, update_news, get_material, del_material, get_materialcount and
batchget_material."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from microletter.core.errors import InvalidInput
from microletter.core.media import MediaId, blob_key, served_type
from microletter.gateway.disconnect import while_connected
from microletter.platform import materials
from microletter.platform.cgi import CgiCall, endpoint
from microletter.platform.endpoints import chunks_of, media_part
from microletter.platform.errcodes import OK
from microletter.platform.errors import MaterialNotFound
from microletter.platform.rules.material import check_page


def _media_id(body: dict[str, Any] | Any) -> str:
    media_id = body.get("media_id")
    if not isinstance(media_id, str) or not media_id:
        raise InvalidInput("media_id is needed.", field="media_id")
    return media_id


@endpoint("/cgi-bin/material/add_material", ("POST",))
async def add_material(call: CgiCall) -> dict[str, Any]:
    kind = call.arg("type")
    description = materials.description_of(call.request.query.get("description"))
    part = await media_part(call)
    adding = materials.add_file(
        call.p, call.account, kind, part.filename or kind, chunks_of(part), description
    )
    made, url = await while_connected(call.request, adding)
    out: dict[str, Any] = {"media_id": made.media_id}
    if url is not None:
        out["url"] = url
    return out


@endpoint("/cgi-bin/material/add_news", ("POST",))
async def add_news(call: CgiCall) -> dict[str, Any]:
    made = await materials.add_news(call.p, call.account, (await call.body()).get("articles"))
    return {"media_id": made.media_id}


@endpoint("/cgi-bin/material/update_news", ("POST",))
async def update_news(call: CgiCall) -> dict[str, Any]:
    body = await call.body()
    await materials.update_news(
        call.p, call.account, body.get("media_id"), body.get("index"), body.get("articles")
    )
    return OK


@endpoint("/cgi-bin/material/get_material", ("POST",))
async def get_material(call: CgiCall) -> dict[str, Any] | web.StreamResponse:
    """News: their articles; a video: its title and a download link; other files: the
    bytes themselves."""
    found = await call.p.store.material(call.account.id, _media_id(await call.body()))
    if found.type == "news":
        return {"news_item": materials.news_item(found)}
    if found.type == "video":
        return materials.video_info(call.p, found)
    assert found.blob_id is not None  # files name a blob
    blob = MediaId(found.blob_id)
    media = (await call.p.ctx.store.visible_media(call.account.id, [blob])).get(blob)
    path = call.p.ctx.media.blobs.local_path(blob_key(blob))
    if media is None or path is None:
        raise MaterialNotFound(media_id=found.media_id)
    return web.FileResponse(
        path,
        headers={
            "Content-Type": served_type(media.mime),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=86400",
        },
    )


@endpoint("/cgi-bin/material/del_material", ("POST",))
async def del_material(call: CgiCall) -> dict[str, Any]:
    await call.p.store.delete_material(call.account.id, _media_id(await call.body()))
    return OK


@endpoint("/cgi-bin/material/get_materialcount", ("GET",))
async def material_count(call: CgiCall) -> dict[str, Any]:
    counts = await call.p.store.material_counts(call.account.id)
    return {f"{kind}_count": n for kind, n in counts.items()}


@endpoint("/cgi-bin/material/batchget_material", ("POST",))
async def batchget(call: CgiCall) -> dict[str, Any]:
    body = await call.body()
    kind, offset, count = check_page(body.get("type"), body.get("offset", 0), body.get("count", 20))
    total, page = await call.p.store.materials_page(call.account.id, kind, offset, count)
    return {
        "total_count": total,
        "item_count": len(page),
        "item": [materials.listed(call.p, m) for m in page],
    }
