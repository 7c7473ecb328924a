"""The durable scheduler's units of work, the same on both databases: a job is a row of
`jobs` (a kind, a unique key, a JSON payload, when it is due).

A unit of work schedules a job in its own transaction (`schedule_job`), so the job exists
exactly when what it finishes does. A runner claims due jobs (`claim_jobs`: a lease
written with UPDATE ... RETURNING; on PostgreSQL FOR UPDATE SKIP LOCKED, so the
processes of a cluster take different jobs), then runs each in one transaction that
first marks it done (`start_job`): if another process marked it done meanwhile (its lease
ran out, it was slow, not dead), nothing runs. A job's effect therefore commits at most
once, and, since an unfinished job is claimed again when its lease ends, at least once.
"""

from __future__ import annotations

import msgspec

from microletter.core.models import Instant, JsonValue
from microletter.ports import Job, JobHandler, Reader, Tx
from microletter.storage.ops import Facade, reads, writes, writes_value


async def schedule_job(
    tx: Tx, kind: str, key: str, payload: dict[str, JsonValue], due_at: Instant, now: Instant
) -> bool:
    """Run `kind` with `payload` at `due_at` (or soon after). `key` names the job: a
    second one with the same key is not made (False)."""
    return bool(
        await tx.execute(
            "INSERT INTO jobs (id, kind, key, payload, due_at, claimed_until, attempts)"
            " VALUES ($1,$2,$3,$4,$5,0,0) ON CONFLICT (key) DO NOTHING",
            tx.new_id(now),
            kind,
            key,
            msgspec.json.encode(payload).decode(),
            due_at,
        )
    )


async def cancel_job(tx: Tx, key: str, now: Instant) -> bool:
    """Mark a job done without running it (what it would do was done otherwise)."""
    return bool(
        await tx.execute("UPDATE jobs SET done_at=$2 WHERE key=$1 AND done_at IS NULL", key, now)
    )


async def any_due(db: Reader, now: Instant) -> bool:
    """Whether a job is due that nobody holds: a read, so an idle scheduler polling every
    interval writes (and on SQLite commits) nothing."""
    row = await db.fetchrow(
        "SELECT 1 FROM jobs WHERE done_at IS NULL AND due_at <= $1 AND claimed_until <= $1 LIMIT 1",
        now,
    )
    return row is not None


async def claim_jobs(tx: Tx, owner: str, now: Instant, lease_ms: int, limit: int) -> list[Job]:
    """Take up to `limit` due jobs that nobody holds, for `lease_ms`."""
    rows = await tx.fetch(
        "UPDATE jobs SET claimed_by=$1, claimed_until=$2, attempts=attempts+1"
        " WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND due_at <= $3"
        " AND claimed_until <= $3 ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED)"
        " RETURNING id, kind, key, payload, due_at, attempts",
        owner,
        now + lease_ms,
        now,
        limit,
    )
    jobs = [
        Job(r[0], r[1], r[2], msgspec.json.decode(r[3]), Instant(r[4]), int(r[5])) for r in rows
    ]
    return sorted(jobs, key=lambda j: (j.due_at, j.id))


async def start_job(tx: Tx, job_id: int, now: Instant) -> bool:
    """Mark the job done in the transaction that does its work: False if it is done
    already (then the caller does nothing). On PostgreSQL a second process waits here
    for the first one's COMMIT and then finds it done."""
    return bool(
        await tx.execute(
            "UPDATE jobs SET done_at=$2, error=NULL WHERE id=$1 AND done_at IS NULL",
            job_id,
            now,
        )
    )


async def run_job(tx: Tx, job: Job, handler: JobHandler, now: Instant) -> bool:
    """Mark the job done and do its work, in this one transaction (see above)."""
    if not await start_job(tx, job.id, now):
        return False  # another process did it
    await handler(tx, job.payload, now)
    return True


async def fail_job(tx: Tx, job_id: int, error: str, retry_at: Instant) -> None:
    """Its work failed (and rolled back): try again at `retry_at`."""
    await tx.execute(
        "UPDATE jobs SET error=$2, claimed_until=$3, claimed_by=NULL"
        " WHERE id=$1 AND done_at IS NULL",
        job_id,
        error[:500],
        retry_at,
    )


async def pending_jobs(db: Reader, kind: str | None = None) -> int:
    """Jobs not done yet (of `kind`)."""
    count = await db.fetchval(
        "SELECT count(*) FROM jobs WHERE done_at IS NULL AND ($1::text IS NULL OR kind=$1)",
        kind,
    )
    return int(count)


async def forget_jobs(tx: Tx, done_before: Instant, limit: int = 1000) -> int:
    """Delete up to `limit` jobs done before `done_before`."""
    return await tx.execute(
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE done_at IS NOT NULL"
        " AND done_at < $1 LIMIT $2)",
        done_before,
        limit,
    )


class JobStore(Facade):
    """ports.Jobs on the one database."""

    due = reads(any_due)
    claim = writes_value(claim_jobs)
    run = writes(run_job)
    fail = writes_value(fail_job)
