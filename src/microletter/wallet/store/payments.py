"""Payment passwords and payment tokens (units of work, both databases).

The password's argon2id hash is checked by the action, off the database; what must be
exact under concurrency is here: an attempt is counted *before* its check (so no more
than `most` guesses are ever in flight), a lock starts at the last wrong one, and a
payment token is spent by the guarded UPDATE of the payment's own transaction.
"""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Tx
from microletter.wallet.errors import (
    PaymentTokenExpired,
    PaymentTokenInvalid,
    PayPasswordNotSet,
)


async def pay_password(db: Reader, user: UserId) -> tuple[str, int, int] | None:
    """(hash, attempts, locked_until), or None if the user has none."""
    row = await db.fetchrow(
        "SELECT hash, attempts, locked_until FROM wallet_pay_passwords WHERE user_id=$1", user
    )
    return None if row is None else (row[0], int(row[1]), int(row[2]))


async def set_pay_password(tx: Tx, user: UserId, hashed: str, now: Instant) -> None:
    """Set or replace (the caller checked the login password); clears a lock."""
    await tx.execute(
        "INSERT INTO wallet_pay_passwords (user_id, hash, attempts, locked_until, updated_at)"
        " VALUES ($1,$2,0,0,$3) ON CONFLICT (user_id) DO UPDATE"
        " SET hash=excluded.hash, attempts=0, locked_until=0, updated_at=excluded.updated_at",
        user,
        hashed,
        now,
    )


async def begin_attempt(
    tx: Tx, user: UserId, now: Instant, *, most: int, lock_ms: int
) -> tuple[str | None, int]:
    """Count one attempt: (the hash to check it against, 0), or (None, locked_until)
    while payments are locked. PayPasswordNotSet if there is no password. Returns rather
    than raises for a lock, so a lock it starts (attempts in flight reached `most`, or a
    process died mid-check) is committed."""
    row = await tx.fetchrow(
        "SELECT hash, attempts, locked_until FROM wallet_pay_passwords WHERE user_id=$1 FOR UPDATE",
        user,
    )
    if row is None:
        raise PayPasswordNotSet()
    hashed, attempts, until = str(row[0]), int(row[1]), int(row[2])
    if until > now:
        return None, until
    if until > 0:  # a lock that ended: a fresh count
        attempts = 0
    if attempts >= most:
        until = now + lock_ms
        await tx.execute(
            "UPDATE wallet_pay_passwords SET locked_until=$2 WHERE user_id=$1", user, until
        )
        return None, until
    await tx.execute(
        "UPDATE wallet_pay_passwords SET attempts=$2, locked_until=0 WHERE user_id=$1",
        user,
        attempts + 1,
    )
    return hashed, 0


async def end_attempt(
    tx: Tx,
    user: UserId,
    right: bool,
    now: Instant,
    *,
    most: int,
    lock_ms: int,
    token_hash: str,
    token_ms: int,
) -> int:
    """After the check: a right password resets the count and mints the token (its hash);
    the `most`-th wrong one in a row locks payments for `lock_ms`. The attempts left."""
    if right:
        await tx.execute("UPDATE wallet_pay_passwords SET attempts=0 WHERE user_id=$1", user)
        await tx.execute(
            "INSERT INTO wallet_pay_tokens (token_hash, user_id, expires_at, used_at)"
            " VALUES ($1,$2,$3,NULL)",
            token_hash,
            user,
            now + token_ms,
        )
        return most
    attempts = await tx.fetchval(
        "UPDATE wallet_pay_passwords SET locked_until = CASE WHEN attempts >= $2 THEN $3"
        " ELSE locked_until END WHERE user_id=$1 RETURNING attempts",
        user,
        most,
        now + lock_ms,
    )
    return max(0, most - int(attempts or 0))


async def spend_token(tx: Tx, user: UserId, token_hash: str, now: Instant) -> None:
    """Spend a payment token in the payment's transaction: PaymentTokenInvalid if it is
    not this user's or was spent, PaymentTokenExpired if it is too old."""
    spent = await tx.execute(
        "UPDATE wallet_pay_tokens SET used_at=$3 WHERE token_hash=$1 AND user_id=$2"
        " AND used_at IS NULL AND expires_at > $3",
        token_hash,
        user,
        now,
    )
    if spent:
        return
    expires = await tx.fetchval(
        "SELECT expires_at FROM wallet_pay_tokens WHERE token_hash=$1 AND user_id=$2"
        " AND used_at IS NULL",
        token_hash,
        user,
    )
    if expires is not None:
        raise PaymentTokenExpired()
    raise PaymentTokenInvalid()


async def forget_tokens(tx: Tx, expired_before: Instant, limit: int = 1000) -> int:
    return await tx.execute(
        "DELETE FROM wallet_pay_tokens WHERE token_hash IN (SELECT token_hash"
        " FROM wallet_pay_tokens WHERE expires_at < $1 LIMIT $2)",
        expired_before,
        limit,
    )
