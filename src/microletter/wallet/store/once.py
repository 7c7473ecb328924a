"""Idempotency keys: a money-moving request runs once per (user, key).

The key's row is inserted first, in the same transaction as the money it moves. A second
request with the key waits for the first one's transaction on PostgreSQL (the unique
index) and then finds its row; on SQLite the writer runs them one after the other. So a
replay returns the first result and moves nothing, and a request whose transaction rolled
back (insufficient funds, a wrong token) leaves no key behind: it may be retried.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.ports import Tx
from microletter.wallet.errors import IdempotencyKeyReused

Result = dict[str, JsonValue]


async def run_once(
    tx: Tx,
    user: UserId,
    key: str,
    fingerprint: str,
    now: Instant,
    work: Callable[[], Awaitable[Result]],
    result: Result | None = None,
) -> tuple[Result, bool]:
    """`work()` (in this transaction) the first time `user` sends `key`; the first
    result, and False, for a replay of the same request; IdempotencyKeyReused for the
    key with another request (`fingerprint`: rules.fingerprint of what was asked).
    A `result` known before the work (ids chosen beforehand) is written with the key, in
    one statement and before the work's rows, instead of after them: the work must then
    return it."""
    known = None if result is None else msgspec.json.encode(result).decode()
    inserted = await tx.execute(
        "INSERT INTO wallet_idempotency (user_id, key, request_hash, result, created_at)"
        " VALUES ($1,$2,$3,$5,$4) ON CONFLICT DO NOTHING",
        user,
        key,
        fingerprint,
        now,
        known,
    )
    if not inserted:
        row = await tx.fetchrow(
            "SELECT request_hash, result FROM wallet_idempotency WHERE user_id=$1 AND key=$2",
            user,
            key,
        )
        assert row is not None  # the conflict that stopped the insert is this row
        if row[0] != fingerprint:
            raise IdempotencyKeyReused(idempotency_key=key)
        first: Result = msgspec.json.decode(row[1])
        return first, False
    done = await work()
    if known is not None:
        assert done == result  # what the key's row already says
        return done, True
    await tx.execute(
        "UPDATE wallet_idempotency SET result=$3 WHERE user_id=$1 AND key=$2",
        user,
        key,
        msgspec.json.encode(done).decode(),
    )
    return done, True


async def forget_keys(tx: Tx, older_than: Instant, limit: int = 1000) -> int:
    """Delete up to `limit` keys made before `older_than` (the scheduler's sweep)."""
    return await tx.execute(
        "DELETE FROM wallet_idempotency WHERE (user_id, key) IN (SELECT user_id, key"
        " FROM wallet_idempotency WHERE created_at < $1 LIMIT $2)",
        older_than,
        limit,
    )
