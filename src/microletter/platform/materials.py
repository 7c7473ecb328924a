"""Permanent material: add files (decoded and kept by the media room like temporary
media, under a media_id of their own) and news (articles whose covers are the account's
permanent pictures), read, list, count and delete them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Mapping
from typing import Any

from microletter.core.errors import InvalidInput
from microletter.core.ids import UserId
from microletter.core.media import MediaId
from microletter.core.models import JsonValue
from microletter.platform import media
from microletter.platform.context import Platform
from microletter.platform.errors import MaterialNotFound, MediaTypeInvalid
from microletter.platform.rules.material import (
    FILE_TYPES,
    Material,
    check_article,
    check_news,
    check_video_description,
)
from microletter.platform.rules.officials import OfficialAccount


async def add_file(
    p: Platform,
    account: OfficialAccount,
    kind: str,
    name: str,
    chunks: AsyncIterable[bytes],
    description: object = None,
) -> tuple[Material, str | None]:
    """add_material: a picture, voice note, video (with its title and introduction) or
    thumb, within the type's size limits and formats (as media/upload) and its cap.
    Returns the material and, for pictures, a link anyone may open."""
    if kind not in FILE_TYPES:
        raise MediaTypeInvalid("type is image, voice, video or thumb.", type=kind)
    title, intro = check_video_description(description) if kind == "video" else ("", "")
    stored = await media.upload(p, account.id, kind, name, chunks)
    now = p.now()
    made = Material(
        account.id, media.new_material_id(p.random(20)), kind, stored.media.id, name, title,
        intro, None, now, now,
    )  # fmt: skip
    await p.store.add_material(made)
    return made, picture_url(p, made)


def picture_url(p: Platform, m: Material) -> str | None:
    if m.type not in ("image", "thumb") or m.blob_id is None:
        return None
    return media.link(p, MediaId(m.blob_id), m.account_id, media.PUBLIC_LINK_MS)


async def _articles(
    p: Platform, account_id: UserId, raw: list[dict[str, JsonValue]]
) -> list[dict[str, JsonValue]]:
    """Articles with their covers resolved: thumb_media_id must be the account's
    permanent image or thumb; its public link becomes the article's thumb_url."""
    out = []
    for article in raw:
        cover = await p.store.material(account_id, str(article["thumb_media_id"]))
        if cover.type not in ("image", "thumb"):
            raise MaterialNotFound("thumb_media_id is not a picture.", media_id=cover.media_id)
        out.append({**article, "thumb_url": picture_url(p, cover) or "", "url": ""})
    return out


async def add_news(p: Platform, account: OfficialAccount, raw: object) -> Material:
    articles = await _articles(p, account.id, check_news(raw))
    now = p.now()
    made = Material(
        account.id, media.new_material_id(p.random(20)), "news", None, "", "", "", articles,
        now, now,
    )  # fmt: skip
    return await p.store.add_material(made)


async def update_news(
    p: Platform, account: OfficialAccount, media_id: object, index: object, raw: object
) -> Material:
    if not isinstance(media_id, str) or isinstance(index, bool) or not isinstance(index, int):
        raise InvalidInput("media_id and index are needed.", field="media_id")
    (article,) = await _articles(p, account.id, [check_article(raw, index)])
    return await p.store.update_article(account.id, media_id, index, article, p.now())


def news_item(m: Material) -> list[dict[str, JsonValue]]:
    """A news material's articles as get_material and batchget write them."""
    return [{k: v for k, v in a.items()} for a in m.articles or []]


def listed(p: Platform, m: Material) -> dict[str, Any]:
    """One item of batchget_material."""
    if m.type == "news":
        return {
            "media_id": m.media_id,
            "content": {"news_item": news_item(m), "create_time": m.created_at // 1000,
                        "update_time": m.updated_at // 1000},
            "update_time": m.updated_at // 1000,
        }  # fmt: skip
    return {
        "media_id": m.media_id,
        "name": m.name,
        "update_time": m.updated_at // 1000,
        "url": picture_url(p, m) or "",
    }


def video_info(p: Platform, m: Material) -> dict[str, Any]:
    """get_material of a video: its title, introduction and a link to download it."""
    assert m.blob_id is not None  # files name a blob
    url = media.link(p, MediaId(m.blob_id), m.account_id, media.PUSH_LINK_MS)
    return {"title": m.title, "description": m.introduction, "down_url": url}


def description_of(raw: str | None) -> Mapping[str, object] | None:
    """add_material's `description` query parameter (JSON), for videos."""
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise InvalidInput("description is JSON.", field="description") from None
    return parsed if isinstance(parsed, dict) else None
