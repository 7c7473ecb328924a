"""Moments, pure: who may see a post, a like, a comment and a notice; what a post may hold.

Theory of operation. Every read path (timeline, album, one post, its comments, the
notices, a notice in the update log) and the media access check load the facts they need
in one snapshot (`PostFacts`, the viewer's `Ties` to the author, the viewer's friends)
and ask the functions below; nothing else decides visibility.

- A post is seen by its author, and by a friend of the author (now: a contact, neither
  blocking the other) whom the author has not shut out ("don't let them see my Moments"),
  within the author's album limit, if its audience lets them: `all` friends (at viewing
  time, so a later friend sees older posts too), `private` (nobody), `only` the people
  resolved at post time, or everyone `except` them.
- A like or comment C on a post P that V sees is seen by V exactly when C's writer is
  P's author, V, or one of V's friends (the WeChat rule: strangers never meet in the
  comments). A reply is seen when the comment it answers is seen and it passes the rule.
- "Hide their Moments" only takes the author out of the viewer's timeline.

No I/O, no clock: the caller passes `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from microletter.core.errors import InvalidInput, MediaTooLong, TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.core.text import check_visible
from microletter.moments.errors import EmptyPost, TooManyImages

MAX_TEXT = 2000
MAX_IMAGES = 9
MAX_COMMENT = 1000
MAX_LOCATION = 100
MAX_LINK_TITLE = 200
MAX_LINK_DESCRIPTION = 500
MAX_URL = 2048
MAX_TAG_NAME = 30
MAX_TAGS = 200
MAX_AUDIENCE = 5000  # people an `only`/`except` audience may name once resolved
MAX_FRIENDS = 5000  # the friend limit fan-out on read is measured at (docs/moments.md)
MAX_VIDEO_SECONDS = 30  # a post's one video; video messages allow the operator's 60
VIDEO_TOLERANCE_MS = 1000  # the transcoder keeps up to a second past the cap (media.video)
# A link card's picture, fetched by the server (never hotlinked by clients): at most this
# many bytes, within this many seconds, or the card goes without it.
LINK_PICTURE_MAX_BYTES = 5 * 1024 * 1024
LINK_PICTURE_SECONDS = 5.0
PAGE = 10
MAX_PAGE = 50
DAY_MS = 86_400_000
ALBUM_DAYS = {"3d": 3, "1m": 30, "6m": 180, "all": None}


class Audience(StrEnum):
    ALL = "all"
    PRIVATE = "private"
    ONLY = "only"
    EXCEPT = "except"


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What decides who sees a post: its author, audience (with the people `only`/`except`
    named, resolved when it was posted), time, and whether it was deleted."""

    id: int
    author: UserId
    audience: Audience
    listed: frozenset[UserId]
    created_at: Instant
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Ties:
    """A viewer's relation to an author, read in the same snapshot as the post."""

    friends: bool  # contacts now, and neither has blocked the other
    shut_out: bool = False  # the author switched "don't let them see my Moments" on
    album_days: int | None = None  # the author's album limit (None: all)
    hidden: bool = False  # the viewer switched "hide their Moments" on (timeline only)


@dataclass(frozen=True, slots=True)
class Reaction:
    """A like (`reply_to` None, `is_like`) or a comment on a post."""

    id: int
    writer: UserId
    reply_to: int | None = None
    is_like: bool = False


def can_see_post(viewer: UserId, post: PostFacts, ties: Ties, now: Instant) -> bool:
    """Whether `viewer` may see `post` at all (album, the post page, its media, its
    notices). The one rule; the timeline adds only the viewer's own "hide" switch."""
    if post.deleted:
        return False
    if viewer == post.author:
        return True
    if not ties.friends or ties.shut_out:
        return False
    if ties.album_days is not None and post.created_at < now - ties.album_days * DAY_MS:
        return False
    if post.audience is Audience.ALL:
        return True
    if post.audience is Audience.ONLY:
        return viewer in post.listed
    if post.audience is Audience.EXCEPT:
        return viewer not in post.listed
    return False  # private


def in_timeline(viewer: UserId, post: PostFacts, ties: Ties, now: Instant) -> bool:
    """A post in the viewer's timeline: one they may see, unless they hid its author."""
    return can_see_post(viewer, post, ties, now) and (viewer == post.author or not ties.hidden)


def can_see_reaction(viewer: UserId, author: UserId, writer: UserId, friends: Set[UserId]) -> bool:
    """The WeChat rule for a like or comment on a post `viewer` sees, by `author`."""
    return writer == author or writer == viewer or writer in friends


