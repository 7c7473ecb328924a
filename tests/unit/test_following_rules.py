"""The rules both platform stores share: what a follow does, which events the webhook
hears, the broadcast quota, QR expiry and the account search pattern."""

from __future__ import annotations

import pytest

from microletter.core.errors import InvalidInput, NotFollowing
from microletter.core.events import AccountEvent
from microletter.core.ids import MessageId, UserId
from microletter.core.models import ChannelPost, Instant, MessageKind
from microletter.platform.errors import (
    AccountLimitReached,
    BroadcastQuotaExceeded,
    QrCodeNotFound,
)
from microletter.platform.rules import following
from microletter.platform.rules.following import FollowStep
from microletter.platform.rules.officials import (
    Follower,
    MessageMode,
    OfficialAccount,
    QrRequest,
    check_account_quota,
    check_qr_live,
    new_qrcode,
    search_pattern,
)

ACCOUNT, USER = UserId(1), UserId(2)
T0 = Instant(1_000_000)


def follower(following_now: bool) -> Follower:
    return Follower(ACCOUNT, USER, "o", following_now, None, None, "", 0, "", "", None, 0, 0)


def account(head: int = 4, followers: int = 9) -> OfficialAccount:
    return OfficialAccount(
        ACCOUNT, UserId(3), "wx", "gh", "News", "", None, b"", 1, "t", "k", None,
        MessageMode.PLAINTEXT, None, None, head, followers, 0, T0,
    )  # fmt: skip


def test_a_follow_subscribes_once_and_then_scans_with_a_code() -> None:
    qr = new_qrcode("tk", ACCOUNT, QrRequest(None, "promo", True, None), T0)
    assert following.follow_step(follower(False), None) is FollowStep.SUBSCRIBE
    assert following.follow_step(follower(True), None) is FollowStep.NOTHING
    assert following.follow_step(follower(True), qr) is FollowStep.SCAN
    assert following.scanned(ACCOUNT, USER, qr) == AccountEvent(
        ACCOUNT, USER, "SCAN", "promo", "tk"
    )
    assert following.subscribed(ACCOUNT, USER, qr).key == "qrscene_promo"
    assert following.subscribed(ACCOUNT, USER, None) == AccountEvent(ACCOUNT, USER, "subscribe")


def test_a_new_follower_starts_at_the_channel_head_with_the_scene_they_came_by() -> None:
    qr = new_qrcode("tk", ACCOUNT, QrRequest(42, None, False, 60), T0)
    assert following.joined(account(head=4), "search", None) == following.Joined("search", 0, "", 4)
    by_code = following.joined(account(head=7), "search", qr)
    assert by_code == following.Joined("ADD_SCENE_QR_CODE", 42, "", 7)


def test_an_account_cannot_follow_itself_and_presses_need_a_follower() -> None:
    with pytest.raises(InvalidInput):
        following.check_may_follow(ACCOUNT, ACCOUNT)
    with pytest.raises(NotFollowing):
        following.check_following(ACCOUNT, follower(False))
    with pytest.raises(NotFollowing):
        following.check_following(ACCOUNT, None)
    assert following.check_following(ACCOUNT, follower(True)).following


def test_last_active_is_the_latest_known_time() -> None:
    assert following.last_active(None, None) is None
    assert following.last_active(5, None, 9) == 9


def test_broadcasts_are_capped_per_day_and_report_the_follower_count() -> None:
    following.check_broadcast_quota(2, 3)
    with pytest.raises(BroadcastQuotaExceeded):
        following.check_broadcast_quota(3, 3)
    post = ChannelPost(ACCOUNT, 5, MessageId(77), MessageKind.TEXT, "hi", None, T0)
    done = following.broadcast_done(account(followers=9), post)
    assert done.event == "MASSSENDJOBFINISH"
    assert done.extra is not None and (done.extra["MsgID"], done.extra["SentCount"]) == (77, 9)


def test_temporary_qr_codes_expire_and_permanent_ones_do_not() -> None:
    temporary = new_qrcode("a", ACCOUNT, QrRequest(1, None, False, 60), T0)
    assert temporary.expires_at == T0 + 60_000
    assert check_qr_live(temporary, Instant(T0 + 59_999)) is temporary
    with pytest.raises(QrCodeNotFound):
        check_qr_live(temporary, Instant(T0 + 60_000))
    permanent = new_qrcode("b", ACCOUNT, QrRequest(1, None, True, None), T0)
    assert check_qr_live(permanent, Instant(T0 * 1000)) is permanent


def test_the_account_quota_and_the_search_pattern() -> None:
    check_account_quota(4, 5)
    with pytest.raises(AccountLimitReached):
        check_account_quota(5, 5)
    assert search_pattern("Te_st%\\") == "%te\\_st\\%\\\\%"
