"""Permanent material of official accounts, pure: the values, WeChat's limits, and the
articles of a news material.

Unlike temporary media (3 days, `media_id` = the blob's id), permanent material stays
until the account deletes it, under a `media_id` of its own (40 hex digits, so it never
looks like a blob id): the same picture added twice is two materials, as on WeChat.
Files name a blob of the media room; news keep their articles, whose covers are
permanent images or thumbs of the same account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from microletter.core.errors import InvalidInput
from microletter.core.ids import MAX_ID, UserId
from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import MaterialLimitReached
from microletter.platform.rules.officials import MAX_URL, is_web_url

FILE_TYPES = ("image", "voice", "video", "thumb")
LISTED_TYPES = ("image", "video", "voice", "news")  # batchget_material's types
# WeChat's caps: 100,000 news and images (thumbs count as images), 1,000 of the others.
MAX_COUNT = {"news": 100_000, "image": 100_000, "voice": 1_000, "video": 1_000}
MAX_NEWS_ARTICLES = 8
MAX_PAGE = 20
ARTICLE_LIMITS = {"title": 64, "author": 16, "digest": 120, "content": 20_000}


@dataclass(frozen=True, slots=True)
class Material:
    account_id: UserId
    media_id: str
    type: str  # image | voice | video | thumb | news
    blob_id: str | None  # the media room's blob (files)
    name: str
    title: str  # videos
    introduction: str  # videos
    articles: list[dict[str, JsonValue]] | None  # news
    created_at: Instant
    updated_at: Instant


def counted_as(kind: str) -> str:
    return "image" if kind == "thumb" else kind


def check_material_count(kind: str, existing: int) -> None:
    if existing >= MAX_COUNT[counted_as(kind)]:
        raise MaterialLimitReached(type=kind, max_count=MAX_COUNT[counted_as(kind)])


def check_video_description(raw: object) -> tuple[str, str]:
    """add_material's `description` of a video: {"title", "introduction"} as JSON."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("A video needs description: {title, introduction}.", field="description")
    title, intro = raw.get("title"), raw.get("introduction", "")
    if not isinstance(title, str) or not title.strip() or len(title) > 64:
        raise InvalidInput("description.title is 1 to 64 characters.", field="description.title")
    if not isinstance(intro, str) or len(intro) > 512:
        raise InvalidInput("description.introduction is text.", field="description.introduction")
    return title.strip(), intro


def check_news(raw: object) -> list[dict[str, JsonValue]]:
    """The articles of add_news (1 to 8), normalized; their covers are checked by the
    caller (thumb_media_id must be the account's permanent image or thumb)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise InvalidInput("articles is a list.", field="articles")
    if not 1 <= len(raw) <= MAX_NEWS_ARTICLES:
        raise InvalidInput(f"News have 1 to {MAX_NEWS_ARTICLES} articles.", field="articles")
    return [check_article(a, i) for i, a in enumerate(raw)]


def check_article(raw: object, i: int) -> dict[str, JsonValue]:
    where = f"articles[{i}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where} is an object.", field=where)
    out: dict[str, JsonValue] = {}
    for name, limit in ARTICLE_LIMITS.items():
        value = raw.get(name) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidInput(f"{where}.{name} is text of at most {limit}.", field=name)
        out[name] = value
    if not out["title"] or not out["content"]:
        raise InvalidInput(f"{where} needs a title and content.", field=f"{where}.title")
    source = raw.get("content_source_url") or ""
    if not isinstance(source, str) or (source and not is_web_url(source)) or len(source) > MAX_URL:
        raise InvalidInput(f"{where}.content_source_url is an http(s) URL.", field="url")
    thumb = raw.get("thumb_media_id")
    if not isinstance(thumb, str) or not thumb:
        raise InvalidInput(f"{where}.thumb_media_id is needed.", field="thumb_media_id")
    out["content_source_url"] = source
    out["thumb_media_id"] = thumb
    out["show_cover_pic"] = 1 if raw.get("show_cover_pic") in (1, "1", True) else 0
    out["need_open_comment"] = 0
    out["only_fans_can_comment"] = 0
    return out


def news_cards(articles: Sequence[Mapping[str, JsonValue]]) -> list[JsonValue]:
    """A news material as the cards of a message (title, description, link, cover)."""
    cards: list[JsonValue] = []
    for a in articles:
        digest = str(a.get("digest") or "") or str(a.get("content") or "")[:120]
        cards.append(
            {
                "title": str(a.get("title") or ""),
                "description": digest,
                "url": str(a.get("content_source_url") or ""),
                "picurl": str(a.get("thumb_url") or ""),
            }
        )
    return cards


def check_page(kind: object, offset: object, count: object) -> tuple[str, int, int]:
    if not isinstance(kind, str) or kind not in LISTED_TYPES:
        raise InvalidInput(f"type is one of {', '.join(LISTED_TYPES)}.", field="type")
    if not _is_int(offset) or not _is_int(count) or not 0 <= offset <= MAX_ID:
        raise InvalidInput(f"offset is 0 or more and count 1 to {MAX_PAGE}.", field="offset")
    if not 1 <= count <= MAX_PAGE:
        raise InvalidInput(f"offset is 0 or more and count 1 to {MAX_PAGE}.", field="count")
    return kind, offset, count


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
