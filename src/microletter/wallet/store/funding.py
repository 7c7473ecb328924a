"""Top-ups and withdrawals through a provider (units of work, both databases).

A withdrawal takes its amount out of the wallet at once, into the WITHDRAWALS account, so
it cannot be spent twice while the provider works; a top-up moves nothing until it is
approved. Deciding is a guarded UPDATE of the status from `pending`, so each request is
decided once, and its money moves in the same transaction: an approved top-up from
funding to the wallet, an approved withdrawal from WITHDRAWALS to funding (it left the
system), a rejected withdrawal back to the wallet.
"""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Row, Tx
from microletter.wallet.errors import FundingRequestNotFound, FundingRequestSettled
from microletter.wallet.rules import (
    FUNDING,
    SYSTEM_OWNER,
    TOPUP,
    WITHDRAWAL,
    WITHDRAWALS,
    AccountId,
    FundingId,
    FundingRequest,
    Posting,
    TransactionId,
)
from microletter.wallet.store.ledger import account, post, wallet_of
from microletter.wallet.store.once import Result, run_once
from microletter.wallet.store.payments import spend_token

COLS = "id, user_id, direction, amount, status, created_at, decided_at, decided_by, transaction_id"


async def request_funding(
    tx: Tx,
    me: UserId,
    direction: str,
    amount: int,
    key: str,
    fingerprint: str,
    token_hash: str | None,
    now: Instant,
) -> tuple[Result, bool]:
    """Ask to top up or withdraw `amount`, once per (me, key). A withdrawal needs a
    payment token and holds the money at once (InsufficientFunds beyond the balance)."""

    async def work() -> Result:
        if direction == WITHDRAWAL:
            assert token_hash is not None  # the action asks for one
            await spend_token(tx, me, token_hash, now)
            source = await wallet_of(tx, me, now)
            return {"request_id": await hold_withdrawal(tx, me, amount, source, now)}
        rid = FundingId(tx.new_id(now))
        await _insert_request(tx, rid, me, direction, amount, None, now)
        return {"request_id": rid}

    return await run_once(tx, me, key, fingerprint, now, work)


async def hold_withdrawal(
    tx: Tx, me: UserId, amount: int, source: AccountId, now: Instant
) -> FundingId:
    """`me`'s withdrawal request, its money held from `source` (their wallet, or an
    account of a room's that `me` may empty, such as a merchant's settlement account);
    InsufficientFunds beyond its balance. Approved, it leaves the system; rejected, it
    comes back to `me`'s wallet."""
    rid = FundingId(tx.new_id(now))
    held = await post(
        tx,
        "withdrawal.hold",
        [
            Posting(source, -amount),
            Posting(await account(tx, WITHDRAWALS, SYSTEM_OWNER, now), amount),
        ],
        now,
        actor=me,
        ref=f"funding:{rid}",
    )
    await _insert_request(tx, rid, me, WITHDRAWAL, amount, held.id, now)
    return rid


async def _insert_request(
    tx: Tx,
    rid: FundingId,
    me: UserId,
    direction: str,
    amount: int,
    moved: TransactionId | None,
    now: Instant,
) -> None:
    await tx.execute(
        f"INSERT INTO wallet_funding_requests ({COLS})"
        " VALUES ($1,$2,$3,$4,'pending',$5,NULL,NULL,$6)",
        rid,
        me,
        direction,
        amount,
        now,
        moved,
    )


async def decide_funding(
    tx: Tx,
    operator: UserId,
    rid: FundingId,
    approve: bool,
    reason: str,
    key: str,
    fingerprint: str,
    now: Instant,
) -> tuple[Result, bool]:
    """The built-in provider: an operator approves or rejects a pending request."""

    async def work() -> Result:
        found = await funding_request(tx, None, rid)
        changed = await tx.execute(
            "UPDATE wallet_funding_requests SET status=$2, decided_at=$3, decided_by=$4"
            " WHERE id=$1 AND status='pending'",
            rid,
            "approved" if approve else "rejected",
            now,
            operator,
        )
        if not changed:
            raise FundingRequestSettled(request_id=rid)
        wallet = await wallet_of(tx, found.user_id, now)
        legs: list[Posting] = []
        if found.direction == TOPUP and approve:
            legs = [Posting(await account(tx, FUNDING, SYSTEM_OWNER, now), -found.amount)]
            legs.append(Posting(wallet, found.amount))
        elif found.direction == WITHDRAWAL:
            held = await account(tx, WITHDRAWALS, SYSTEM_OWNER, now)
            to = await account(tx, FUNDING, SYSTEM_OWNER, now) if approve else wallet
            legs = [Posting(held, -found.amount), Posting(to, found.amount)]
        if not legs:
            return {"request_id": rid}
        kind = f"{found.direction}.{'approve' if approve else 'reject'}"
        moved = await post(tx, kind, legs, now, actor=operator, memo=reason, ref=f"funding:{rid}")
        await tx.execute(
            "UPDATE wallet_funding_requests SET transaction_id=$2 WHERE id=$1", rid, moved.id
        )
        return {"request_id": rid, "transaction_id": moved.id}

    return await run_once(tx, operator, key, fingerprint, now, work)


async def funding_request(db: Reader, me: UserId | None, rid: FundingId) -> FundingRequest:
    row = await db.fetchrow(f"SELECT {COLS} FROM wallet_funding_requests WHERE id=$1", rid)
    if row is None or (me is not None and row[1] != me):
        raise FundingRequestNotFound(request_id=rid)
    return _request_of(row)


async def funding_requests(
    db: Reader, me: UserId | None, status: str | None, limit: int = 100, before: int | None = None
) -> list[FundingRequest]:
    """Newest first: mine (`me`), or everyone's for operators (`me` None); a page of
    `limit` older than the request `before`."""
    rows = await db.fetch(
        f"SELECT {COLS} FROM wallet_funding_requests WHERE ($1::bigint IS NULL OR user_id=$1)"
        " AND ($2::text IS NULL OR status=$2) AND id < $4 ORDER BY id DESC LIMIT $3",
        me,
        status,
        limit,
        before or 2**63 - 1,
    )
    return [_request_of(r) for r in rows]


def _request_of(r: Row) -> FundingRequest:
    return FundingRequest(
        FundingId(r[0]),
        UserId(r[1]),
        r[2],
        int(r[3]),
        r[4],
        Instant(r[5]),
        None if r[6] is None else Instant(r[6]),
        None if r[7] is None else UserId(r[7]),
        None if r[8] is None else TransactionId(r[8]),
    )
