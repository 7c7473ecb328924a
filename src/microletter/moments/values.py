"""Moments' values as readers get them: a post with the likes and comments its viewer may
see, a notice, a tag. Pure, like rules.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue


@dataclass(frozen=True, slots=True)
class Like:
    id: int
    user_id: UserId
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    user_id: UserId
    text: str
    reply_to: int | None
    reply_to_user: UserId | None
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Post:
    """A post as one viewer sees it. `data` holds `images` (Media), `link` and `location`;
    `listed` (the people an only/except audience named) is shown to its author alone."""

    id: int
    author_id: UserId
    text: str | None
    data: dict[str, JsonValue]
    audience: str
    created_at: Instant
    likes: list[Like] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    listed: list[UserId] | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A like or comment on my post, or a reply to my comment, as I may see it now."""

    kind: str  # like | comment | reply
    id: int  # the like's or the comment's id
    post_id: int
    user_id: UserId  # who liked or wrote
    text: str | None
    reply_to_user: UserId | None
    created_at: Instant

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "id": self.id,
            "post_id": self.post_id,
            "user_id": self.user_id,
            "text": self.text,
            "reply_to_user": self.reply_to_user,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str
    members: list[UserId]


@dataclass(frozen=True, slots=True)
class Settings:
    album: str  # 3d | 1m | 6m | all
    cover: str | None  # a media id


@dataclass(frozen=True, slots=True)
class Switches:
    hide_mine: bool  # don't let them see my Moments
    hide_theirs: bool  # hide their Moments


@dataclass(frozen=True, slots=True)
class Badge:
    unread: int
    latest_author: UserId | None  # the latest friend who posted what I may see
