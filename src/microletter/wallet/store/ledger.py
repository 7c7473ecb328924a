"""The ledger's units of work (ports.Tx, ports.Reader), the same on both databases:
accounts, posting a transaction, statements, receipts and reconciliation.

`post` is the one writer of money. Inside the caller's transaction it updates each
account's balance with a guarded UPDATE (`... WHERE balance + amount >= 0`), in account id
order, and appends the transaction and its postings; a posting that would take an account
below zero raises InsufficientFunds and the whole transaction rolls back. On PostgreSQL
the UPDATE takes the account's row lock until COMMIT and re-reads the row it waited for,
so two payments from one wallet can never both pass on the same balance; on SQLite the
one writer runs one unit of work at a time. The postings are the truth: `reconcile`
checks that every balance equals the sum of its postings.
"""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Row, Tx
from microletter.storage import snapshot
from microletter.wallet.errors import InsufficientFunds, WalletTransactionNotFound
from microletter.wallet.rules import (
    FUNDING,
    PAGE,
    SYSTEM_OWNER,
    USER,
    Account,
    AccountId,
    Entry,
    Line,
    Mismatch,
    Posting,
    Reconciliation,
    Transaction,
    TransactionId,
    check_postings,
    reversal_of,
)

ENTRY_COLS = "p.transaction_id, p.line, p.account_id, p.amount, p.balance_after"
TX_COLS = "t.id, t.kind, t.actor_id, t.memo, t.ref, t.reverses, t.created_at"


async def account(tx: Tx, kind: str, owner: int, now: Instant) -> AccountId:
    """The account of `kind` and `owner` (a user's wallet: `USER` and their id; the
    system's: `SYSTEM_OWNER`), made on first use. Only FUNDING may go below zero."""
    found = await tx.fetchval(
        "SELECT id FROM wallet_accounts WHERE kind=$1 AND owner_id=$2", kind, owner
    )
    if found is not None:
        return AccountId(found)
    await tx.execute(
        "INSERT INTO wallet_accounts (id, kind, owner_id, balance, may_go_negative, created_at)"
        " VALUES ($1,$2,$3,0,$4,$5) ON CONFLICT (kind, owner_id) DO NOTHING",
        tx.new_id(now),
        kind,
        owner,
        kind == FUNDING,
        now,
    )
    made = await tx.fetchval(
        "SELECT id FROM wallet_accounts WHERE kind=$1 AND owner_id=$2", kind, owner
    )
    return AccountId(made)


async def new_accounts(tx: Tx, kind: str, owners: Sequence[int], now: Instant) -> list[AccountId]:
    """Make accounts of `kind` for each of `owners` (new owners: ids no account of this
    kind has yet), in one statement; their ids in the owners' order. For rooms that set
    money aside in many envelopes at once (a red packet's shares)."""
    await tx.executemany(
        "INSERT INTO wallet_accounts (id, kind, owner_id, balance, may_go_negative, created_at)"
        " VALUES ($1,$2,$3,0,false,$4)",
        [(tx.new_id(now), kind, owner, now) for owner in owners],
    )
    rows = await tx.fetch(
        "SELECT owner_id, id FROM wallet_accounts WHERE kind=$1 AND owner_id = ANY($2::bigint[])",
        kind,
        list(owners),
    )
    ids = {int(r[0]): AccountId(r[1]) for r in rows}
    return [ids[owner] for owner in owners]


async def accounts_of(tx: Tx, wanted: Sequence[tuple[str, int]], now: Instant) -> list[AccountId]:
    """The accounts of these (kind, owner) pairs, in order, found in one statement (a
    payment names two or three: one round trip, not one each); any not made yet is made
    as `account` makes it."""
    where = " OR ".join(
        f"(kind=${2 * i + 1} AND owner_id=${2 * i + 2})" for i in range(len(wanted))
    )
    args = [x for pair in wanted for x in pair]
    rows = await tx.fetch(f"SELECT kind, owner_id, id FROM wallet_accounts WHERE {where}", *args)
    found = {(r[0], int(r[1])): AccountId(r[2]) for r in rows}
    return [found.get(w) or await account(tx, w[0], w[1], now) for w in wanted]


