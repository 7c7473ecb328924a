"""An account's audience: its follower tags (oa_tags, oa_follower_tags), the remark it
keeps on each follower, and the jobs of its targeted mass sends (oa_mass_jobs).

Writes that count (tags per account, tags per follower, the daily mass quota) lock the
account's row first, as follows and broadcasts do, so two requests cannot both pass a
limit; the lock order is that of ports.Tx (the account in front).
"""

from __future__ import annotations

from microletter.core.events import AccountEvent
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import MassJobNotFound, OpenIdNotFound, TagNameTaken, TagNotFound
from microletter.platform.rules import audience as rules
from microletter.platform.rules.audience import MassJob, Tag
from microletter.platform.rules.following import DAY_MS, check_broadcast_quota
from microletter.platform.store.accounts import load_account
from microletter.ports import Reader, Tx

JOB_COLS = "account_id, msg_id, target, tag_id, kind, total, sent, status, created_at"


async def _tag(db: Reader, account_id: UserId, tag_id: int) -> Tag:
    row = await db.fetchrow(
        "SELECT name, created_at FROM oa_tags WHERE account_id=$1 AND id=$2", account_id, tag_id
    )
    if row is None:
        raise TagNotFound(tag_id=tag_id)
    return Tag(account_id, tag_id, row[0], Instant(row[1]))


async def _name_free(db: Reader, account_id: UserId, name: str, but: int | None = None) -> None:
    taken = await db.fetchval(
        "SELECT id FROM oa_tags WHERE account_id=$1 AND name=$2", account_id, name
    )
    if taken is not None and taken != but:
        raise TagNameTaken(name=name)


async def create_tag(tx: Tx, account_id: UserId, name: str, now: Instant) -> Tag:
    await load_account(tx, account_id, lock=True)
    row = await tx.fetchrow("SELECT count(*), max(id) FROM oa_tags WHERE account_id=$1", account_id)
    assert row is not None  # an aggregate always has a row
    rules.check_tag_count(int(row[0]))
    await _name_free(tx, account_id, name)
    tag = Tag(account_id, rules.next_tag_id(row[1]), name, now)
    await tx.execute(
        "INSERT INTO oa_tags (account_id, id, name, created_at) VALUES ($1,$2,$3,$4)",
        account_id,
        tag.id,
        name,
        now,
    )
    return tag


async def rename_tag(tx: Tx, account_id: UserId, tag_id: int, name: str) -> Tag:
    await load_account(tx, account_id, lock=True)
    tag = await _tag(tx, account_id, tag_id)
    await _name_free(tx, account_id, name, but=tag_id)
    await tx.execute(
        "UPDATE oa_tags SET name=$1 WHERE account_id=$2 AND id=$3", name, account_id, tag_id
    )
    return Tag(account_id, tag_id, name, tag.created_at)


async def delete_tag(tx: Tx, account_id: UserId, tag_id: int) -> None:
    """Delete a tag; its followers simply stop carrying it."""
    await load_account(tx, account_id, lock=True)
    await _tag(tx, account_id, tag_id)
    await tx.execute("DELETE FROM oa_tags WHERE account_id=$1 AND id=$2", account_id, tag_id)
    await tx.execute(
        "DELETE FROM oa_follower_tags WHERE account_id=$1 AND tag_id=$2", account_id, tag_id
    )


async def tags(db: Reader, account_id: UserId) -> list[Tag]:
    """The account's tags, with how many current followers carry each."""
    rows = await db.fetch(
        "SELECT t.id, t.name, t.created_at, (SELECT count(*) FROM oa_follower_tags x"
        " JOIN oa_followers f ON f.account_id=x.account_id AND f.user_id=x.user_id"
        " WHERE x.account_id=t.account_id AND x.tag_id=t.id AND f.following)"
        " FROM oa_tags t WHERE t.account_id=$1 ORDER BY t.id",
        account_id,
    )
    return [Tag(account_id, r[0], r[1], Instant(r[2]), int(r[3])) for r in rows]


async def users_of_openids(db: Reader, account_id: UserId, openids: list[str]) -> list[UserId]:
    """The users behind `openids` (every one known to the account, else 40003), in order."""
    rows = await db.fetch(
        "SELECT openid, user_id FROM oa_followers WHERE account_id=$1 AND openid = ANY($2::text[])",
        account_id,
        openids,
    )
    found = {r[0]: UserId(r[1]) for r in rows}
    missing = rules.unknown_openids(openids, list(found))
    if missing:
        raise OpenIdNotFound(openid=missing[0])
    return [found[o] for o in openids]


async def tag_followers(tx: Tx, account_id: UserId, tag_id: int, openids: list[str]) -> None:
    """Give the tag to each follower (already carrying it: nothing changes)."""
    await load_account(tx, account_id, lock=True)
    await _tag(tx, account_id, tag_id)
    for uid in await users_of_openids(tx, account_id, openids):
        row = await tx.fetchrow(
            "SELECT count(*), sum(CASE WHEN tag_id=$3 THEN 1 ELSE 0 END) FROM oa_follower_tags"
            " WHERE account_id=$1 AND user_id=$2",
            account_id,
            uid,
            tag_id,
        )
        assert row is not None  # an aggregate always has a row
        if row[1]:
            continue
        rules.check_follower_tags(int(row[0]), 1)
        await tx.execute(
            "INSERT INTO oa_follower_tags (account_id, tag_id, user_id) VALUES ($1,$2,$3)",
            account_id,
            tag_id,
            uid,
        )


