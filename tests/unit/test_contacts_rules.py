"""Rules for friend requests and for who may message whom one-to-one."""

from __future__ import annotations

import pytest

from microletter.core.contacts import (
    DAY_MS,
    PriorRequest,
    Relation,
    RequestPlan,
    as_seen_by,
    check_greeting,
    check_may_message,
    check_remark,
    judge_send,
    plan_request,
)
from microletter.core.errors import (
    AlreadyContacts,
    Blocked,
    InvalidInput,
    NotContact,
    RequestLimitReached,
    TooLarge,
    YouBlocked,
)
from microletter.core.ids import RequestId, UserId
from microletter.core.limits import Limits
from microletter.core.models import ContactRequest, Instant, RequestStatus, User

ME, THEM = UserId(1), UserId(2)
STRANGERS = Relation(ME, THEM, False, False, False, False, False)


def rel(
    *,
    are_contacts: bool = False,
    i_blocked_them: bool = False,
    they_blocked_me: bool = False,
    pending_from_me: bool = False,
    pending_from_them: bool = False,
) -> Relation:
    return Relation(
        ME, THEM, are_contacts, i_blocked_them, they_blocked_me, pending_from_me, pending_from_them
    )


def test_asking_a_stranger_creates_a_request() -> None:
    assert plan_request(STRANGERS) is RequestPlan.CREATE


def test_asking_again_while_waiting_renews_the_request() -> None:
    assert plan_request(rel(pending_from_me=True)) is RequestPlan.RENEW


def test_asking_someone_who_already_asked_me_accepts_their_request() -> None:
    assert plan_request(rel(pending_from_them=True)) is RequestPlan.ACCEPT_THEIRS
    both = rel(pending_from_them=True, pending_from_me=True)
    assert plan_request(both) is RequestPlan.ACCEPT_THEIRS


def test_asking_yourself_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        plan_request(Relation(ME, ME, False, False, False, False, False))


def test_asking_a_contact_is_a_conflict() -> None:
    with pytest.raises(AlreadyContacts):
        plan_request(rel(are_contacts=True))


def test_asking_someone_who_blocked_me_is_refused_as_blocked() -> None:
    with pytest.raises(Blocked):
        plan_request(rel(they_blocked_me=True))
    with pytest.raises(Blocked):
        plan_request(rel(they_blocked_me=True, pending_from_them=True))


def test_asking_someone_i_blocked_tells_me_to_unblock_first() -> None:
    with pytest.raises(YouBlocked) as caught:
        plan_request(rel(i_blocked_them=True, pending_from_them=True))
    assert not isinstance(caught.value, Blocked)
    assert caught.value.details["user_id"] == THEM


def test_contacts_may_message_each_other() -> None:
    check_may_message(rel(are_contacts=True))


def test_strangers_may_not_message_each_other() -> None:
    with pytest.raises(NotContact):
        check_may_message(STRANGERS)
    with pytest.raises(NotContact):
        check_may_message(rel(pending_from_me=True, pending_from_them=True))


def test_a_block_either_way_stops_messages_even_between_contacts() -> None:
    with pytest.raises(Blocked):
        check_may_message(rel(are_contacts=True, they_blocked_me=True))
    with pytest.raises(YouBlocked) as caught:
        check_may_message(rel(are_contacts=True, i_blocked_them=True))
    assert not isinstance(caught.value, Blocked)


def test_greetings_and_remarks_are_trimmed_and_bounded() -> None:
    limits = Limits(max_greeting=5, max_remark=3)
    assert check_greeting("  hello  ", limits) == "hello"
    assert check_remark(" bob ", limits) == "bob"
    with pytest.raises(TooLarge):
        check_greeting("hello!", limits)
    with pytest.raises(TooLarge):
        check_remark("bobby", limits)


def request(status: RequestStatus) -> ContactRequest:
    def user(uid: UserId, name: str) -> User:
        return User(uid, name, name.title(), "en", None, Instant(0))

    return ContactRequest(
        RequestId(9), user(ME, "me"), user(THEM, "them"), "hi", status, Instant(0)
    )


def test_a_declined_request_still_looks_pending_to_its_asker() -> None:
    declined = request(RequestStatus.DECLINED)
    assert as_seen_by(declined, ME).status is RequestStatus.PENDING
    assert as_seen_by(declined, THEM) == declined


@pytest.mark.parametrize("status", [RequestStatus.PENDING, RequestStatus.ACCEPTED])
def test_other_requests_look_the_same_to_both_sides(status: RequestStatus) -> None:
    assert as_seen_by(request(status), ME) == as_seen_by(request(status), THEM) == request(status)


# --- how often a request reaches the person asked ---


LIMITS = Limits(request_cooldown_ms=1_000, requests_per_day=2)


def prior(
    status: RequestStatus = RequestStatus.PENDING,
    declined_at: int | None = None,
    refused: bool = False,
    sent: int = 1,
    start: int = 0,
) -> PriorRequest:
    return PriorRequest(
        status, None if declined_at is None else Instant(declined_at), refused, sent, Instant(start)
    )


def test_a_first_request_is_heard_and_counted() -> None:
    send = judge_send(None, Instant(5), LIMITS)
    assert (send.heard, send.sent_today, send.window_start) == (True, 1, 5)


def test_past_a_decline_a_request_is_heard_only_after_the_cooldown() -> None:
    declined = prior(RequestStatus.DECLINED, declined_at=100)
    assert not judge_send(declined, Instant(1_099), LIMITS).heard
    assert judge_send(declined, Instant(1_100), LIMITS).heard


def test_a_refusal_keeps_every_later_request_silent() -> None:
    refused = prior(RequestStatus.DECLINED, declined_at=0, refused=True)
    assert not judge_send(refused, Instant(10 * DAY_MS), LIMITS).heard


def test_the_daily_cap_counts_every_send_and_resets_after_a_day() -> None:
    with pytest.raises(RequestLimitReached) as caught:
        judge_send(prior(sent=2, start=0), Instant(DAY_MS - 1_000), LIMITS)
    assert caught.value.details["retry_after_seconds"] == 1
    fresh = judge_send(prior(sent=2, start=0), Instant(DAY_MS), LIMITS)
    assert (fresh.sent_today, fresh.window_start) == (1, DAY_MS)