async def wallet_of(tx: Tx, user_id: UserId, now: Instant) -> AccountId:
    """A user's wallet (made on first use)."""
    return await account(tx, USER, user_id, now)


async def post(
    tx: Tx,
    kind: str,
    postings: Sequence[Posting],
    now: Instant,
    *,
    actor: UserId | None = None,
    memo: str = "",
    ref: str | None = None,
    reverses: TransactionId | None = None,
    tid: TransactionId | None = None,
) -> Transaction:
    """Move money: one transaction of `postings` (summing to zero, on distinct accounts),
    appended in the caller's unit of work. InsufficientFunds (and nothing moved, once the
    caller's transaction rolls back) if any account but funding would go below zero.
    `tid`: the transaction's id, chosen before (`tx.new_id`) by a caller that writes
    rows naming it first (a checkout writes its order, then takes the money last)."""
    ordered = check_postings(postings)
    if tid is None:
        tid = TransactionId(tx.new_id(now))
    if tx.dialect == "postgresql":
        return await _post_at_once(tx, tid, kind, ordered, now, actor, memo, ref, reverses)
    entries = []
    for line, p in enumerate(ordered):
        balance = await tx.fetchval(
            "UPDATE wallet_accounts SET balance = balance + $2"
            " WHERE id=$1 AND (balance + $2 >= 0 OR may_go_negative) RETURNING balance",
            p.account_id,
            p.amount,
        )
        if balance is None:
            raise InsufficientFunds(account_id=p.account_id, amount=-p.amount)
        entries.append(Entry(tid, line, p.account_id, p.amount, int(balance)))
    await tx.execute(
        "INSERT INTO wallet_transactions (id, kind, actor_id, memo, ref, reverses, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7)",
        tid,
        kind,
        actor,
        memo,
        ref,
        reverses,
        now,
    )
    await tx.executemany(
        "INSERT INTO wallet_postings"
        " (transaction_id, line, account_id, amount, balance_after, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6)",
        [(e.transaction_id, e.line, e.account_id, e.amount, e.balance_after, now) for e in entries],
    )
    return Transaction(tid, kind, actor, memo, ref, reverses, now, tuple(entries))


# PostgreSQL: the whole of `post` in one round trip. `locked` takes the accounts' row
# locks in id order first (FOR UPDATE after ORDER BY locks in that order; MATERIALIZED,
# so it runs whole, before the update, and is not folded into its join), so payments
# that share accounts never deadlock; `moved` then applies the guarded amounts (a row
# whose guard fails is not returned: InsufficientFunds, and the caller's transaction
# rolls back whatever the other parts wrote); the transaction and its postings are
# written from what `moved` returns.
_POST = """
WITH moves AS (
  SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS m(line, account_id, amount)
), locked AS MATERIALIZED (
  SELECT a.id FROM wallet_accounts a WHERE a.id = ANY($2::bigint[]) ORDER BY a.id FOR UPDATE
), moved AS (
  UPDATE wallet_accounts a SET balance = a.balance + m.amount FROM moves m, locked l
  WHERE a.id = m.account_id AND l.id = a.id AND (a.balance + m.amount >= 0 OR a.may_go_negative)
  RETURNING a.id, a.balance
), t AS (
  INSERT INTO wallet_transactions (id, kind, actor_id, memo, ref, reverses, created_at)
  VALUES ($4, $5, $6, $7, $8, $9, $10)
), p AS (
  INSERT INTO wallet_postings (transaction_id, line, account_id, amount, balance_after, created_at)
  SELECT $4, m.line, m.account_id, m.amount, v.balance, $10 FROM moves m JOIN moved v
  ON v.id = m.account_id
)
SELECT id, balance FROM moved
"""


