"""The shop's pure rules: delivery windows in a time zone (across midnight and across
daylight-saving changes), the order's transitions and who may make them, and a price
changed since the cart was filled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from microletter.core.errors import InvalidInput
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.shop.errors import (
    NotShopStaff,
    OrderStateInvalid,
    PriceChanged,
    TimeZoneInvalid,
    WindowClosed,
    WindowInvalid,
)
from microletter.shop.rules import (
    BUYER,
    CLERK,
    COURIER,
    OWNER,
    CartLine,
    Order,
    OrderId,
    ProductId,
    ShopId,
    Status,
    Variant,
    VariantId,
    WindowId,
    ZoneId,
    check_prices,
    check_transition,
)
from microletter.shop.rules.windows import (
    Window,
    check_areas,
    check_choice,
    check_time_zone,
    check_window_edit,
    check_windows,
    opening,
    upcoming,
)

NEW_YORK = "America/New_York"


def at(text: str) -> Instant:
    """An instant from an ISO time with its offset."""
    return Instant(int(datetime.fromisoformat(text).timestamp() * 1000))


def window(starts: str, ends: str, capacity: int = 5, wid: int = 1) -> Window:
    (w,) = check_windows([{"start": starts, "end": ends, "capacity": capacity}])
    return Window(WindowId(wid), ZoneId(9), w.starts, w.ends, w.capacity)


def test_a_window_across_midnight_closes_the_next_day() -> None:
    late = opening(window("22:00", "01:00"), date(2026, 12, 31), "Asia/Shanghai")
    assert late.day == "2026-12-31"
    assert late.starts_at == at("2026-12-31T22:00:00+08:00")
    assert late.ends_at == at("2027-01-01T01:00:00+08:00")


def test_windows_follow_the_wall_clock_across_daylight_saving_changes() -> None:
    # New York springs forward on 14 March 2027 (02:00 -> 03:00) and falls back on
    # 7 November 2027 (02:00 -> 01:00)
    morning = window("10:00", "12:00")
    before = opening(morning, date(2027, 3, 13), NEW_YORK)
    after = opening(morning, date(2027, 3, 14), NEW_YORK)
    assert before.starts_at == at("2027-03-13T15:00:00+00:00")  # EST, UTC-5
    assert after.starts_at == at("2027-03-14T14:00:00+00:00")  # EDT, UTC-4
    assert after.ends_at - after.starts_at == 2 * 3600_000
    # a night window over the change is an hour shorter in spring, an hour longer in autumn
    night = window("00:00", "04:00")
    spring = opening(night, date(2027, 3, 14), NEW_YORK)
    autumn = opening(night, date(2027, 11, 7), NEW_YORK)
    assert spring.ends_at - spring.starts_at == 3 * 3600_000
    assert autumn.ends_at - autumn.starts_at == 5 * 3600_000
    # across midnight into the change day
    over = opening(window("23:00", "03:00"), date(2027, 3, 13), NEW_YORK)
    assert over.ends_at - over.starts_at == 3 * 3600_000
    # a time the change skips is read with the offset before it: 02:30 is 03:30 EDT
    skipped = opening(window("02:30", "05:00"), date(2027, 3, 14), NEW_YORK)
    assert skipped.starts_at == at("2027-03-14T03:30:00-04:00")


def test_upcoming_offers_only_windows_still_to_open_soonest_first() -> None:
    ws = [window("10:00", "12:00", wid=1), window("19:00", "21:00", wid=2)]
    now = at("2026-12-08T11:00:00+08:00")  # the 10:00 window opened already
    found = upcoming(ws, now, "Asia/Shanghai", days=2)
    assert [(o.day, o.window.id) for o in found] == [
        ("2026-12-08", 2),
        ("2026-12-09", 1),
        ("2026-12-09", 2),
    ]
    # the shop's local day, not UTC's: 23:30 UTC on the 7th is the 8th in Shanghai
    late = at("2026-12-07T23:30:00+00:00")
    assert upcoming(ws, late, "Asia/Shanghai", days=1)[0].day == "2026-12-08"


def test_a_chosen_window_must_be_still_to_open_and_within_the_horizon() -> None:
    w = window("10:00", "12:00")
    now = at("2026-12-08T10:00:00+08:00")
    with pytest.raises(WindowClosed):
        check_choice(w, "2026-12-08", now, "Asia/Shanghai")
    assert check_choice(w, "2026-12-09", now, "Asia/Shanghai").day == "2026-12-09"
    for bad in ("2026-13-01", "tomorrow", "2027-01-30"):
        with pytest.raises(WindowInvalid):
            check_choice(w, bad, now, "Asia/Shanghai")


def test_bad_windows_zones_and_time_zones_are_refused() -> None:
    for bad in (
        [],
        [{"start": "10:00", "end": "10:00", "capacity": 1}],
        [{"start": "24:00", "end": "10:00", "capacity": 1}],
        [{"start": "10:00", "end": "12:00", "capacity": 0}],
        [{"start": "10:00", "end": "12:00", "capacity": 1.5}],
        [{"start": "10:00", "end": "12:00", "capacity": 1}] * 2,
    ):
        with pytest.raises(WindowInvalid):
            check_windows(bad)
    for tz in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(TimeZoneInvalid):
            check_time_zone(tz)
    assert check_areas([" Huangpu ", "huangpu", "200001"]) == ("huangpu", "200001")


def test_a_window_edit_changes_only_what_it_names() -> None:
    w = window("10:00", "12:00", 20)
    moved = check_window_edit({"start": "09:30"})
    assert moved.moves
    assert moved.applied_to(w) == Window(w.id, w.zone_id, 9 * 60 + 30, 12 * 60, 20)
    resized = check_window_edit({"capacity": 3})
    assert not resized.moves
    assert resized.applied_to(w) == Window(w.id, w.zone_id, 10 * 60, 12 * 60, 3)
    assert check_window_edit({}).applied_to(w) == w
    for bad in ({"capacity": 0}, {"capacity": True}, {"start": "25:00"}, {"end": "9"}):
        with pytest.raises(WindowInvalid):
            check_window_edit(bad)
    with pytest.raises(WindowInvalid):  # it would end when it starts
        check_window_edit({"end": "10:00"}).applied_to(w)


def order(status: str) -> Order:
    now = Instant(int(datetime(2026, 12, 8, tzinfo=UTC).timestamp() * 1000))
    return Order(
        OrderId(1), ShopId(UserId(2)), UserId(3), status, "physical", 100, ConversationId(4),
        None, None, None, None, "", "", "", "", now, now, (),
    )  # fmt: skip


def test_each_role_makes_only_its_transitions_from_the_right_states() -> None:
    assert check_transition(order(Status.PAID), "pack", [CLERK]).target == Status.PACKED
    assert check_transition(order(Status.PACKED), "dispatch", [COURIER]).target == (
        Status.OUT_FOR_DELIVERY
    )
    assert check_transition(order(Status.OUT_FOR_DELIVERY), "fail", [COURIER]).target == (
        Status.PACKED
    )
    assert check_transition(order(Status.DELIVERED), "refund", [OWNER]).target == Status.REFUNDED
    with pytest.raises(NotShopStaff):
        check_transition(order(Status.PAID), "pack", [COURIER])
    with pytest.raises(NotShopStaff):
        check_transition(order(Status.DELIVERED), "refund", [BUYER])
    with pytest.raises(OrderStateInvalid):
        check_transition(order(Status.PAID), "deliver", [CLERK])
    # a buyer cancels only while it is paid; the clerk also once packed
    assert check_transition(order(Status.PAID), "cancel", [BUYER]).target == Status.CANCELLED
    with pytest.raises(OrderStateInvalid):
        check_transition(order(Status.PACKED), "cancel", [BUYER])
    assert check_transition(order(Status.PACKED), "cancel", [CLERK, BUYER]).target == "cancelled"
    for final in (Status.CANCELLED, Status.REFUNDED):
        with pytest.raises(OrderStateInvalid):
            check_transition(order(final), "refund", [OWNER])
    with pytest.raises(InvalidInput):
        check_transition(order(Status.PAID), "teleport", [OWNER])


def line(price: int, seen: int, quantity: int = 1) -> CartLine:
    v = Variant(VariantId(7), ProductId(8), "SKU-1", "", price, 10)
    return CartLine(v, "Tea", "physical", quantity, seen)


def test_a_price_changed_since_the_cart_was_filled_needs_the_new_total_confirmed() -> None:
    assert check_prices([line(100, 100, 2)], None) == 200
    with pytest.raises(PriceChanged) as caught:
        check_prices([line(120, 100, 2)], None)
    assert caught.value.details["total"] == 240
    assert caught.value.details["changed"] == [{"variant_id": 7, "was": 100, "now": 120}]
    with pytest.raises(PriceChanged):
        check_prices([line(120, 100, 2)], 200)  # the old total is not a confirmation
    assert check_prices([line(120, 100, 2)], 240) == 240