def visible_reactions(
    viewer: UserId, author: UserId, reactions: Iterable[Reaction], friends: Set[UserId]
) -> list[Reaction]:
    """The likes and comments `viewer` sees, in the given order (oldest first, so a
    comment comes before its replies); a reply to a comment not seen is not seen."""
    seen: set[int] = set()
    shown = []
    for r in reactions:
        if r.reply_to is not None and r.reply_to not in seen:
            continue
        if can_see_reaction(viewer, author, r.writer, friends):
            seen.add(r.id)
            shown.append(r)
    return shown


# --- what a post may hold ---


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    title: str
    description: str = ""
    picture: str | None = None  # a media id the author supplied, or None
    picture_url: str | None = None  # or a picture's URL, for the server to fetch


def check_text(text: str) -> str | None:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise TooLarge("The text is too long.", field="text", max_length=MAX_TEXT)
    return check_visible(text, "text", "The text") if text else None


def check_contents(text: str | None, images: Sequence[str], video: str | None) -> None:
    """Text, up to 9 images, or one video: never nothing, never images and a video."""
    if len(images) > MAX_IMAGES:
        raise TooManyImages(max_items=MAX_IMAGES, count=len(images))
    if images and video is not None:
        raise InvalidInput("A post carries images or one video, not both.", field="video")
    if len(set(images)) != len(images):
        raise InvalidInput("An image is listed twice.", field="images")
    if not text and not images and video is None:
        raise EmptyPost()


def check_video(duration_ms: int | None) -> None:
    """A post's video lasts at most 30 s (a clip uploaded as a 60 s video message is
    refused here, as the Moments upload refuses it)."""
    if duration_ms is None or duration_ms > MAX_VIDEO_SECONDS * 1000 + VIDEO_TOLERANCE_MS:
        raise MediaTooLong(
            f"A post's video is at most {MAX_VIDEO_SECONDS} seconds.",
            field="video",
            max_seconds=MAX_VIDEO_SECONDS,
            duration_ms=duration_ms,
        )


def _http_url(url: str, field: str, what: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # such as an unclosed IPv6 bracket
        host = None
    if len(url) > MAX_URL or not host or parts.scheme not in ("http", "https"):
        raise InvalidInput(f"{what} is an http(s) URL.", field=field)
    return url


def check_link(
    url: str,
    title: str,
    description: str,
    picture: str | None,
    picture_url: str | None = None,
) -> Link:
    url = _http_url(url, "link.url", "A link card's URL")
    if picture is not None and picture_url is not None:
        raise InvalidInput(
            "A link card has a picture or a picture_url, not both.", field="link.picture_url"
        )
    if picture_url is not None:
        picture_url = _http_url(picture_url, "link.picture_url", "A link card's picture_url")
    title, description = " ".join(title.split()), " ".join(description.split())
    if len(title) > MAX_LINK_TITLE:
        raise TooLarge("The link's title is too long.", field="link.title")
    if len(description) > MAX_LINK_DESCRIPTION:
        raise TooLarge("The link's description is too long.", field="link.description")
    return Link(url, title or url, description, picture, picture_url)


def check_location(location: str | None) -> str | None:
    if location is None:
        return None
    location = " ".join(location.split())
    if len(location) > MAX_LOCATION:
        raise TooLarge("The location is too long.", field="location", max_length=MAX_LOCATION)
    return location or None


def check_comment(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("A comment has text.", field="text")
    if len(text) > MAX_COMMENT:
        raise TooLarge("The comment is too long.", field="text", max_length=MAX_COMMENT)
    return check_visible(text, "text", "The comment")


def check_tag_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("A tag has a name.", field="name")
    if len(name) > MAX_TAG_NAME:
        raise TooLarge("The tag's name is too long.", field="name", max_length=MAX_TAG_NAME)
    return check_visible(name, "name", "The name")


def album_days(choice: str) -> int | None:
    if choice not in ALBUM_DAYS:
        raise InvalidInput("The album limit is 3d, 1m, 6m or all.", field="album")
    return ALBUM_DAYS[choice]


def album_choice(days: int | None) -> str:
    return next(k for k, v in ALBUM_DAYS.items() if v == days)


def resolve_audience(
    audience: Audience, people: Iterable[UserId], tagged: Iterable[UserId]
) -> frozenset[UserId]:
    """The people an `only`/`except` audience names, fixed now: later changes to the tags
    never widen it. `all` and `private` name nobody."""
    if audience in (Audience.ALL, Audience.PRIVATE):
        return frozenset()
    listed = frozenset(people) | frozenset(tagged)
    if audience is Audience.ONLY and not listed:
        raise InvalidInput("Name the tags or people who may see it.", field="audience")
    if len(listed) > MAX_AUDIENCE:
        raise TooLarge("The audience names too many people.", max_items=MAX_AUDIENCE)
    return listed
