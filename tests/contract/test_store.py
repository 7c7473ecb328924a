"""The Store contract, for every backend: dense sequences under concurrency, exactly-once
posting, isolated failures, durability, and an update log that tells the truth."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Sequence
from pathlib import Path

import pytest

from microletter.core.errors import NotMember, UsernameTaken
from microletter.core.events import LogEntry, MessagePosted, MessageRecalled, Outcome
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import Draft
from microletter.core.models import Instant, Message, Snapshot
from microletter.ports import Store, Tx
from microletter.storage import messages as store_messages
from microletter.storage.sqlite.database import SqliteDatabase
from microletter.storage.sqlite.engine import Writer
from tests.contract.conftest import StoreBackend, befriend, new_user, now, text


async def whole_log(store: Store, user_id: UserId, page: int = 500) -> list[LogEntry]:
    entries: list[LogEntry] = []
    while batch := await store.read_log(user_id, entries[-1].seq if entries else 0, page):
        entries += batch
    return entries


async def whole_history(store: Store, me: UserId, cid: ConversationId) -> list[Message]:
    messages: list[Message] = []
    while batch := await store.history(me, cid, None, messages[-1].seq if messages else 0, 100):
        messages += batch
    return messages


def posted(entries: Sequence[LogEntry], cid: ConversationId) -> list[Message]:
    return [
        e.event.message
        for e in entries
        if isinstance(e.event, MessagePosted) and e.event.message.conversation_id == cid
    ]


def writer_of(store: Store) -> Writer | None:
    """The SQLite writer behind a store (None on PostgreSQL)."""
    return store.db.writer if isinstance(store.db, SqliteDatabase) else None


async def together(store: Store, writes: Sequence[Awaitable[object]]) -> list[object]:
    """Run writes concurrently, each submitted in the same turn of the event loop, and
    return their results or errors in order. The SQLite writer takes everything queued
    when it wakes, so these land in one batch; the stats prove it."""
    writer = writer_of(store)
    before = writer.stats.batches if writer is not None else 0
    results = await asyncio.gather(*writes, return_exceptions=True)
    if writer is not None:
        assert writer.stats.batches - before == 1, "the writes did not share a batch"
    return results


# --- sequences under concurrency ---


async def test_concurrent_posts_get_dense_seqs_and_every_log_stays_dense(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    before = (await store.conversation(alice.id, cid)).conversation.last_seq
    senders = [alice.id, bob.id] * 100

    outcomes = await asyncio.gather(
        *(
            store.post_message(text(cid, sender, f"m{i}", f"message {i}"), now())
            for i, sender in enumerate(senders)
        )
    )

    seqs = sorted(o.value.seq for o in outcomes)
    assert seqs == list(range(before + 1, before + 201))
    history = await whole_history(store, alice.id, cid)
    assert [m.seq for m in history] == list(range(1, before + 201))
    assert len({m.id for m in history}) == len(history)
    for user in (alice, bob):
        log = await whole_log(store, user.id, page=37)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        assert await store.log_head(user.id) == len(log)
        in_log = [m.seq for m in posted(log, cid)]
        assert sorted(in_log) == list(range(1, before + 201)), "each message once per member"


async def test_the_same_client_msg_id_posted_concurrently_makes_one_message(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)

    outcomes = await asyncio.gather(
        *(store.post_message(text(cid, alice.id, "once", f"try {i}"), now()) for i in range(20))
    )

    assert len({o.value for o in outcomes}) == 1
    assert sum(1 for o in outcomes if o.entries) == 1, "only the first post announces"
    history = await whole_history(store, bob.id, cid)
    assert [m.client_msg_id for m in history].count("once") == 1
    for user in (alice, bob):
        log = await whole_log(store, user.id)
        assert [m.client_msg_id for m in posted(log, cid)].count("once") == 1


async def test_a_client_msg_id_is_unique_per_sender_not_per_conversation(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    mine = await store.post_message(text(cid, alice.id, "same", "from alice"), now())
    theirs = await store.post_message(text(cid, bob.id, "same", "from bob"), now())
    again = await store.post_message(text(cid, alice.id, "same", "changed text"), now())
    assert mine.value.seq != theirs.value.seq
    assert again.value == mine.value
    assert again.entries == ()


async def test_a_failing_write_in_a_concurrent_batch_spares_its_neighbours(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    carol = await new_user(store, "carol")
    cid = await befriend(store, alice.id, bob.id)
    head_before = await store.log_head(bob.id)
    writes: list[Awaitable[object]] = []
    for i in range(30):
        sender = carol.id if i % 3 == 1 else alice.id  # carol is not a member
        writes.append(store.post_message(text(cid, sender, f"m{i}", "x"), now()))
    writes.append(store.create_user("bob", "h", "Bob again", "en", now()))

    results = await together(store, writes)

    failed = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, NotMember) for r in failed[:-1]) and len(failed) == 11
    assert isinstance(results[-1], UsernameTaken)
    committed = [r.value for r in results if isinstance(r, Outcome)]
    assert len(committed) == 20
    history = await whole_history(store, bob.id, cid)
    assert {m.client_msg_id for m in history} >= {m.client_msg_id for m in committed}
    assert [m.seq for m in history] == list(range(1, len(history) + 1))
    bob_log = await whole_log(store, bob.id)
    assert len(bob_log) == head_before + 20
    assert [e.seq for e in bob_log] == list(range(1, len(bob_log) + 1))
    assert await store.log_head(carol.id) == 0
    after = await store.post_message(text(cid, alice.id, "after", "x"), now())
    assert after.value.seq == history[-1].seq + 1, "the failures left no trace in the seqs"
    assert [e.seq for e in after.entries if e.user_id == bob.id] == [len(bob_log) + 1]


async def post_then_fail(tx: Tx, draft: Draft, at: Instant) -> None:
    """A unit of work that posts (on SQLite: moving seqs, log heads and read positions in
    the writer's memory) and then fails, so all of it must be undone."""
    await store_messages.post_message(tx, draft, at)
    raise RuntimeError("failed after writing")


async def post_and_fail(store: Store, draft: Draft) -> None:
    await store.db.write(post_then_fail, draft, now())


async def test_a_job_failing_after_it_wrote_leaves_no_trace(sqlite_store: Store) -> None:
    store = sqlite_store
    assert writer_of(store) is not None  # batches with savepoints are the SQLite writer's
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    with pytest.raises(RuntimeError):
        await post_and_fail(store, text(cid, alice.id, "lost0", "x"))  # alone in its batch

    results = await together(
        store,
        [
            store.post_message(text(cid, alice.id, "kept1", "x"), now()),
            post_and_fail(store, text(cid, bob.id, "lost1", "x")),
            store.post_message(text(cid, alice.id, "kept2", "x"), now()),
        ],
    )
    assert isinstance(results[1], RuntimeError)
    later = await store.post_message(text(cid, alice.id, "kept3", "x"), now())

    history = await whole_history(store, alice.id, cid)
    assert [m.seq for m in history] == list(range(1, len(history) + 1))
    assert [m.client_msg_id for m in history[-3:]] == ["kept1", "kept2", "kept3"]
    assert later.value.seq == history[-1].seq
    for user in (alice, bob):
        log = await whole_log(store, user.id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        assert "lost1" not in [m.client_msg_id for m in posted(log, cid)]
    view = await store.conversation(bob.id, cid)
    assert view.conversation.last_seq == later.value.seq
    assert view.last_read_seq < history[-3].seq, "bob's failed post did not mark anything read"


async def test_group_commit_batches_concurrent_writes(sqlite_store: Store) -> None:
    store = sqlite_store
    writer = writer_of(store)
    assert writer is not None  # group commit is how the SQLite writer works
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    stats = writer.stats
    batches, jobs = stats.batches, stats.jobs

    await asyncio.gather(
        *(store.post_message(text(cid, alice.id, f"m{i}", "x"), now()) for i in range(200))
    )

    assert stats.jobs - jobs == 200
    assert stats.batches - batches < stats.jobs - jobs


async def test_group_changes_mixed_with_posts_keep_seqs_and_members_right(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    carol = await new_user(store, "carol")
    await befriend(store, alice.id, bob.id)
    await befriend(store, alice.id, carol.id)
    cid = (await store.create_group(alice.id, [bob.id], "team", now())).value.id
    writes: list[Awaitable[object]] = []
    for i in range(20):
        writes.append(store.post_message(text(cid, alice.id, f"m{i}", "x"), now()))
        if i == 9:
            writes.append(store.add_members(alice.id, cid, [carol.id], now()))
            writes.append(store.set_muted(bob.id, cid, True, now()))
            writes.append(store.mark_read(bob.id, cid, 5, now()))

    results = await together(store, writes)

    assert not [r for r in results if isinstance(r, BaseException)]
    history = await whole_history(store, alice.id, cid)
    assert [m.seq for m in history] == list(range(1, len(history) + 1))
    added = next(m for m in history if m.data and m.data.get("action") == "members.added")
    members = {m.user_id: m for m, _ in await store.members(alice.id, cid)}
    assert set(members) == {alice.id, bob.id, carol.id}
    assert members[carol.id].joined_seq == added.seq
    assert [m.seq for m in await whole_history(store, carol.id, cid)][0] == added.seq
    assert members[bob.id].muted and members[bob.id].last_read_seq == 5
    assert members[alice.id].last_read_seq == history[-1].seq
    view = await store.conversation(bob.id, cid)
    assert view.conversation.member_count == 3
    assert view.conversation.last_seq == history[-1].seq
    assert view.unread == history[-1].seq - 5
    for user in (alice, bob, carol):
        log = await whole_log(store, user.id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))


async def test_a_write_is_visible_to_reads_as_soon_as_it_returns(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    sent = await asyncio.gather(
        *(store.post_message(text(cid, bob.id, f"m{i}", "x"), now()) for i in range(10))
    )
    last = max(o.value.seq for o in sent)
    for_bob = await store.conversation(bob.id, cid)
    for_alice = await store.conversation(alice.id, cid)
    assert for_bob.conversation.last_seq == for_alice.conversation.last_seq == last
    assert (for_bob.last_read_seq, for_bob.unread) == (last, 0)
    assert for_alice.unread == last - for_alice.last_read_seq > 0
    assert for_alice.last_message is not None and for_alice.last_message.seq == last
    read = await store.mark_read(alice.id, cid, last, now())
    assert read.value == last
    assert (await store.conversation(alice.id, cid)).unread == 0
    assert await store.log_head(alice.id) == read.entries[0].seq
    back = await store.mark_read(alice.id, cid, 1, now())
    assert back.value == last and back.entries == (), "a read position never moves back"


# --- durability ---


async def test_everything_committed_is_there_after_reopening(
    store_backend: StoreBackend, store: Store
) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    carol = await new_user(store, "carol")
    cid = await befriend(store, alice.id, bob.id)
    await befriend(store, alice.id, carol.id)
    group = await store.create_group(alice.id, [bob.id, carol.id], "trio", now())
    await asyncio.gather(
        *(store.post_message(text(cid, bob.id, f"m{i}", f"hi {i}"), now()) for i in range(50))
    )
    await store.recall_message(bob.id, cid, 10, now())
    await store.mark_read(alice.id, cid, 20, now())
    await store.block(carol.id, bob.id, now())
    users = (alice, bob, carol)
    before = [await store.snapshot(u.id) for u in users]
    logs = [await whole_log(store, u.id) for u in users]
    history = await whole_history(store, alice.id, cid)
    epoch = store.epoch

    await store.close()
    reopened = await store_backend.open()

    assert reopened.epoch == epoch
    assert [await reopened.snapshot(u.id) for u in users] == before
    assert [await whole_log(reopened, u.id) for u in users] == logs
    assert await whole_history(reopened, alice.id, cid) == history
    assert (await reopened.credentials("alice")) == (alice, "not-a-real-hash")
    members = await reopened.member_ids(alice.id, group.value.id)
    assert sorted(members) == sorted(u.id for u in users)
    later = await reopened.post_message(text(cid, alice.id, "after", "still here"), now())
    assert later.value.seq == history[-1].seq + 1
    assert [e.seq for e in later.entries if e.user_id == alice.id] == [len(logs[0]) + 1]


# --- the update log ---


async def test_read_log_gives_events_in_order_with_messages_and_recalls(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    start = await store.log_head(bob.id)
    for i, body in enumerate(["one", "two", "three"]):
        await store.post_message(text(cid, alice.id, f"m{i}", body), now())
    two = (await whole_history(store, bob.id, cid))[-2]
    recalled = await store.recall_message(alice.id, cid, two.seq, now())

    log = await store.read_log(bob.id, start, 100)

    assert [e.seq for e in log] == [start + 1, start + 2, start + 3, start + 4]
    assert all(e.user_id == bob.id for e in log)
    messages = [e.event.message for e in log if isinstance(e.event, MessagePosted)]
    assert [m.text for m in messages] == ["one", None, "three"]
    assert [m.recalled for m in messages] == [False, True, False]
    assert messages[1] == recalled.value
    assert log[-1].event == MessageRecalled(cid, two.seq, alice.id)
    assert recalled.entries and all(e.event == log[-1].event for e in recalled.entries)


async def test_read_log_pages_from_a_cursor(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    await befriend(store, alice.id, bob.id)
    head = await store.log_head(bob.id)
    assert head >= 3
    everything = await store.read_log(bob.id, 0, 1000)
    assert [e.seq for e in everything] == list(range(1, head + 1))
    assert await store.read_log(bob.id, 1, 2) == everything[1:3]
    assert await store.read_log(bob.id, head, 10) == []
    assert await store.read_log(bob.id, head + 5, 10) == []


async def test_the_log_repeats_what_the_write_returned(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    outcome = await store.post_message(text(cid, alice.id, "m", "hello"), now())
    for entry in outcome.entries:
        assert await store.read_log(entry.user_id, entry.seq - 1, 1) == [entry]
    assert Counter(e.user_id for e in outcome.entries) == {alice.id: 1, bob.id: 1}


# --- the snapshot ---


async def test_a_snapshot_is_at_the_log_head(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.post_message(text(cid, bob.id, "m", "hello"), now())
    for user in (alice, bob):
        snapshot = await store.snapshot(user.id)
        assert snapshot.user == user
        assert snapshot.log_seq == await store.log_head(user.id)
        [view] = snapshot.conversations
        assert view.conversation.id == cid
        assert [c.user.id for c in snapshot.contacts] == [bob.id if user is alice else alice.id]


async def test_a_snapshot_taken_during_writes_is_one_consistent_view(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    base = await store.snapshot(alice.id)
    base_seq = base.conversations[0].conversation.last_seq

    results = await asyncio.gather(
        *(
            store.snapshot(alice.id)
            if i % 4 == 0
            else store.post_message(text(cid, bob.id, f"m{i}", "x"), now())
            for i in range(120)
        )
    )

    for snapshot in (r for r in results if isinstance(r, Snapshot)):
        # Each message adds one entry to alice's log and one seq to the conversation.
        [view] = snapshot.conversations
        assert snapshot.log_seq - base.log_seq == view.conversation.last_seq - base_seq


async def test_a_second_process_cannot_write_the_same_sqlite_file(tmp_path: Path) -> None:
    """The writer's in-memory counters need one writing process per file: a second one is
    refused at start with a clear error (the lock dies with its process, even on kill -9)."""
    import subprocess
    import sys

    from microletter.core.ids import IdGenerator
    from microletter.core.limits import Limits

    path = str(tmp_path / "one.db")
    store = await SqliteDatabase.open(path, IdGenerator(0), Limits())
    try:
        probe = (
            "import asyncio, sys\n"
            "from microletter.core.ids import IdGenerator\n"
            "from microletter.core.limits import Limits\n"
            "from microletter.storage.sqlite.database import SqliteDatabase\n"
            f"asyncio.run(SqliteDatabase.open({path!r}, IdGenerator(1), Limits()))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
        )
        assert result.returncode != 0
        assert "Another microletter process is writing" in result.stderr
    finally:
        await store.close()
    again = await SqliteDatabase.open(path, IdGenerator(0), Limits())  # free after close
    await again.close()