async def _post_at_once(
    tx: Tx,
    tid: TransactionId,
    kind: str,
    ordered: Sequence[Posting],
    now: Instant,
    actor: UserId | None,
    memo: str,
    ref: str | None,
    reverses: TransactionId | None,
) -> Transaction:
    rows = await tx.fetch(
        _POST,
        list(range(len(ordered))),
        [p.account_id for p in ordered],
        [p.amount for p in ordered],
        tid,
        kind,
        actor,
        memo,
        ref,
        reverses,
        now,
    )
    after = {int(r[0]): int(r[1]) for r in rows}
    for p in ordered:
        if p.account_id not in after:
            raise InsufficientFunds(account_id=p.account_id, amount=-p.amount)
    entries = tuple(
        Entry(tid, line, p.account_id, p.amount, after[p.account_id])
        for line, p in enumerate(ordered)
    )
    return Transaction(tid, kind, actor, memo, ref, reverses, now, entries)


# PostgreSQL: several transactions of distinct accounts in one round trip (`_POST` for
# many): the accounts of all of them locked in id order, moved, and each transaction
# with its postings written. An account may appear in only one of the transactions (an
# UPDATE ... FROM applies one move per row): `post_many` checks that.
_POST_MANY = """
WITH moves AS (
  SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[])
    AS m(tid, line, account_id, amount)
), locked AS MATERIALIZED (
  SELECT a.id FROM wallet_accounts a WHERE a.id = ANY($3::bigint[]) ORDER BY a.id FOR UPDATE
), moved AS (
  UPDATE wallet_accounts a SET balance = a.balance + m.amount FROM moves m, locked l
  WHERE a.id = m.account_id AND l.id = a.id AND (a.balance + m.amount >= 0 OR a.may_go_negative)
  RETURNING a.id, a.balance
), t AS (
  INSERT INTO wallet_transactions (id, kind, actor_id, memo, ref, reverses, created_at)
  SELECT t.id, $5, t.actor, $6, $7, NULL, $8
  FROM unnest($9::bigint[], $10::bigint[]) AS t(id, actor)
), p AS (
  INSERT INTO wallet_postings (transaction_id, line, account_id, amount, balance_after, created_at)
  SELECT m.tid, m.line, m.account_id, m.amount, v.balance, $8 FROM moves m JOIN moved v
  ON v.id = m.account_id
)
SELECT id, balance FROM moved
"""


async def post_many(
    tx: Tx,
    kind: str,
    batch: Sequence[tuple[Sequence[Posting], UserId | None]],
    now: Instant,
    *,
    memo: str = "",
    ref: str | None = None,
) -> list[Transaction]:
    """`post` for several transactions of one kind, memo and ref (each with its own
    postings and actor), appended in the caller's unit of work: on PostgreSQL in one
    statement when no account is in two of them. InsufficientFunds if any account but
    funding would go below zero (the caller's transaction then rolls back all of them;
    on SQLite it is raised before anything is written)."""
    checked = [(check_postings(postings), actor) for postings, actor in batch]
    accounts = [p.account_id for ordered, _ in checked for p in ordered]
    if len(set(accounts)) != len(accounts):
        return [
            await post(tx, kind, ordered, now, actor=actor, memo=memo, ref=ref)
            for ordered, actor in checked
        ]
    if tx.dialect != "postgresql":
        return await _post_many_sqlite(tx, kind, checked, accounts, now, memo, ref)
    tids = [TransactionId(tx.new_id(now)) for _ in checked]
    moves = [
        (tid, line, p.account_id, p.amount)
        for tid, (ordered, _) in zip(tids, checked, strict=True)
        for line, p in enumerate(ordered)
    ]
    columns = [list(c) for c in zip(*moves, strict=True)]
    actors = [actor for _, actor in checked]
    rows = await tx.fetch(_POST_MANY, *columns, kind, memo, ref, now, tids, actors)
    after = {int(r[0]): int(r[1]) for r in rows}
    for p in (p for ordered, _ in checked for p in ordered):
        if p.account_id not in after:
            raise InsufficientFunds(account_id=p.account_id, amount=-p.amount)
    return [
        Transaction(
            tid,
            kind,
            actor,
            memo,
            ref,
            None,
            now,
            tuple(
                Entry(tid, line, p.account_id, p.amount, after[p.account_id])
                for line, p in enumerate(ordered)
            ),
        )
        for tid, (ordered, actor) in zip(tids, checked, strict=True)
    ]


