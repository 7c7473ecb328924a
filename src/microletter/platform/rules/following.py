"""Following official accounts, pure: what a follow, an unfollow, a press or a broadcast
decides and which `AccountEvent` the account's webhook hears. Both stores call these
inside their transactions; no I/O here (the caller passes the rows it read and `now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from microletter.core.errors import InvalidInput, NotFollowing
from microletter.core.events import AccountEvent
from microletter.core.ids import UserId
from microletter.core.models import ChannelPost, Instant
from microletter.platform.errors import BroadcastQuotaExceeded
from microletter.platform.rules.officials import Follower, OfficialAccount, QrCode

DAY_MS = 86_400_000


class FollowStep(Enum):
    """What `follow` does, given the user's follower row and the code they used."""

    NOTHING = "nothing"  # already following, no code: following twice changes nothing
    SCAN = "scan"  # already following, scanned a code: the webhook hears SCAN
    SUBSCRIBE = "subscribe"  # not following: join the conversation, hear `subscribe`


@dataclass(frozen=True, slots=True)
class Joined:
    """The follower row's new fields when a user starts following."""

    scene: str
    qr_scene: int
    qr_scene_str: str
    channel_seq: int  # joined and read: older posts are not theirs


def check_may_follow(account_id: UserId, user_id: UserId) -> None:
    if account_id == user_id:
        raise InvalidInput("An official account cannot follow itself.")


def follow_step(follower: Follower, qr: QrCode | None) -> FollowStep:
    if not follower.following:
        return FollowStep.SUBSCRIBE
    return FollowStep.NOTHING if qr is None else FollowStep.SCAN


def joined(account: OfficialAccount, scene: str, qr: QrCode | None) -> Joined:
    """How the user came (`scene`, or the code's scene) and where their channel starts."""
    if qr is None:
        return Joined(scene, 0, "", account.channel_head)
    return Joined("ADD_SCENE_QR_CODE", qr.scene_id or 0, qr.scene_str or "", account.channel_head)


def scanned(account_id: UserId, user_id: UserId, qr: QrCode) -> AccountEvent:
    return AccountEvent(account_id, user_id, "SCAN", qr.scene, qr.ticket)


def subscribed(account_id: UserId, user_id: UserId, qr: QrCode | None) -> AccountEvent:
    """`subscribe`; through a code, with EventKey `qrscene_<scene>` and its ticket."""
    if qr is None:
        return AccountEvent(account_id, user_id, "subscribe")
    return AccountEvent(account_id, user_id, "subscribe", "qrscene_" + qr.scene, qr.ticket)


def unsubscribed(account_id: UserId, user_id: UserId) -> AccountEvent:
    return AccountEvent(account_id, user_id, "unsubscribe")


def is_following(follower: Follower | None) -> bool:
    return follower is not None and follower.following


def check_following(account_id: UserId, follower: Follower | None) -> Follower:
    """The follower row of someone who follows the account now (else NotFollowing)."""
    if follower is None or not follower.following:
        raise NotFollowing(account_id=account_id)
    return follower


def last_active(*times: int | None) -> Instant | None:
    """The latest of a follower's last event (follow, press, scan) and last message."""
    known = [t for t in times if t is not None]
    return Instant(max(known)) if known else None


# --- broadcasts ---


def check_broadcast_quota(posted_today: int, per_day: int) -> None:
    """At most `per_day` broadcasts in any 24 hours (`posted_today`: since now - DAY_MS)."""
    if posted_today >= per_day:
        raise BroadcastQuotaExceeded(per_day=per_day)


def broadcast_done(account: OfficialAccount, post: ChannelPost) -> AccountEvent:
    """MASSSENDJOBFINISH for the account's webhook: everyone following got the post."""
    count = account.follower_count
    return AccountEvent(
        account.id,
        account.id,
        "MASSSENDJOBFINISH",
        extra={
            "MsgID": post.id,
            "Status": "send success",
            "TotalCount": count,
            "FilterCount": count,
            "SentCount": count,
            "ErrorCount": 0,
        },
    )
