"""Games' units of work (both databases): players' records and their scores per period,
the entries a ranking is drawn from, the players /wxa/set_user_storage may name, and
"beaten" notices (a template card naming the game, through the platform's service
notifications: in the person's conversation with the game's account if they follow it,
else in their service notifications; at most one per passer, key and week, and
NOTICES_PER_DAY a day)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant, JsonValue, MessageKind
from microletter.miniapps.rules import AppId, MiniApp
from microletter.miniapps.rules.games import (
    DAY_MS,
    NOTICES_PER_DAY,
    Entry,
    Record,
    check_count,
    passed,
    score_of,
    week_of,
)
from microletter.platform import Notice, Route, Source, send_notice
from microletter.ports import Reader, Tx
from microletter.storage import fetch_users, snapshot


@dataclass(frozen=True, slots=True)
class Player:
    """A person as an account's server names them: their session with one of its apps."""

    app_id: AppId
    user_id: UserId
    session_key: str


@dataclass(frozen=True, slots=True)
class Beaten:
    """What a notice tells the person passed: who passed them, on which key, with what."""

    user_id: UserId
    by: UserId
    key: str
    score: int


async def players(db: Reader, account_id: UserId, openid: str) -> list[Player]:
    """The sessions an OpenID of the account has with its apps (one per app at most)."""
    rows = await db.fetch(
        "SELECT s.app_id, s.user_id, s.session_key FROM miniapp_sessions s"
        " JOIN miniapps m ON m.id=s.app_id WHERE s.openid=$1 AND m.account_id=$2",
        openid,
        account_id,
    )
    return [Player(AppId(r[0]), UserId(r[1]), r[2]) for r in rows]


async def records(db: Reader, app_id: AppId, user_id: UserId, keys: Sequence[str]) -> list[Record]:
    rows = await db.fetch(
        "SELECT key, value FROM game_records WHERE app_id=$1 AND user_id=$2"
        " AND key = ANY($3::text[]) ORDER BY key",
        app_id,
        user_id,
        list(keys),
    )
    return [Record(r[0], r[1]) for r in rows]


async def write_records(
    tx: Tx, app: MiniApp, user_id: UserId, written: Sequence[Record], now: Instant
) -> list[Beaten]:
    """Keep a player's records (within the count limit) and their scores: "all" as
    written, the week's as the best written this week. Returns whom a new best passed
    (the notices are `notify`'s, in the same unit of work)."""
    kept = await tx.fetch(
        "SELECT key FROM game_records WHERE app_id=$1 AND user_id=$2", app.id, user_id
    )
    check_count([r[0] for r in kept], written)
    week = week_of(now)
    beaten: list[Beaten] = []
    for record in written:
        await tx.execute(
            "INSERT INTO game_records (app_id, user_id, key, value, updated_at)"
            " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (app_id, user_id, key)"
            " DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
            app.id,
            user_id,
            record.key,
            record.value,
            now,
        )
        score = score_of(record.value)
        old = await tx.fetchval(
            "SELECT score FROM game_scores WHERE app_id=$1 AND key=$2 AND period='all'"
            " AND user_id=$3",
            app.id,
            record.key,
            user_id,
        )
        if score is None:
            await _forget(tx, app.id, user_id, record.key, ("all",))
            continue
        await _put_score(tx, app.id, record.key, "all", user_id, score, now, best=False)
        await _put_score(tx, app.id, record.key, week, user_id, score, now, best=True)
        others = await friends_entries(tx, app.id, record.key, "all", user_id)
        beaten += [Beaten(u, user_id, record.key, score) for u in passed(old, score, others)]
    return beaten


async def _put_score(
    tx: Tx,
    app_id: AppId,
    key: str,
    period: str,
    user_id: UserId,
    score: int,
    now: Instant,
    *,
    best: bool,
) -> None:
    keep = (
        " WHERE excluded.score > game_scores.score" if best else ""
    )  # a week keeps its best; "all" is the record as written
    await tx.execute(
        "INSERT INTO game_scores (app_id, key, period, user_id, score, updated_at)"
        " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (app_id, key, period, user_id)"
        " DO UPDATE SET score=excluded.score, updated_at=excluded.updated_at" + keep,
        app_id,
        key,
        period,
        user_id,
        score,
        now,
    )


async def _forget(
    tx: Tx, app_id: AppId, user_id: UserId, key: str, periods: Sequence[str] | None
) -> None:
    if periods is None:
        await tx.execute(
            "DELETE FROM game_scores WHERE app_id=$1 AND key=$2 AND user_id=$3",
            app_id,
            key,
            user_id,
        )
        return
    await tx.execute(
        "DELETE FROM game_scores WHERE app_id=$1 AND key=$2 AND user_id=$3"
        " AND period = ANY($4::text[])",
        app_id,
        key,
        user_id,
        list(periods),
    )


async def remove_records(tx: Tx, app_id: AppId, user_id: UserId, keys: Sequence[str]) -> None:
    """Forget records and their scores in every period (the player leaves those rankings)."""
    await tx.execute(
        "DELETE FROM game_records WHERE app_id=$1 AND user_id=$2 AND key = ANY($3::text[])",
        app_id,
        user_id,
        list(keys),
    )
    for key in keys:
        await _forget(tx, app_id, user_id, key, None)


async def friends_entries(
    db: Reader, app_id: AppId, key: str, period: str, viewer: UserId
) -> list[Entry]:
    """The viewer's friends' scores for a key and period (one index probe per friend)."""
    rows = await db.fetch(
        "SELECT g.user_id, g.score, g.updated_at FROM contacts c JOIN game_scores g"
        " ON g.app_id=$1 AND g.key=$2 AND g.period=$3 AND g.user_id=c.peer_id"
        " WHERE c.user_id=$4",
        app_id,
        key,
        period,
        viewer,
    )
    return [Entry(UserId(r[0]), r[1], Instant(r[2])) for r in rows]


