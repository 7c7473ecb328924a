"""The wallet's ledger on every Store backend: postings sum to zero, no balance but
funding goes below zero (and a refused payment moves nothing), idempotency keys replay
the first result, the ledger is append-only, transfers settle once, and the durable
scheduler runs a job once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from microletter.core.events import MessagePosted
from microletter.core.ids import UserId
from microletter.core.models import Instant, MessageKind
from microletter.ports import Reader, Store, Tx
from microletter.storage import JobStore, schedule_job
from microletter.wallet import (
    ESCROW,
    FUNDING,
    SYSTEM_OWNER,
    USER,
    InsufficientFunds,
    Posting,
    WalletStore,
    account,
    post,
    post_many,
    run_once,
    wallet_of,
)
from microletter.wallet.errors import (
    IdempotencyKeyReused,
    NotTransferRecipient,
    PaymentTokenExpired,
    PaymentTokenInvalid,
    TransferSettled,
)
from microletter.wallet.store.once import Result
from tests.contract.conftest import befriend, new_user, now

DAY = 86_400_000


async def credit(w: WalletStore, user: UserId, amount: int, key: str) -> Result:
    result, _ = await w.adjust(UserId(1), user, amount, "test", key, key, now())
    return result


async def test_a_credit_moves_money_from_funding_and_reconciles(store: Store) -> None:
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    await credit(w, alice.id, 1000, "k1")
    assert await w.balance(USER, alice.id) == 1000
    assert await w.balance(FUNDING) == -1000
    lines = await w.statement(USER, alice.id, None)
    assert [(x.kind, x.amount, x.balance_after) for x in lines] == [("credit", 1000, 1000)]
    r = await w.reconcile()
    assert r.ok and r.transactions == 1 and r.postings == 2


async def test_a_debit_beyond_the_balance_is_refused_and_moves_nothing(store: Store) -> None:
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    await credit(w, alice.id, 500, "k1")
    with pytest.raises(InsufficientFunds):
        await credit(w, alice.id, -501, "k2")
    assert await w.balance(USER, alice.id) == 500
    # the refused request left no key: it may be retried with the same key
    await credit(w, alice.id, -500, "k2")
    assert await w.balance(USER, alice.id) == 0
    assert (await w.reconcile()).ok


async def test_the_same_key_replays_and_another_body_is_refused(store: Store) -> None:
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    first, made = await w.adjust(UserId(1), alice.id, 700, "r", "key", "fp-a", now())
    again, made_again = await w.adjust(UserId(1), alice.id, 700, "r", "key", "fp-a", now())
    assert made and not made_again and first == again
    with pytest.raises(IdempotencyKeyReused):
        await w.adjust(UserId(1), alice.id, 900, "r", "key", "fp-b", now())
    assert await w.balance(USER, alice.id) == 700


async def test_postings_are_append_only(store: Store) -> None:
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    await credit(w, alice.id, 100, "k")

    async def tamper(tx: Tx) -> None:
        await tx.execute("UPDATE wallet_postings SET amount = amount * 2")

    with pytest.raises(Exception, match="append-only"):
        await store.db.write(tamper)
    assert (await w.reconcile()).ok


async def test_reconcile_finds_a_balance_that_is_not_its_postings(store: Store) -> None:
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    await credit(w, alice.id, 100, "k")

    async def skew(tx: Tx) -> None:
        await tx.execute(
            "UPDATE wallet_accounts SET balance = balance + 1 WHERE owner_id=$1", alice.id
        )

    await store.db.write(skew)
    r = await w.reconcile()
    assert not r.ok
    assert {m.what for m in r.mismatches} == {"balance", "total"}


async def test_another_room_posts_through_the_door(store: Store) -> None:
    """The API other rooms use: run_once + post in their own unit of work."""
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    await credit(w, alice.id, 300, "k")

    async def packet(tx: Tx, key: str, amount: int) -> tuple[Result, bool]:
        async def work() -> Result:
            moved = await post(
                tx,
                "redpacket.send",
                [
                    Posting(await wallet_of(tx, alice.id, now()), -amount),
                    Posting(await account(tx, ESCROW, SYSTEM_OWNER, now()), amount),
                ],
                now(),
                actor=alice.id,
            )
            return {"transaction_id": moved.id}

        return await run_once(tx, alice.id, key, f"packet:{amount}", now(), work)

    done = (await store.db.write(packet, "p1", 200)).value
    assert done[1] and (await store.db.write(packet, "p1", 200)).value == (done[0], False)
    with pytest.raises(InsufficientFunds):
        await store.db.write(packet, "p2", 101)
    assert await w.balance(USER, alice.id) == 100 and await w.balance(ESCROW) == 200
    assert (await w.reconcile()).ok


async def test_post_many_moves_several_transactions_at_once_or_none_of_them(store: Store) -> None:
    w = WalletStore(store.db)
    alice, bob, carol, dave = [await new_user(store, n) for n in ("alice", "bob", "carol", "dave")]
    await credit(w, alice.id, 100, "k1")
    await credit(w, bob.id, 50, "k2")

    async def pay(tx: Tx, pairs: list[tuple[UserId, UserId, int]]) -> list[list[int]]:
        batch = [
            (
                [
                    Posting(await wallet_of(tx, a, now()), -amount),
                    Posting(await wallet_of(tx, b, now()), amount),
                ],
                a,
            )
            for a, b, amount in pairs
        ]
        moved = await post_many(tx, "gift", batch, now(), memo="m", ref="r")
        return [[e.balance_after for e in t.entries] for t in moved]

    # distinct accounts (one statement on PostgreSQL): balances after, in account order
    done = await store.db.write(pay, [(alice.id, carol.id, 30), (bob.id, dave.id, 10)])
    assert done.value == [[70, 30], [40, 10]]
    # bob in both (one by one, in order: he gets 20 before he gives 55)
    await store.db.write(pay, [(alice.id, bob.id, 20), (bob.id, carol.id, 55)])
    got = [await w.balance(USER, u.id) for u in (alice, bob, carol, dave)]
    assert got == [50, 5, 85, 10]
    with pytest.raises(InsufficientFunds):  # bob's would go below zero: neither moves
        await store.db.write(pay, [(alice.id, dave.id, 5), (bob.id, carol.id, 6)])
    assert [await w.balance(USER, u.id) for u in (alice, bob, carol, dave)] == got
    r = await w.reconcile()
    assert r.ok and r.transactions == 6 and r.postings == 12


async def token(w: WalletStore, user: UserId, at: Instant, life: int = 60_000) -> str:
    hashed, _ = await w.begin_attempt(user, at, most=5, lock_ms=1000)
    assert hashed is not None
    name = f"t{user}{at}"
    await w.end_attempt(user, True, at, most=5, lock_ms=1000, token_hash=name, token_ms=life)
    return name


async def test_a_transfer_is_escrowed_then_accepted_once(store: Store) -> None:
    w = WalletStore(store.db)
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await w.set_pay_password(alice.id, "hash", now())
    await credit(w, alice.id, 1000, "k")
    t = now()
    sent = await w.send_transfer(
        alice.id, cid, 400, "lunch", "CNY", "s1", "fp", await token(w, alice.id, t), t, DAY
    )
    card = [e.event for e in sent.entries if isinstance(e.event, MessagePosted)]
    assert card and card[0].message.kind is MessageKind.TRANSFER
    tid = sent.value[0]["transfer_id"]
    assert isinstance(tid, int)
    assert await w.balance(USER, alice.id) == 600 and await w.balance(ESCROW) == 400
    with pytest.raises(NotTransferRecipient):
        await w.settle_transfer(alice.id, tid, "accept", "a0", "fp", now())  # type: ignore[arg-type]  # an int from the result
    accepted = await w.settle_transfer(bob.id, tid, "accept", "a1", "fpa", now())  # type: ignore[arg-type]  # an int from the result
    notes = [e.event for e in accepted.entries if isinstance(e.event, MessagePosted)]
    assert {n.message.data["action"] for n in notes if n.message.data} == {"transfer.accepted"}
    with pytest.raises(TransferSettled):
        await w.settle_transfer(bob.id, tid, "return", "a2", "fpr", now())  # type: ignore[arg-type]  # an int from the result
    assert await w.balance(USER, bob.id) == 400 and await w.balance(ESCROW) == 0
    # the payment token was spent by the transfer
    with pytest.raises(PaymentTokenInvalid):
        await w.send_transfer(
            alice.id, cid, 1, "", "CNY", "s2", "fp2", f"t{alice.id}{t}", now(), DAY
        )
    assert (await w.reconcile()).ok


async def test_an_expired_payment_token_moves_nothing(store: Store) -> None:
    w = WalletStore(store.db)
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await w.set_pay_password(alice.id, "hash", now())
    await credit(w, alice.id, 1000, "k")
    t = now()
    old = await token(w, alice.id, Instant(t - 120_000))
    with pytest.raises(PaymentTokenExpired):
        await w.send_transfer(alice.id, cid, 1, "", "CNY", "s", "fp", old, t, DAY)
    assert await w.balance(USER, alice.id) == 1000


async def test_five_wrong_payment_passwords_lock_payments(store: Store) -> None:
    w = WalletStore(store.db)
    alice = await new_user(store, "alice")
    await w.set_pay_password(alice.id, "hash", now())
    t = now()
    for left in (4, 3, 2, 1, 0):
        hashed, _ = await w.begin_attempt(alice.id, t, most=5, lock_ms=60_000)
        assert hashed == "hash"
        got = await w.end_attempt(
            alice.id, False, t, most=5, lock_ms=60_000, token_hash="x", token_ms=1
        )
        assert got == left
    assert await w.begin_attempt(alice.id, t, most=5, lock_ms=60_000) == (None, t + 60_000)
    # the lock ends, and the count starts again
    hashed, _ = await w.begin_attempt(alice.id, Instant(t + 60_000), most=5, lock_ms=60_000)
    assert hashed == "hash"


async def test_an_unaccepted_transfer_is_refunded_once_by_the_scheduler(store: Store) -> None:
    from microletter.wallet import JOBS

    w, jobs = WalletStore(store.db), JobStore(store.db)
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await w.set_pay_password(alice.id, "hash", now())
    await credit(w, alice.id, 1000, "k")
    t = now()
    await w.send_transfer(
        alice.id, cid, 250, "", "CNY", "s", "fp", await token(w, alice.id, t), t, DAY
    )
    assert await jobs.claim("a", Instant(t + DAY - 1), 60_000, 10) == []
    due = await jobs.claim("a", Instant(t + DAY), 60_000, 10)
    assert len(due) == 1 and await jobs.claim("b", Instant(t + DAY), 60_000, 10) == []
    handler = JOBS[0].handler
    # two processes run the same job (a lease that ran out): its work commits once
    first, second = await asyncio.gather(
        jobs.run(due[0], handler, Instant(t + DAY)), jobs.run(due[0], handler, Instant(t + DAY))
    )
    assert sorted([first.value, second.value]) == [False, True]
    assert await w.balance(USER, alice.id) == 1000 and await w.balance(ESCROW) == 0
    assert (await w.reconcile()).ok


async def test_a_job_survives_and_is_claimed_again_after_its_lease(store: Store) -> None:
    jobs = JobStore(store.db)

    async def handler(tx: Tx, payload: dict[str, Any], at: Instant) -> None:
        # Recorded in the database: the handler may run in another process (the writer's).
        await tx.execute("INSERT INTO meta (key, value) VALUES ('test.ran', $1)", str(payload))

    async def schedule(tx: Tx) -> bool:
        return await schedule_job(tx, "test", "job:1", {"n": 1}, Instant(100), Instant(0))

    assert (await store.db.write(schedule)).value
    assert not (await store.db.write(schedule)).value  # one job per key
    (job,) = await jobs.claim("a", Instant(100), 1000, 10)  # "a" dies holding it
    assert await jobs.claim("b", Instant(500), 1000, 10) == []
    (again,) = await jobs.claim("b", Instant(1100), 1000, 10)
    assert again.id == job.id and again.attempts == 2
    assert (await jobs.run(again, handler, Instant(1100))).value
    ran = await store.db.read(_fetchval, "SELECT value FROM meta WHERE key='test.ran'")
    assert ran == str({"n": 1})
    assert await jobs.claim("c", Instant(10_000), 1000, 10) == []


async def _fetchval(db: Reader, query: str) -> Any:
    return await db.fetchval(query)
