"""Moments' rules, pure: who sees a post, the WeChat rule for likes and comments, and what
a post may hold."""

from __future__ import annotations

import pytest

from microletter.core.errors import InvalidInput, MediaTooLong, TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.moments.errors import EmptyPost, TooManyImages
from microletter.moments.rules import (
    DAY_MS,
    Audience,
    PostFacts,
    Reaction,
    Ties,
    can_see_post,
    check_contents,
    check_link,
    check_text,
    check_video,
    in_timeline,
    resolve_audience,
    visible_reactions,
)

A, B, C, D = UserId(1), UserId(2), UserId(3), UserId(4)
NOW = Instant(100 * DAY_MS)
FRIENDS = Ties(friends=True)


def post(
    audience: Audience = Audience.ALL, listed: set[UserId] | None = None, age_days: int = 0
) -> PostFacts:
    return PostFacts(1, A, audience, frozenset(listed or ()), Instant(NOW - age_days * DAY_MS))


def test_the_author_always_sees_their_post_and_strangers_never() -> None:
    assert can_see_post(A, post(Audience.PRIVATE), Ties(friends=False), NOW)
    assert not can_see_post(B, post(), Ties(friends=False), NOW)
    assert not can_see_post(B, post(Audience.PRIVATE), FRIENDS, NOW)


def test_only_and_except_follow_the_list_fixed_at_post_time() -> None:
    assert can_see_post(B, post(Audience.ONLY, {B}), FRIENDS, NOW)
    assert not can_see_post(C, post(Audience.ONLY, {B}), FRIENDS, NOW)
    assert not can_see_post(B, post(Audience.EXCEPT, {B}), FRIENDS, NOW)
    assert can_see_post(C, post(Audience.EXCEPT, {B}), FRIENDS, NOW)


def test_the_album_limit_and_the_two_switches() -> None:
    old = post(age_days=4)
    assert not can_see_post(B, old, Ties(friends=True, album_days=3), NOW)
    assert can_see_post(B, old, Ties(friends=True, album_days=30), NOW)
    assert not can_see_post(B, post(), Ties(friends=True, shut_out=True), NOW)
    hidden = Ties(friends=True, hidden=True)
    assert can_see_post(B, post(), hidden, NOW) and not in_timeline(B, post(), hidden, NOW)
    assert in_timeline(A, post(), hidden, NOW)  # my own posts are never hidden from me


def test_strangers_in_the_comments_never_meet() -> None:
    # A posted; B and C are A's friends, not each other's; D is C's friend.
    said = [
        Reaction(10, B),
        Reaction(11, C),
        Reaction(12, A, reply_to=11),
        Reaction(13, D, reply_to=11),
    ]
    seen = {
        v: [r.id for r in visible_reactions(v, A, said, friends)]
        for v, friends in ((A, {B, C}), (B, {A}), (C, {A, D}))
    }
    assert seen == {A: [10, 11, 12], B: [10], C: [11, 12, 13]}


def test_a_reply_under_a_comment_not_seen_is_not_seen() -> None:
    said = [Reaction(10, C), Reaction(11, B, reply_to=10)]
    # B is the viewer's friend, but C (whose comment B answered) is not
    assert visible_reactions(D, A, said, {B}) == []


def test_what_a_post_may_hold() -> None:
    assert check_text("  hi  ") == "hi"
    with pytest.raises(TooLarge):
        check_text("x" * 2001)
    with pytest.raises(EmptyPost):
        check_contents(None, [], None)
    with pytest.raises(TooManyImages):
        check_contents("x", [str(i) for i in range(10)], None)
    with pytest.raises(InvalidInput):
        check_contents("x", ["a"], "v")
    with pytest.raises(InvalidInput):
        check_link("ftp://x", "", "", None)
    with pytest.raises(InvalidInput):
        check_link("http://[bad", "", "", None)  # urlsplit's ValueError, not a 500
    with pytest.raises(InvalidInput):
        check_link("https://x", "", "", None, "http://[::1")
    with pytest.raises(InvalidInput):
        check_link("https://x", "", "", None, "javascript:alert(1)")
    with pytest.raises(InvalidInput):
        check_link("https://x", "", "", "0" * 64, "https://x/p.png")
    assert (
        check_link("https://x", "", "", None, " https://x/p.png ").picture_url == "https://x/p.png"
    )
    with pytest.raises(InvalidInput):
        resolve_audience(Audience.ONLY, [], [])
    assert resolve_audience(Audience.EXCEPT, [B], [C, B]) == {B, C}
    assert resolve_audience(Audience.ALL, [B], [C]) == frozenset()


def test_a_posts_video_lasts_at_most_thirty_seconds() -> None:
    check_video(31_000)  # the transcoder keeps up to a second past its cap
    with pytest.raises(MediaTooLong) as found:
        check_video(31_001)
    assert found.value.details["max_seconds"] == 30
    with pytest.raises(MediaTooLong):
        check_video(None)  # not a recording
