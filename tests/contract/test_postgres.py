"""What only the PostgreSQL store has to prove: several processes (here: several stores,
each with its own pool and node lease) writing to one database at once keep every
sequence dense and every send exactly once, without deadlocks; a failed write leaves no
trace; and an unreachable database is `Unavailable`, not a crash."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest

from microletter.core.errors import Unavailable
from microletter.core.ids import ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.messages import Draft
from microletter.core.models import Message
from microletter.ports import Store, Tx
from microletter.storage import Store as PostgresStore
from microletter.storage import messages as store_messages
from microletter.storage import open_database, open_store
from microletter.storage.postgres.database import PostgresDatabase
from tests.contract.conftest import befriend, new_user, now, text
from tests.contract.test_store import posted, whole_history, whole_log
from tests.support import services


def retries(store: PostgresStore) -> int:
    """Deadlocks and serialization failures the store's engine retried."""
    assert isinstance(store.db, PostgresDatabase)
    return store.db.engine.retries


@pytest.fixture
async def stores() -> AsyncIterator[list[PostgresStore]]:
    """Three stores on one fresh database, as three processes would have."""
    server = services.postgres_server()
    url = await server.new_database()
    opened: list[PostgresStore] = []
    try:
        for _ in range(3):
            store = await open_store(url, IdGenerator(0), Limits(), pool_size=4)
            assert isinstance(store.db, PostgresDatabase)
            opened.append(store)
        yield opened
    finally:
        for store in opened:
            await store.close()
        await server.drop(url)


async def test_each_process_leases_its_own_node_number(stores: list[PostgresStore]) -> None:
    users = [await new_user(store, f"user{i}") for i, store in enumerate(stores)]
    assert len({(u.id >> 8) & 0xF for u in users}) == len(stores)


async def test_many_processes_posting_in_overlapping_groups_keep_everything_dense(
    stores: list[PostgresStore],
) -> None:
    first = stores[0]
    people = [await new_user(first, f"p{i}") for i in range(8)]
    owner = people[0]
    for other in people[1:]:
        await befriend(first, owner.id, other.id)
    groups: list[tuple[ConversationId, list[UserId]]] = []
    rng = random.Random(5)
    for g in range(4):  # groups sharing members, so sends lock overlapping users
        members = [p.id for p in rng.sample(people[1:], 5)]
        made = await first.create_group(owner.id, members, f"g{g}", now())
        groups.append((made.value.id, [owner.id, *members]))

    async def send(store: Store, n: int) -> Message:
        cid, members = groups[n % len(groups)]
        sender = members[n % len(members)]
        return (await store.post_message(text(cid, sender, f"m{n}", "x"), now())).value

    sent = await asyncio.gather(*(send(stores[n % 3], n) for n in range(240)))

    # Locks are taken in one order (conversation, sender's member row, users by id).
    assert [retries(s) for s in stores] == [0, 0, 0], "no deadlock was retried"
    for cid, _ in groups:
        history = await whole_history(first, owner.id, cid)
        assert [m.seq for m in history] == list(range(1, len(history) + 1))
        assert sorted(m.client_msg_id for m in history if m.kind == "text") == sorted(
            m.client_msg_id for m in sent if m.conversation_id == cid
        )
    for person in people:
        log = await whole_log(first, person.id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        for cid, members in groups:
            if person.id in members:
                mine = [m.seq for m in posted(log, cid)]
                assert mine == sorted(mine), "a member's log has a conversation in seq order"
                assert mine == [m.seq for m in await whole_history(first, person.id, cid)]


async def test_the_same_send_through_two_processes_at_once_is_stored_once(
    stores: list[PostgresStore],
) -> None:
    a, b = stores[0], stores[1]
    alice, bob = await new_user(a, "alice"), await new_user(a, "bob")
    cid = await befriend(a, alice.id, bob.id)
    draft = text(cid, alice.id, "once", "hello")

    outcomes = await asyncio.gather(*(s.post_message(draft, now()) for s in (a, b) * 5))

    assert len({o.value.id for o in outcomes}) == 1
    assert sum(1 for o in outcomes if o.entries) == 1
    history = await whole_history(b, bob.id, cid)
    assert [m.client_msg_id for m in history].count("once") == 1


async def post_then_fail(tx: Tx, draft: Draft) -> None:
    await store_messages.post_message(tx, draft, now())
    raise RuntimeError("after writing")


async def test_a_write_failing_after_it_wrote_leaves_no_trace(
    stores: list[PostgresStore],
) -> None:
    store = stores[0]
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    heads = [await store.log_head(u.id) for u in (alice, bob)]
    with pytest.raises(RuntimeError):
        await store.db.write(post_then_fail, text(cid, alice.id, "lost", "x"))
    kept = await store.post_message(text(cid, alice.id, "kept", "x"), now())

    history = await whole_history(store, alice.id, cid)
    assert "lost" not in [m.client_msg_id for m in history]
    assert kept.value.seq == history[-1].seq == len(history)
    assert [await store.log_head(u.id) for u in (alice, bob)] == [h + 1 for h in heads]


async def test_an_unreachable_database_is_unavailable() -> None:
    with pytest.raises(Unavailable):
        await open_database(
            "postgresql://postgres@127.0.0.1:1/nothing", IdGenerator(0), Limits(), timeout=2
        )
