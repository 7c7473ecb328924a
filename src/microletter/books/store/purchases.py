"""Buying chapters and works, and reading sessions (units of work, both databases).

A purchase is one unit of work: the idempotency key, the payment (a payment token
spent, or the reading session's spending limit taken by a guarded UPDATE), the rules'
price for what the reader owns now, the money (the reader's wallet → the shop's pending
account, one ledger transaction) and the purchase's row, whose unique (user, work,
chapter) index (over purchases not refunded) makes a second purchase of the same chapter
impossible even when two race.
The purchase's settlement is scheduled in the same unit of work (store/sales.py).
Anything refused rolls all of it back: nothing moves.

Lock order (PostgreSQL): the key's row, the token's row, the reader's shelf row for the
work (so one reader's purchases in a work go one at a time; other readers' never wait
for it), the session's row, then the wallet accounts in id order (`post`).
"""

from __future__ import annotations

from microletter.books.errors import (
    ChapterNotFound,
    ReadingSessionInvalid,
    SpendingLimitReached,
)
from microletter.books.rules import WHOLE, WorkId, price_of
from microletter.books.store.rows import load_ownership, load_work
from microletter.books.store.sales import schedule_settlement
from microletter.core.events import CollectionChanged
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Tx
from microletter.shop import PENDING
from microletter.wallet import Posting, Result, account, post, run_once, spend_token, wallet_of


async def open_session(
    tx: Tx,
    me: UserId,
    wid: WorkId,
    limit: int,
    token_hash: str,
    session_hash: str,
    expires_at: Instant,
    now: Instant,
) -> int:
    """A reading session: the payment token spent once, for purchases in this work up
    to `limit` until `expires_at`. Its id."""
    await spend_token(tx, me, token_hash, now)
    await load_work(tx, wid)
    sid = tx.new_id(now)
    await tx.execute(
        "INSERT INTO books_sessions (id, token_hash, user_id, work_id, spending_limit, spent,"
        " expires_at, created_at) VALUES ($1,$2,$3,$4,$5,0,$6,$7)",
        sid,
        session_hash,
        me,
        wid,
        limit,
        expires_at,
        now,
    )
    return sid


async def _charge_session(
    tx: Tx, me: UserId, wid: WorkId, session_hash: str, price: int, now: Instant
) -> int:
    """Add `price` to the session's spending, within its limit; its id."""
    row = await tx.fetchrow(
        "UPDATE books_sessions SET spent=spent+$4 WHERE token_hash=$1 AND user_id=$2"
        " AND work_id=$3 AND expires_at > $5 AND spent+$4 <= spending_limit"
        " RETURNING id",
        session_hash,
        me,
        wid,
        price,
        now,
    )
    if row is not None:
        return int(row[0])
    found = await tx.fetchrow(
        "SELECT spending_limit, spent FROM books_sessions WHERE token_hash=$1 AND user_id=$2"
        " AND work_id=$3 AND expires_at > $4",
        session_hash,
        me,
        wid,
        now,
    )
    if found is None:
        raise ReadingSessionInvalid(work_id=wid)
    raise SpendingLimitReached(
        spending_limit=int(found[0]), spent=int(found[1]), price=price, work_id=wid
    )


async def buy(
    tx: Tx,
    me: UserId,
    wid: WorkId,
    chapter: int,
    confirmed: int | None,
    token_hash: str | None,
    session_hash: str | None,
    key: str,
    fingerprint: str,
    now: Instant,
    settle_ms: int = 0,
) -> tuple[Result, bool]:
    """Buy a chapter (or the whole work: WHOLE), once per (me, key), its settlement due
    `settle_ms` later. ChapterAlreadyBought, ChapterFree, PriceChanged,
    SpendingLimitReached, InsufficientFunds leave nothing."""

    async def work_() -> Result:
        if token_hash is not None:
            await spend_token(tx, me, token_hash, now)
        work = await load_work(tx, wid)
        if chapter != WHOLE and not 1 <= chapter <= work.chapters:
            raise ChapterNotFound(work_id=wid, chapter=chapter)
        # my shelf row, locked: my purchases in this work go one at a time, so a second
        # one sees the first's row (and is refused) instead of racing it to the INSERT
        await _shelve(tx, me, wid, now)
        await tx.fetchval(
            "SELECT 1 FROM books_shelf WHERE user_id=$1 AND work_id=$2 FOR UPDATE", me, wid
        )
        owned = await load_ownership(tx, me, wid)
        price = price_of(work, chapter, owned, confirmed)
        sid = None
        if session_hash is not None:
            sid = await _charge_session(tx, me, wid, session_hash, price, now)
        pid = tx.new_id(now)
        paid = await post(
            tx,
            "books.purchase",
            [
                Posting(await wallet_of(tx, me, now), -price),
                Posting(await account(tx, PENDING, work.shop_id, now), price),
            ],
            now,
            actor=me,
            memo=work.title[:100],
            ref=f"books-purchase:{pid}",
        )
        await tx.execute(
            "INSERT INTO books_purchases (id, user_id, work_id, shop_id, chapter, amount, pay_tx,"
            " session_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            pid,
            me,
            wid,
            work.shop_id,
            chapter,
            price,
            paid.id,
            sid,
            now,
        )
        await schedule_settlement(tx, pid, settle_ms, now)  # fulfilled now, settled later
        tx.append([(me, CollectionChanged("bookshelf"))], now)
        return {"purchase_id": pid, "transaction_id": paid.id, "amount": price, "chapter": chapter}

    return await run_once(tx, me, key, fingerprint, now, work_)


async def _shelve(tx: Tx, me: UserId, wid: WorkId, now: Instant) -> None:
    await tx.execute(
        "INSERT INTO books_shelf (user_id, work_id, chapter, position, auto_purchase,"
        " spending_limit, added_at, updated_at) VALUES ($1,$2,1,0,false,0,$3,$3)"
        " ON CONFLICT (user_id, work_id) DO NOTHING",
        me,
        wid,
        now,
    )


async def session_left(db: Reader, me: UserId, session_hash: str, now: Instant) -> tuple[int, int]:
    """(limit, spent) of my live reading session (ReadingSessionInvalid otherwise)."""
    row = await db.fetchrow(
        "SELECT spending_limit, spent FROM books_sessions WHERE token_hash=$1 AND user_id=$2"
        " AND expires_at > $3",
        session_hash,
        me,
        now,
    )
    if row is None:
        raise ReadingSessionInvalid()
    return int(row[0]), int(row[1])


async def forget_sessions(tx: Tx, expired_before: Instant, limit: int = 1000) -> int:
    return await tx.execute(
        "DELETE FROM books_sessions WHERE id IN (SELECT id FROM books_sessions"
        " WHERE expires_at < $1 LIMIT $2)",
        expired_before,
        limit,
    )
