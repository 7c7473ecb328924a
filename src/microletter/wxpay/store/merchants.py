"""Merchants and the nonces of their signed requests (units of work, both databases)."""

from __future__ import annotations

from microletter.core.errors import Unavailable
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Row, Tx
from microletter.wxpay.rules import Merchant

COLS = "account_id, mch_id, api_key, created_at, key_set_at"


async def merchant_of(db: Reader, account_id: UserId) -> Merchant | None:
    row = await db.fetchrow(f"SELECT {COLS} FROM wxpay_merchants WHERE account_id=$1", account_id)
    return None if row is None else _merchant(row)


async def merchant_by_mch_id(db: Reader, mch_id: str) -> Merchant | None:
    row = await db.fetchrow(f"SELECT {COLS} FROM wxpay_merchants WHERE mch_id=$1", mch_id)
    return None if row is None else _merchant(row)


async def issue_key(
    tx: Tx, account_id: UserId, mch_ids: list[str], api_key: str, now: Instant
) -> Merchant:
    """Make the account a merchant (the first of `mch_ids` nobody has), or give an
    existing merchant a new API key (requests signed with the old one then fail)."""
    changed = await tx.execute(
        "UPDATE wxpay_merchants SET api_key=$2, key_set_at=$3 WHERE account_id=$1",
        account_id,
        api_key,
        now,
    )
    if not changed:
        for mch_id in mch_ids:
            made = await tx.execute(
                f"INSERT INTO wxpay_merchants ({COLS}) VALUES ($1,$2,$3,$4,$4)"
                " ON CONFLICT DO NOTHING",
                account_id,
                mch_id,
                api_key,
                now,
            )
            if made:
                break
        else:
            raise Unavailable("Could not draw a unique mch_id; retry.")
    found = await merchant_of(tx, account_id)
    assert found is not None  # made or updated just above
    return found


async def remember_nonce(tx: Tx, account_id: UserId, nonce: str, now: Instant) -> bool:
    """Note a signed request's nonce_str: False if it was seen before (a replay)."""
    return bool(
        await tx.execute(
            "INSERT INTO wxpay_nonces (account_id, nonce, seen_at) VALUES ($1,$2,$3)"
            " ON CONFLICT DO NOTHING",
            account_id,
            nonce,
            now,
        )
    )


async def forget_nonces(tx: Tx, seen_before: Instant, limit: int = 1000) -> int:
    return await tx.execute(
        "DELETE FROM wxpay_nonces WHERE (account_id, nonce) IN (SELECT account_id, nonce"
        " FROM wxpay_nonces WHERE seen_at < $1 LIMIT $2)",
        seen_before,
        limit,
    )


def _merchant(r: Row) -> Merchant:
    return Merchant(UserId(r[0]), r[1], r[2], Instant(r[3]), Instant(r[4]))