@dataclass(frozen=True, slots=True)
class Standings:
    """What a ranking is drawn from: the circle (friends, or the group's other members),
    the scores of the viewer and of those in it who play, and their names and pictures
    (when asked for: a game page is given none)."""

    circle: list[UserId]
    entries: list[Entry]
    people: dict[UserId, tuple[str, str | None]]


@snapshot
async def standings(
    db: Reader,
    app_id: AppId,
    key: str,
    period: str,
    viewer: UserId,
    cid: ConversationId | None,
    names: bool,
) -> Standings:
    """One read: the circle, and its scores joined to it (one index probe per person)."""
    if cid is None:
        circle_sql = "SELECT peer_id FROM contacts WHERE user_id=$1"
        source = "contacts c JOIN game_scores g ON g.user_id=c.peer_id"
        where = "c.user_id=$4"
        circle_arg: int = viewer
    else:
        circle_sql = "SELECT user_id FROM members WHERE conversation_id=$1"
        source = "members c JOIN game_scores g ON g.user_id=c.user_id"
        where = "c.conversation_id=$4"
        circle_arg = cid
    circle = [UserId(r[0]) for r in await db.fetch(circle_sql, circle_arg)]
    circle = [u for u in circle if u != viewer]
    cols = "g.user_id, g.score, g.updated_at" + (", u.display_name, u.avatar" if names else "")
    people_join = " JOIN users u ON u.id=g.user_id" if names else ""
    scored = " AND g.app_id=$1 AND g.key=$2 AND g.period=$3"
    rows = await db.fetch(
        f"SELECT {cols} FROM {source}{scored}{people_join} WHERE {where}"  # noqa: S608 - ours
        f" UNION ALL SELECT {cols} FROM game_scores g{people_join}"
        " WHERE g.app_id=$1 AND g.key=$2 AND g.period=$3 AND g.user_id=$5",
        app_id,
        key,
        period,
        circle_arg,
        viewer,
    )
    entries = [Entry(UserId(r[0]), r[1], Instant(r[2])) for r in rows]
    people = {UserId(r[0]): (r[3], r[4]) for r in rows} if names else {}
    return Standings(circle, entries, people)


# --- notices ---


async def notify(tx: Tx, app: MiniApp, link: str, beaten: Sequence[Beaten], now: Instant) -> int:
    """Send "beaten" notices: to those who did not mute the game, once per passer, key
    and week, and at most NOTICES_PER_DAY a day from one game. Returns how many went."""
    week, sent = week_of(now), 0
    names = await fetch_users(tx, list({b.by for b in beaten}))
    for b in sorted(beaten, key=lambda b: (b.user_id, b.by, b.key)):
        if await tx.fetchval(
            "SELECT 1 FROM game_mutes WHERE user_id=$1 AND app_id=$2", b.user_id, app.id
        ):
            continue
        today = await tx.fetchval(
            "SELECT count(*) FROM game_notices WHERE app_id=$1 AND user_id=$2 AND created_at > $3",
            app.id,
            b.user_id,
            now - DAY_MS,
        )
        if today >= NOTICES_PER_DAY:
            continue
        if not await tx.execute(
            "INSERT INTO game_notices (app_id, user_id, period, key, from_id, created_at)"
            " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING",
            app.id,
            b.user_id,
            week,
            b.key,
            b.by,
            now,
        ):
            continue  # this passer passed them on this key already this week
        by = names.get(b.by)
        data = notice_data(app, link, by.display_name if by else "", b.key, b.score)
        source = Source("app", app.id, app.account_id, app.name, app.icon or None)
        ref = f"beaten:{tx.new_id(now)}"
        notice = Notice(b.user_id, source, MessageKind.TEMPLATE, data, ref)
        if await send_notice(tx, notice, now) is not Route.MUTED:
            sent += 1
    return sent


def notice_data(app: MiniApp, link: str, by: str, key: str, score: int) -> dict[str, JsonValue]:
    """A template card naming the game (the client shows its title and text, and opens
    the game's link, `/a/<app_id>`, from it; docs/miniapps.md, "Beaten notices")."""
    return {
        "template_id": "miniapp.beaten",
        "title": app.name,
        "text": f"{by} passed your best score in {app.name}: {score}.",
        "url": link,
        "fields": {
            "app_id": {"value": str(app.id), "color": ""},
            "key": {"value": key, "color": ""},
            "score": {"value": str(score), "color": ""},
        },
    }


async def set_mute(tx: Tx, user_id: UserId, app_id: AppId, muted: bool, now: Instant) -> None:
    if muted:
        await tx.execute(
            "INSERT INTO game_mutes (user_id, app_id, created_at) VALUES ($1,$2,$3)"
            " ON CONFLICT DO NOTHING",
            user_id,
            app_id,
            now,
        )
    else:
        await tx.execute("DELETE FROM game_mutes WHERE user_id=$1 AND app_id=$2", user_id, app_id)


async def is_muted(db: Reader, user_id: UserId, app_id: AppId) -> bool:
    found = await db.fetchval(
        "SELECT 1 FROM game_mutes WHERE user_id=$1 AND app_id=$2", user_id, app_id
    )
    return found is not None


async def save_records(
    tx: Tx, app: MiniApp, link: str, user_id: UserId, written: Sequence[Record], now: Instant
) -> int:
    """Keep records, then tell the friends a new best passed (one unit of work: the
    notices commit with the score). Returns how many notices went."""
    beaten = await write_records(tx, app, user_id, written, now)
    return await notify(tx, app, link, beaten, now) if beaten else 0
