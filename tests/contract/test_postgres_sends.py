"""PostgreSQL's batched sends (storage/postgres/sends.py): sends that arrive together share
one transaction, and each still gets exactly its own answer: its message and log entries,
or its refusal, or the original of a repeated client_msg_id."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from microletter.core.errors import Blocked, ConversationNotFound, NotMember
from microletter.core.events import LogEntry, MessagePosted, Outcome
from microletter.core.ids import ConversationId, IdGenerator
from microletter.core.limits import Limits
from microletter.core.models import Message
from microletter.ports import Tx
from microletter.storage import Store as PostgresStore
from microletter.storage import open_store
from microletter.storage.postgres.database import PostgresDatabase
from tests.contract.conftest import befriend, new_user, now, text
from tests.contract.test_store import whole_history, whole_log
from tests.support import services


@pytest.fixture
async def pg() -> AsyncIterator[tuple[PostgresStore, str]]:
    server = services.postgres_server()
    url = await server.new_database()
    store = await open_store(url, IdGenerator(0), Limits(), pool_size=4)
    try:
        yield store, url
    finally:
        await store.close()
        await server.drop(url)


def batcher_of(store: PostgresStore) -> tuple[int, int]:
    assert isinstance(store.db, PostgresDatabase)
    return store.db.sends.batches, store.db.sends.batched


async def test_sends_that_arrive_together_share_a_transaction_and_keep_their_own_entries(
    pg: tuple[PostgresStore, str],
) -> None:
    store, _ = pg
    people = [await new_user(store, f"p{i}") for i in range(6)]
    cids = [await befriend(store, people[i].id, people[i + 1].id) for i in range(0, 6, 2)]
    batches, batched = batcher_of(store)

    outcomes = await asyncio.gather(
        *(
            store.post_message(text(cids[n % 3], people[n % 3 * 2].id, f"m{n}", f"x{n}"), now())
            for n in range(60)
        )
    )

    after = batcher_of(store)
    assert after[1] - batched == 60
    assert after[0] - batches < 10, "the sends shared transactions"
    for n, outcome in enumerate(outcomes):
        message = outcome.value
        assert message.client_msg_id == f"m{n}" and message.text == f"x{n}"
        sender, peer = people[n % 3 * 2].id, people[n % 3 * 2 + 1].id
        assert sorted(e.user_id for e in outcome.entries) == sorted([sender, peer])
        assert all(e.event == MessagePosted(message) for e in outcome.entries)
    for i, cid in enumerate(cids):
        history = await whole_history(store, people[i * 2].id, cid)
        assert [m.seq for m in history] == list(range(1, len(history) + 1))
        assert len([m for m in history if m.kind == "text"]) == 20
        log = await whole_log(store, people[i * 2 + 1].id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))


async def test_each_send_of_a_batch_gets_its_own_refusal_or_its_original(
    pg: tuple[PostgresStore, str],
) -> None:
    store, _ = pg
    alice, bob, carol = [await new_user(store, n) for n in ("alice", "bob", "carol")]
    ab = await befriend(store, alice.id, bob.id)
    ac = await befriend(store, alice.id, carol.id)
    await store.block(carol.id, alice.id, now())
    stored = (await store.post_message(text(ab, alice.id, "stored", "first"), now())).value

    results = await asyncio.gather(
        store.post_message(text(ab, alice.id, "new", "a"), now()),
        store.post_message(text(ab, carol.id, "intruder", "b"), now()),  # not a member
        store.post_message(text(ac, alice.id, "blocked", "c"), now()),  # carol blocked alice
        store.post_message(text(ConversationId(12345), alice.id, "nowhere", "d"), now()),
        store.post_message(text(ab, alice.id, "stored", "again"), now()),  # committed before
        store.post_message(text(ab, bob.id, "twice", "e"), now()),
        store.post_message(text(ab, bob.id, "twice", "e"), now()),  # a repeat in the batch
        return_exceptions=True,
    )

    new, intruder, blocked, nowhere, again, twice, repeat = results
    assert isinstance(intruder, NotMember)
    assert isinstance(blocked, Blocked)
    assert isinstance(nowhere, ConversationNotFound)
    assert isinstance(again, Outcome) and again.value == stored and again.entries == ()
    assert isinstance(twice, Outcome) and isinstance(repeat, Outcome)
    assert repeat.value == twice.value and twice.entries and repeat.entries == ()
    assert isinstance(new, Outcome) and len(new.entries) == 2
    history = await whole_history(store, alice.id, ab)
    texts = [m.client_msg_id for m in history if m.kind == "text"]
    assert sorted(texts) == ["new", "stored", "twice"]
    assert [m.seq for m in history] == list(range(1, len(history) + 1))
    assert await store.log_head(bob.id) == len(await whole_log(store, bob.id))


async def test_a_batch_that_waited_for_a_lock_sees_the_members_committed_meanwhile(
    pg: tuple[PostgresStore, str],
) -> None:
    store, url = pg
    alice, bob, carol = [await new_user(store, n) for n in ("alice", "bob", "carol")]
    await befriend(store, alice.id, bob.id)
    cid = (await store.create_group(alice.id, [bob.id], "team", now())).value.id
    other, watcher = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        holder = other.transaction()
        await holder.start()
        await other.execute("SELECT 1 FROM conversations WHERE id=$1 FOR UPDATE", cid)
        sends = [
            asyncio.ensure_future(store.post_message(text(cid, alice.id, f"m{n}", "x"), now()))
            for n in range(5)
        ]
        for _ in range(200):  # until the batch waits for the lock
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type='Lock'"
                " AND query LIKE '%WITH b AS%'"
            )
            if waiting:
                break
            await asyncio.sleep(0.01)
        assert waiting, "the batch did not wait for the conversation's lock"
        # carol joins while the batch waits (as add_members would: the row changes too)
        await other.execute(
            "INSERT INTO members (conversation_id, user_id, role, joined_seq, last_read_seq,"
            " muted, joined_at) VALUES ($1, $2, 'member', 1, 0, false, 0)",
            cid,
            carol.id,
        )
        await other.execute(
            "UPDATE conversations SET member_count = member_count + 1 WHERE id=$1", cid
        )
        await holder.commit()
        outcomes: list[Outcome[Message]] = await asyncio.gather(*sends)
    finally:
        await other.close()
        await watcher.close()

    for outcome in outcomes:
        assert carol.id in {e.user_id for e in outcome.entries}, "the members as committed"
    assert len(posted_to(await whole_log(store, carol.id), cid)) == 5


def posted_to(log: list[LogEntry], cid: ConversationId) -> list[LogEntry]:
    return [
        e
        for e in log
        if isinstance(e.event, MessagePosted) and e.event.message.conversation_id == cid
    ]


class _RefusesPoison:
    """A message index that breaks on one text (a bug in a feature room's hook)."""

    async def posted(self, tx: Tx, message: Message) -> None:
        if message.text == "poison":
            raise RuntimeError("a broken index")

    async def recalled(self, tx: Tx, message: Message) -> None:
        return None


async def test_a_batch_broken_by_one_send_commits_the_others_alone(
    pg: tuple[PostgresStore, str],
) -> None:
    store, _ = pg
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    store.db.add_index(_RefusesPoison())

    results = await asyncio.gather(
        *(
            store.post_message(text(cid, alice.id, f"m{n}", "poison" if n == 3 else "ok"), now())
            for n in range(6)
        ),
        return_exceptions=True,
    )

    assert isinstance(results[3], RuntimeError)
    assert all(
        isinstance(r, Outcome) and len(r.entries) == 2 for i, r in enumerate(results) if i != 3
    )
    history = await whole_history(store, alice.id, cid)
    assert sorted(m.client_msg_id for m in history if m.kind == "text") == [
        f"m{n}" for n in (0, 1, 2, 4, 5)
    ]
    assert [m.seq for m in history] == list(range(1, len(history) + 1))