async def _post_many_sqlite(
    tx: Tx,
    kind: str,
    checked: Sequence[tuple[Sequence[Posting], UserId | None]],
    accounts: Sequence[AccountId],
    now: Instant,
    memo: str,
    ref: str | None,
) -> list[Transaction]:
    """SQLite: `post_many` in four statements whatever the number of transactions (one
    read of the balances, then each table written with `executemany`) instead of four
    per transaction. The guard is applied here, on balances read inside the writer's
    transaction: the one writer holds the database's write lock from BEGIN IMMEDIATE to
    COMMIT, so nothing changes a balance between this read and the UPDATE after it. Every
    refusal comes before the first write."""
    rows = await tx.fetch(
        "SELECT id, balance, may_go_negative FROM wallet_accounts WHERE id = ANY($1::bigint[])",
        list(accounts),
    )
    have = {int(r[0]): (int(r[1]), bool(r[2])) for r in rows}
    made: list[Transaction] = []
    balances: list[tuple[int, AccountId]] = []
    for ordered, actor in checked:
        tid = TransactionId(tx.new_id(now))
        entries = []
        for line, p in enumerate(ordered):
            balance, may_go_negative = have.get(p.account_id, (0, False))
            after = balance + p.amount
            if p.account_id not in have or (after < 0 and not may_go_negative):
                raise InsufficientFunds(account_id=p.account_id, amount=-p.amount)
            balances.append((after, p.account_id))
            entries.append(Entry(tid, line, p.account_id, p.amount, after))
        made.append(Transaction(tid, kind, actor, memo, ref, None, now, tuple(entries)))
    await tx.executemany("UPDATE wallet_accounts SET balance=$1 WHERE id=$2", balances)
    await tx.executemany(
        "INSERT INTO wallet_transactions (id, kind, actor_id, memo, ref, reverses, created_at)"
        " VALUES ($1,$2,$3,$4,$5,NULL,$6)",
        [(t.id, kind, t.actor_id, memo, ref, now) for t in made],
    )
    await tx.executemany(
        "INSERT INTO wallet_postings"
        " (transaction_id, line, account_id, amount, balance_after, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6)",
        [
            (e.transaction_id, e.line, e.account_id, e.amount, e.balance_after, now)
            for t in made
            for e in t.entries
        ],
    )
    return made


async def reverse(
    tx: Tx, tid: TransactionId, now: Instant, *, actor: UserId | None, memo: str
) -> Transaction:
    """Undo a transaction with a new one of opposite postings (the original stays)."""
    original = await transaction(tx, tid)
    return await post(
        tx,
        "reversal",
        reversal_of(original.entries),
        now,
        actor=actor,
        memo=memo,
        ref=original.ref,
        reverses=tid,
    )


async def transaction(db: Reader, tid: TransactionId) -> Transaction:
    row = await db.fetchrow(f"SELECT {TX_COLS} FROM wallet_transactions t WHERE t.id=$1", tid)
    if row is None:
        raise WalletTransactionNotFound(transaction_id=tid)
    rows = await db.fetch(
        f"SELECT {ENTRY_COLS} FROM wallet_postings p WHERE p.transaction_id=$1 ORDER BY p.line",
        tid,
    )
    return _transaction_of(row, [_entry_of(r) for r in rows])


async def find_account(db: Reader, kind: str, owner: int = SYSTEM_OWNER) -> Account | None:
    row = await db.fetchrow(
        "SELECT id, kind, owner_id, balance FROM wallet_accounts WHERE kind=$1 AND owner_id=$2",
        kind,
        owner,
    )
    return None if row is None else Account(AccountId(row[0]), row[1], row[2], int(row[3]))


async def balance(db: Reader, kind: str, owner: int = SYSTEM_OWNER) -> int:
    """An account's balance (0 for one never used)."""
    found = await find_account(db, kind, owner)
    return 0 if found is None else found.balance


async def accounts_by_id(db: Reader, ids: Sequence[int]) -> dict[AccountId, Account]:
    rows = await db.fetch(
        "SELECT id, kind, owner_id, balance FROM wallet_accounts WHERE id = ANY($1::bigint[])",
        list(ids),
    )
    return {AccountId(r[0]): Account(AccountId(r[0]), r[1], r[2], int(r[3])) for r in rows}


