"""Games, pure: a player's key/value records (WeChat's "user cloud storage" and its
limits), the login-state signature of /wxa/set_user_storage, scores read from records,
ranking periods, the friend and group rankings, and who a new score passes. No I/O.

Theory of operation. A game keeps at most 128 records per player (a key of at most 128
bytes; key and value together at most 1024 bytes, as WeChat's), written by its page
through the bridge or by its server, which signs the exact POST body with the player's
session key (HMAC-SHA256, hex; `sig_method=hmac_sha256`). A record whose value is a
score (`{"wxgame": {"score": N, ...}}`, WeChat's form, or a plain integer) also counts
in the rankings of its key: "all" (the record as it is) and the week it was written in
(the best written that week; ISO weeks, UTC), so a weekly ranking starts empty every
Monday. A ranking is drawn for its viewer from their friends' (or a group's members')
entries; the game itself only ever learns the viewer's own rank and how many play.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.miniapps.errors import (
    RankingPeriodInvalid,
    StorageInvalid,
    StorageSignatureInvalid,
)

MAX_RECORDS = 128  # per player and game
MAX_KEY_BYTES = 128
MAX_RECORD_BYTES = 1024  # key + value
MAX_SCORE = 2**53 - 1  # what a page's JavaScript number holds exactly
SIG_METHOD = "hmac_sha256"
PERIODS = ("week", "all")
MAX_RANKED = 1000  # a ranking's entries the client draws (and the viewer's own)
NOTICES_PER_DAY = 5  # "beaten" notices one person gets from one game in a day
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Record:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One player in a ranking: their score for the key and period, when written."""

    user_id: UserId
    score: int
    updated_at: Instant


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    entry: Entry


# --- records ---


def check_key(raw: object) -> str:
    if not isinstance(raw, str) or not raw or len(raw.encode()) > MAX_KEY_BYTES:
        raise StorageInvalid(f"A key is 1 to {MAX_KEY_BYTES} bytes of text.", field="key")
    if any(c < " " for c in raw):
        raise StorageInvalid("A key has no control characters.", field="key")
    return raw


def check_records(raw: object) -> tuple[Record, ...]:
    """A kv_list (WeChat's `[{key, value}]`) as it is stored: each key once (the last
    value wins), each record within the limits."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RECORDS:
        raise StorageInvalid(f"kv_list is a list of 1 to {MAX_RECORDS} records.", field="kv_list")
    found: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"key", "value"}:
            raise StorageInvalid("Each record is {key, value}.", field="kv_list")
        key, value = check_key(item.get("key")), item.get("value")
        if not isinstance(value, str):
            raise StorageInvalid("A value is a string.", field="value", key=key[:64])
        if len(key.encode()) + len(value.encode()) > MAX_RECORD_BYTES:
            raise StorageInvalid(
                f"A key and its value are at most {MAX_RECORD_BYTES} bytes.",
                field="value",
                key=key[:64],
            )
        found[key] = value
    return tuple(Record(k, v) for k, v in found.items())


def check_keys(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RECORDS:
        raise StorageInvalid(f"Give 1 to {MAX_RECORDS} keys.", field="key")
    return tuple(dict.fromkeys(check_key(k) for k in raw))


def check_count(kept: Collection[str], written: Iterable[Record]) -> None:
    """A player keeps at most MAX_RECORDS records in a game (`kept`: their keys now)."""
    total = len(set(kept) | {r.key for r in written})
    if total > MAX_RECORDS:
        raise StorageInvalid(
            f"A player keeps at most {MAX_RECORDS} records in a game.", max_records=MAX_RECORDS
        )


def score_of(value: str) -> int | None:
    """The score a record holds: WeChat's `{"wxgame": {"score": N}}`, or a plain integer;
    None for anything else (the record is kept, but ranks nowhere)."""
    text = value.strip()
    if text.lstrip("-").isdigit() and len(text) <= 17:
        number: object = int(text)
    else:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        game = data.get("wxgame") if isinstance(data, dict) else None
        number = game.get("score") if isinstance(game, dict) else None
    if isinstance(number, bool) or not isinstance(number, int) or abs(number) > MAX_SCORE:
        return None
    return number


# --- the server's signature ---


def sign(session_key: str, body: bytes) -> str:
    """WeChat's login-state signature: HMAC-SHA256 of the POST body, keyed with the
    session key exactly as jscode2session gave it (its base64 text), in hex."""
    return hmac.new(session_key.encode(), body, hashlib.sha256).hexdigest()


def check_signature(session_key: str, body: bytes, signature: str, sig_method: str) -> None:
    if sig_method != SIG_METHOD:
        raise StorageSignatureInvalid(f"sig_method must be {SIG_METHOD}.", field="sig_method")
    if not hmac.compare_digest(sign(session_key, body), signature.lower()):
        raise StorageSignatureInvalid()


def is_signed_by(session_key: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(session_key, body), signature.lower())


# --- periods and rankings ---


def week_of(now: Instant) -> str:
    """The ISO week (UTC) a time falls in: a weekly ranking's period."""
    year, week, _ = datetime.fromtimestamp(now / 1000, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def period_key(period: object, now: Instant) -> str:
    """The stored period a ranking reads: "all", or this week's."""
    if period in (None, "", "all"):
        return "all"
    if period == "week":
        return week_of(now)
    raise RankingPeriodInvalid(field="period")


def ranking(entries: Iterable[Entry], viewer: UserId, circle: Collection[UserId]) -> list[Ranked]:
    """The ranking `viewer` sees: only the entries of `viewer` and of `circle` (their
    friends, or their group's members), best score first; a tie goes to who got there
    first. Anything else in `entries` is dropped, whatever the caller passed."""
    unique = {e.user_id: e for e in entries if e.user_id in circle or e.user_id == viewer}
    ordered = sorted(unique.values(), key=_order)
    return [Ranked(i, e) for i, e in enumerate(ordered, 1)]


def _order(e: Entry) -> tuple[int, int, int]:
    return (-e.score, e.updated_at, e.user_id)


def drawn(ranked: Sequence[Ranked], viewer: UserId) -> list[Ranked]:
    """What the client draws: the first MAX_RANKED, and the viewer wherever they are."""
    return [r for r in ranked if r.rank <= MAX_RANKED or r.entry.user_id == viewer]


def own_rank(ranked: Sequence[Ranked], viewer: UserId) -> tuple[int | None, int]:
    """All a game may learn of a ranking: the viewer's rank (None before they score) and
    how many others in it play."""
    rank = next((r.rank for r in ranked if r.entry.user_id == viewer), None)
    return rank, sum(1 for r in ranked if r.entry.user_id != viewer)


def passed(old: int | None, new: int, others: Iterable[Entry]) -> list[UserId]:
    """Whose score a new best passes: those at or above the old best, now below."""
    if old is not None and new <= old:
        return []
    return [e.user_id for e in others if (old is None or e.score >= old) and e.score < new]
