"""Statistics and JS-SDK tickets, pure.

Statistics (/datacube): the user summary (new and cancelled followers per day and way
in) and the cumulative follower count, from the subscribe and unsubscribe events the
server keeps in the account's update log. Days are UTC days. A range spans at most 7
days and ends before today, as on WeChat.

JS-SDK tickets: `getticket` hands out a ticket that lives 2 hours; a page's `wx.config`
signs (noncestr, jsapi_ticket, timestamp, url) with SHA-1, and whoever checks it (the
mini-apps' bridge) recomputes that over the account's live tickets.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import DateInvalid, DateRangeInvalid

DAY_MS = 86_400_000
MAX_SPAN_DAYS = 7
# How a follower came (oa_followers.scene) as the protocol's user_source.
SOURCES = {
    "ADD_SCENE_SEARCH": 1,
    "ADD_SCENE_PROFILE_CARD": 17,
    "ADD_SCENE_QR_CODE": 30,
    "ADD_SCENE_PROFILE_LINK": 57,
}
TICKET_TYPES = ("jsapi", "wx_card")


@dataclass(frozen=True, slots=True)
class FollowChange:
    """One subscribe (+1) or unsubscribe (-1) from the account's log."""

    at: Instant
    delta: int
    source: int  # user_source of a subscribe; 0 for an unsubscribe


def parse_day(raw: object, field: str) -> date:
    if not isinstance(raw, str):
        raise DateInvalid(f"{field} is YYYY-MM-DD.", field=field)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DateInvalid(f"{field} is YYYY-MM-DD.", field=field) from None


def check_range(begin: date, end: date, now: Instant) -> None:
    today = datetime.fromtimestamp(now / 1000, UTC).date()
    if begin > end or end >= today or (end - begin).days >= MAX_SPAN_DAYS:
        raise DateRangeInvalid(begin_date=begin.isoformat(), end_date=end.isoformat())


def day_start(day: date) -> Instant:
    return Instant(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000))


def days(begin: date, end: date) -> list[date]:
    return [begin + timedelta(days=i) for i in range((end - begin).days + 1)]


def source_of(scene: str, key: str) -> int:
    """A subscribe's user_source: by QR code when its EventKey says so, else the way
    the follower came (their latest follow's scene; 0, other, when it is not known)."""
    if key.startswith("qrscene_"):
        return 30
    return 0 if scene == "ADD_SCENE_QR_CODE" else SOURCES.get(scene, 0)


def user_summary(begin: date, end: date, changes: Iterable[FollowChange]) -> list[JsonValue]:
    """getusersummary's list: per day, a row for source 0 (which also counts the
    unfollows) and one per other source that brought followers."""
    new: Counter[tuple[date, int]] = Counter()
    cancel: Counter[date] = Counter()
    for c in changes:
        day = datetime.fromtimestamp(c.at / 1000, UTC).date()
        if c.delta > 0:
            new[(day, c.source)] += 1
        else:
            cancel[day] += 1
    out: list[JsonValue] = []
    for day in days(begin, end):
        sources = sorted({0} | {s for (d, s) in new if d == day})
        for source in sources:
            out.append(
                {
                    "ref_date": day.isoformat(),
                    "user_source": source,
                    "new_user": new[(day, source)],
                    "cancel_user": cancel[day] if source == 0 else 0,
                }
            )
    return out


def user_cumulate(
    begin: date, end: date, before: int, changes: Iterable[FollowChange]
) -> list[JsonValue]:
    """getusercumulate's list: followers at the end of each day; `before` is the count
    at the start of `begin`."""
    by_day: Counter[date] = Counter()
    for c in changes:
        by_day[datetime.fromtimestamp(c.at / 1000, UTC).date()] += c.delta
    out: list[JsonValue] = []
    total = before
    for day in days(begin, end):
        total += by_day[day]
        out.append({"ref_date": day.isoformat(), "cumulate_user": total})
    return out


# --- JS-SDK tickets ---


def config_signature(ticket: str, noncestr: str, timestamp: str | int, url: str) -> str:
    """The signature of a page's wx.config (the protocol's SHA-1 over the sorted pairs;
    the URL without its #fragment)."""
    page = url.split("#", 1)[0]
    text = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page}"
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - the protocol's hash


def is_config_signed(
    tickets: Iterable[str], noncestr: str, timestamp: str | int, url: str, signature: str
) -> bool:
    """Whether `signature` is a wx.config signature made with one of `tickets`."""
    wanted = signature.lower().encode()
    return any(
        hmac.compare_digest(config_signature(t, noncestr, timestamp, url).encode(), wanted)
        for t in tickets
    )
