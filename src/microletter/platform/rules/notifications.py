"""Service notifications, pure: who a notice names as its sender (a `Source`: an app or
an account), the key a mute is kept under, the card as it arrives, and where it goes.

Theory of operation. A room that must tell a person something from an account (a game's
"beaten" notice, a new chapter, an order's card) hands the platform a `Notice`. Someone
who follows the account gets it in their conversation with the account, as WeChat does.
Anyone else gets it in their *service notifications*: one `service` conversation per
person, which nobody writes in, where every card names its sender (`data.source`) and
offers to open it and to mute it. A muted sender's notices there are dropped; a follower
mutes the account's conversation instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from microletter.core.ids import UserId
from microletter.core.models import JsonValue, MessageKind
from microletter.platform.errors import NoticeSourceInvalid

SourceKind = Literal["app", "account"]
_KEY = re.compile(r"(app|account):([1-9][0-9]{0,18})")
NAME_MAX = 64  # a mute keeps the sender's name as it was, for the list of mutes


class Route(StrEnum):
    """Where a notice went."""

    ACCOUNT = "account"  # the follower's conversation with the account
    SERVICE = "service"  # the person's service notifications
    MUTED = "muted"  # nowhere: the person muted its sender there


@dataclass(frozen=True, slots=True)
class Source:
    """The sender a card names: an app (a mini app or game) or an account itself."""

    kind: SourceKind
    id: int
    account_id: UserId
    name: str
    icon: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def as_data(self) -> dict[str, JsonValue]:
        return {
            "key": self.key,
            "kind": self.kind,
            "id": self.id,
            "account_id": self.account_id,
            "name": self.name,
            "icon": self.icon,
        }


@dataclass(frozen=True, slots=True)
class Notice:
    """One card for one person: what it says (`kind`, `data`, as the room's own card
    kind has it), from which `source`, and `ref`, unique per person and notice (a notice
    sent twice with one ref arrives once)."""

    user_id: UserId
    source: Source
    kind: MessageKind
    data: dict[str, JsonValue]
    ref: str


def check_source_key(key: str) -> tuple[SourceKind, int]:
    """`app:<id>` or `account:<id>`, as a card's `data.source.key`."""
    found = _KEY.fullmatch(key)
    if found is None:
        raise NoticeSourceInvalid(source=key[:40])
    kind: SourceKind = "app" if found.group(1) == "app" else "account"
    return kind, int(found.group(2))


def route(following: bool, muted: bool) -> Route:
    """A follower hears it from the account; anyone else in service notifications,
    unless they muted the sender there."""
    if following:
        return Route.ACCOUNT
    return Route.MUTED if muted else Route.SERVICE


def card(notice: Notice) -> dict[str, JsonValue]:
    """The card's data with the sender it names (`source`)."""
    return {**notice.data, "source": notice.source.as_data()}


def service_key(user_id: UserId) -> str:
    """The person's one service conversation, by `conversations.direct_key` (unique)."""
    return f"service:{user_id}"