async def untag_followers(tx: Tx, account_id: UserId, tag_id: int, openids: list[str]) -> None:
    await load_account(tx, account_id, lock=True)
    await _tag(tx, account_id, tag_id)
    users = await users_of_openids(tx, account_id, openids)
    await tx.execute(
        "DELETE FROM oa_follower_tags WHERE account_id=$1 AND tag_id=$2"
        " AND user_id = ANY($3::bigint[])",
        account_id,
        tag_id,
        users,
    )


async def tag_members(
    db: Reader, account_id: UserId, tag_id: int, after_openid: str, limit: int
) -> list[str]:
    """OpenIDs of current followers carrying the tag, after `after_openid`, in order."""
    await _tag(db, account_id, tag_id)
    rows = await db.fetch(
        "SELECT f.openid FROM oa_follower_tags x JOIN oa_followers f"
        " ON f.account_id=x.account_id AND f.user_id=x.user_id"
        " WHERE x.account_id=$1 AND x.tag_id=$2 AND f.following AND f.openid>$3"
        " ORDER BY f.openid LIMIT $4",
        account_id,
        tag_id,
        after_openid,
        limit,
    )
    return [r[0] for r in rows]


async def follower_tags(db: Reader, account_id: UserId, uid: UserId) -> list[int]:
    rows = await db.fetch(
        "SELECT tag_id FROM oa_follower_tags WHERE account_id=$1 AND user_id=$2 ORDER BY tag_id",
        account_id,
        uid,
    )
    return [int(r[0]) for r in rows]


async def set_remark(tx: Tx, account_id: UserId, openid: str, remark: str) -> None:
    done = await tx.execute(
        "UPDATE oa_followers SET remark=$1 WHERE account_id=$2 AND openid=$3",
        remark,
        account_id,
        openid,
    )
    if not done:
        raise OpenIdNotFound(openid=openid)


# --- targeted mass sends ---


async def sent_today(tx: Tx, account_id: UserId, now: Instant) -> int:
    """Broadcasts and targeted mass sends (not previews) of the last 24 hours: they share
    the daily quota."""
    posts = await tx.fetchval(
        "SELECT count(*) FROM oa_channel_posts WHERE channel_id=$1 AND created_at>$2",
        account_id,
        now - DAY_MS,
    )
    jobs = await tx.fetchval(
        "SELECT count(*) FROM oa_mass_jobs WHERE account_id=$1 AND created_at>$2"
        " AND target <> 'preview'",
        account_id,
        now - DAY_MS,
    )
    return int(posts) + int(jobs)


async def start_mass_job(
    tx: Tx,
    account_id: UserId,
    target: str,
    tag_id: int | None,
    openids: list[str] | None,
    kind: str,
    per_day: int,
    now: Instant,
) -> tuple[MassJob, list[UserId]]:
    """Record a job within the daily quota (previews are free) and return its
    recipients: the current followers carrying `tag_id`, or those of `openids` (every
    one must be known to the account) who still follow."""
    await load_account(tx, account_id, lock=True)
    if target != "preview":
        check_broadcast_quota(await sent_today(tx, account_id, now), per_day)
    if tag_id is not None:
        await _tag(tx, account_id, tag_id)
        rows = await tx.fetch(
            "SELECT f.user_id FROM oa_follower_tags x JOIN oa_followers f"
            " ON f.account_id=x.account_id AND f.user_id=x.user_id"
            " WHERE x.account_id=$1 AND x.tag_id=$2 AND f.following ORDER BY f.openid",
            account_id,
            tag_id,
        )
        total, recipients = len(rows), [UserId(r[0]) for r in rows]
    else:
        asked = await users_of_openids(tx, account_id, openids or [])
        rows = await tx.fetch(
            "SELECT user_id FROM oa_followers WHERE account_id=$1 AND following"
            " AND user_id = ANY($2::bigint[])",
            account_id,
            asked,
        )
        following = {UserId(r[0]) for r in rows}
        total, recipients = len(asked), [u for u in asked if u in following]
    job = MassJob(account_id, tx.new_id(now), target, tag_id, kind, total, 0, "SENDING", now)
    await tx.execute(
        f"INSERT INTO oa_mass_jobs ({JOB_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        account_id,
        job.msg_id,
        target,
        tag_id,
        kind,
        total,
        0,
        job.status,
        now,
    )
    return job, recipients


async def finish_mass_job(tx: Tx, job: MassJob, following: int, sent: int, now: Instant) -> MassJob:
    """Mark the job done; the account's webhook hears MASSSENDJOBFINISH."""
    await tx.execute(
        "UPDATE oa_mass_jobs SET sent=$1, status='SEND_SUCCESS' WHERE account_id=$2 AND msg_id=$3",
        sent,
        job.account_id,
        job.msg_id,
    )
    done = MassJob(
        job.account_id, job.msg_id, job.target, job.tag_id, job.kind, job.total, sent,
        "SEND_SUCCESS", job.created_at,
    )  # fmt: skip
    extra: dict[str, JsonValue] = rules.mass_finished_extra(done, following)
    event = AccountEvent(job.account_id, job.account_id, "MASSSENDJOBFINISH", extra=extra)
    tx.append([(job.account_id, event)], now)
    return done


async def mass_job(db: Reader, account_id: UserId, msg_id: int) -> MassJob:
    row = await db.fetchrow(
        f"SELECT {JOB_COLS} FROM oa_mass_jobs WHERE account_id=$1 AND msg_id=$2",
        account_id,
        msg_id,
    )
    if row is None:
        raise MassJobNotFound(msg_id=msg_id)
    return MassJob(
        UserId(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], Instant(row[8])
    )
