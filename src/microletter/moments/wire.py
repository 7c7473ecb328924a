"""Moments' request and reply bodies (msgspec), as the gateway's wire.py does it."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from microletter.core.media import Media
from microletter.moments.values import Badge, Comment, Like, Notice, Post, Settings, Switches, Tag

Id = Annotated[int, Meta(ge=1, lt=2**53)]
MediaIdText = Annotated[str, Meta(max_length=64)]


class LinkBody(Struct, forbid_unknown_fields=True):
    url: Annotated[str, Meta(max_length=4096)]
    title: Annotated[str, Meta(max_length=1024)] = ""
    description: Annotated[str, Meta(max_length=2048)] = ""
    picture: MediaIdText | None = None  # an image you uploaded, shown on the card
    # or the picture's URL: the server fetches it (under its SSRF guard) and keeps it
    picture_url: Annotated[str, Meta(max_length=4096)] | None = None


class VideoQuery(Struct, forbid_unknown_fields=True):
    """The body is the video's raw bytes; `name` its file name."""

    name: Annotated[str, Meta(max_length=255)] | None = None


class PostBody(Struct, forbid_unknown_fields=True):
    """A post: `text`, up to 9 `images` (media ids of your uploads) or one `video` (a
    media id from POST /moments/videos), an
    optional `link` card and `location`, and who may see it: `audience` all | private |
    only | except, with `tags` (yours) and `users` (your contacts) for only/except."""

    text: Annotated[str, Meta(max_length=8000)] = ""
    images: Annotated[list[MediaIdText], Meta(max_length=64)] = []
    video: MediaIdText | None = None
    link: LinkBody | None = None
    location: Annotated[str, Meta(max_length=400)] | None = None
    audience: Annotated[str, Meta(max_length=16)] = "all"
    tags: Annotated[list[Id], Meta(max_length=200)] = []
    users: Annotated[list[Id], Meta(max_length=5000)] = []


class CommentBody(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(max_length=4000)]
    reply_to: Id | None = None  # a comment's id


class PageQuery(Struct, forbid_unknown_fields=True):
    before: Id | None = None
    limit: Annotated[int, Meta(ge=1, le=50)] = 10


class ReadBody(Struct, forbid_unknown_fields=True):
    up_to: Annotated[int, Meta(ge=0, lt=2**62)]  # the newest notice id you have seen


class TagBody(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(max_length=200)]
    users: Annotated[list[Id], Meta(max_length=5000)] = []


class TagPatch(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(max_length=200)] | None = None
    add: Annotated[list[Id], Meta(max_length=5000)] = []
    remove: Annotated[list[Id], Meta(max_length=5000)] = []


class SettingsBody(Struct, forbid_unknown_fields=True):
    album: Annotated[str, Meta(max_length=8)] | None = None  # 3d | 1m | 6m | all
    cover: MediaIdText | None = None
    clear_cover: bool = False


class SwitchesBody(Struct, forbid_unknown_fields=True):
    hide_mine: bool | None = None  # don't let them see my Moments
    hide_theirs: bool | None = None  # hide their Moments


class PostReply(Struct):
    post: Post


class PostsReply(Struct):
    posts: list[Post]
    next_before: int | None  # pass as `before` for the next page; None at the end


class LikeReply(Struct):
    like: Like


class CommentReply(Struct):
    comment: Comment


class NoticesReply(Struct):
    notices: list[Notice]


class TagReply(Struct):
    tag: Tag


class TagsReply(Struct):
    tags: list[Tag]


class SettingsReply(Struct):
    settings: Settings


class SwitchesReply(Struct):
    switches: Switches


class BadgeReply(Struct):
    badge: Badge


class MomentVideoReply(Struct):
    media: Media  # send its `id` as a post's `video`