async def accounts(db: Reader) -> list[Account]:
    rows = await db.fetch("SELECT id, kind, owner_id, balance FROM wallet_accounts ORDER BY id")
    return [Account(AccountId(r[0]), r[1], r[2], int(r[3])) for r in rows]


async def statement(
    db: Reader, kind: str, owner: int, before: int | None, limit: int = PAGE
) -> list[Line]:
    """An account's movements, newest first, `limit` a page (`before`: a transaction id)."""
    rows = await db.fetch(
        "SELECT p.transaction_id, t.kind, p.amount, p.balance_after, t.memo, t.ref,"
        " t.created_at FROM wallet_accounts a"
        " JOIN wallet_postings p ON p.account_id = a.id"
        " JOIN wallet_transactions t ON t.id = p.transaction_id"
        " WHERE a.kind=$1 AND a.owner_id=$2 AND p.transaction_id < $3"
        " ORDER BY p.transaction_id DESC LIMIT $4",
        kind,
        owner,
        before if before is not None else 1 << 62,
        min(limit, PAGE),
    )
    return [
        Line(TransactionId(r[0]), r[1], int(r[2]), int(r[3]), r[4], r[5], Instant(r[6]))
        for r in rows
    ]


@snapshot
async def reconcile(db: Reader) -> Reconciliation:
    """Check the ledger in one snapshot: every transaction has two or more postings that
    sum to zero; every balance is the sum of its account's postings; no account but
    funding is below zero; all balances together are zero."""
    found: list[Mismatch] = []
    for r in await db.fetch(
        "SELECT t.id, COALESCE(sum(p.amount), 0), count(p.line) FROM wallet_transactions t"
        " LEFT JOIN wallet_postings p ON p.transaction_id = t.id"
        " GROUP BY t.id HAVING COALESCE(sum(p.amount), 0) <> 0 OR count(p.line) < 2"
    ):
        found.append(Mismatch("unbalanced", int(r[0]), 0, int(r[1])))
    for r in await db.fetch(
        "SELECT p.transaction_id, sum(p.amount) FROM wallet_postings p"
        " LEFT JOIN wallet_transactions t ON t.id = p.transaction_id"
        " WHERE t.id IS NULL GROUP BY p.transaction_id"
    ):
        found.append(Mismatch("orphan", int(r[0]), 0, int(r[1])))
    for r in await db.fetch(
        "SELECT a.id, a.balance, COALESCE(s.total, 0) FROM wallet_accounts a LEFT JOIN"
        " (SELECT account_id, sum(amount) AS total FROM wallet_postings GROUP BY account_id) s"
        " ON s.account_id = a.id WHERE a.balance <> COALESCE(s.total, 0)"
    ):
        found.append(Mismatch("balance", int(r[0]), int(r[2]), int(r[1])))
    for r in await db.fetch(
        "SELECT id, balance FROM wallet_accounts WHERE balance < 0 AND NOT may_go_negative"
    ):
        found.append(Mismatch("negative", int(r[0]), 0, int(r[1])))
    total = await db.fetchval("SELECT COALESCE(sum(balance), 0) FROM wallet_accounts")
    if int(total) != 0:
        found.append(Mismatch("total", 0, 0, int(total)))
    counts = await db.fetchrow(
        "SELECT (SELECT count(*) FROM wallet_transactions),"
        " (SELECT count(*) FROM wallet_postings), (SELECT count(*) FROM wallet_accounts)"
    )
    assert counts is not None  # a SELECT of scalars has one row
    return Reconciliation(int(counts[0]), int(counts[1]), int(counts[2]), tuple(found))


def _entry_of(r: Row) -> Entry:
    return Entry(TransactionId(r[0]), int(r[1]), AccountId(r[2]), int(r[3]), int(r[4]))


def _transaction_of(r: Row, entries: list[Entry]) -> Transaction:
    return Transaction(
        TransactionId(r[0]),
        r[1],
        None if r[2] is None else UserId(r[2]),
        r[3],
        r[4],
        None if r[5] is None else TransactionId(r[5]),
        Instant(r[6]),
        tuple(entries),
    )
