"""An official account's audience, pure: its labels for followers (tags), the remark it
keeps on each, and who a targeted mass send reaches. These tags are the account's own,
unrelated to the tags a person gives their contacts.

The protocol's numbers: tag ids 0, 1 and 2 are reserved (WeChat's blacklist, star group,
...), so an account's own tags start at 100; at most 100 tags per account and 20 per
follower; batch (un)tagging takes at most 50 OpenIDs; a list mass send 2 to 10,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId, json_id
from microletter.core.models import Instant, JsonValue
from microletter.core.text import check_visible
from microletter.platform.errors import (
    FollowerTagLimit,
    OpenIdListInvalid,
    TagLimitReached,
    TagNameInvalid,
    TagReserved,
)

RESERVED_TAGS = frozenset({0, 1, 2})
FIRST_TAG_ID = 100
MAX_TAGS = 100
MAX_TAGS_PER_FOLLOWER = 20
MAX_TAG_NAME = 30
MAX_TAGGING = 50
MAX_REMARK = 30
MASS_LIST = (2, 10_000)


@dataclass(frozen=True, slots=True)
class Tag:
    account_id: UserId
    id: int
    name: str
    created_at: Instant
    count: int = 0  # followers carrying it (tags/get)


def check_tag_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_TAG_NAME:
        raise TagNameInvalid(f"A tag name is 1 to {MAX_TAG_NAME} characters.", field="name")
    return check_visible(name.strip(), "name", "The tag name")


def check_tag_id(raw: object) -> int:
    """A tag id as the protocol sends it (a number, or a string of ASCII digits)."""
    tag_id = json_id(raw)
    if tag_id is None:
        raise InvalidInput("The tag id is a number.", field="tagid")
    return tag_id


def check_changeable(tag_id: int) -> int:
    if tag_id in RESERVED_TAGS:
        raise TagReserved(tag_id=tag_id)
    return tag_id


def check_tag_count(existing: int) -> None:
    if existing >= MAX_TAGS:
        raise TagLimitReached(max_tags=MAX_TAGS)


def next_tag_id(highest: int | None) -> int:
    return FIRST_TAG_ID if highest is None else max(FIRST_TAG_ID, highest + 1)


def check_follower_tags(carried: int, adding: int) -> None:
    if carried + adding > MAX_TAGS_PER_FOLLOWER:
        raise FollowerTagLimit(max_tags=MAX_TAGS_PER_FOLLOWER)


def check_openids(raw: object, low: int, high: int, field: str = "openid_list") -> list[str]:
    """A list of `low` to `high` OpenIDs (distinct, in the given order)."""
    if not isinstance(raw, list) or not all(isinstance(o, str) and o for o in raw):
        raise InvalidInput(f"{field} is a list of OpenIDs.", field=field)
    unique = list(dict.fromkeys(raw))
    if not low <= len(unique) <= high:
        raise OpenIdListInvalid(f"{field} has {low} to {high} OpenIDs.", field=field)
    return unique


def check_remark(remark: object) -> str:
    if not isinstance(remark, str):
        raise InvalidInput("remark is a string.", field="remark")
    if len(remark) > MAX_REMARK:
        raise TooLarge(f"A remark is at most {MAX_REMARK} characters.", field="remark")
    return check_visible(remark.strip(), "remark", "The remark") if remark.strip() else ""


@dataclass(frozen=True, slots=True)
class MassJob:
    """A targeted mass send: to the followers carrying a tag, to a list of OpenIDs, or
    a preview to one. Each recipient gets a message of their own (write diffusion, unlike
    a broadcast to everyone); the webhook hears MASSSENDJOBFINISH when it is done."""

    account_id: UserId
    msg_id: int
    target: str  # tag | list | preview
    tag_id: int | None
    kind: str
    total: int
    sent: int
    status: str  # SENDING | SEND_SUCCESS
    created_at: Instant


def mass_finished_extra(job: MassJob, following: int) -> dict[str, JsonValue]:
    """The fields of MASSSENDJOBFINISH: TotalCount is who was aimed at, FilterCount who
    of them still follows, SentCount who got it."""
    return {
        "MsgID": job.msg_id,
        "Status": "send success",
        "TotalCount": job.total,
        "FilterCount": following,
        "SentCount": job.sent,
        "ErrorCount": following - job.sent,
    }


def unknown_openids(asked: Sequence[str], found: Sequence[str]) -> list[str]:
    known = set(found)
    return [o for o in asked if o not in known]
