"""Streams, the read diffusion of large groups, on every backend: a message of a group at
or above `stream_members` skips the logs of users whose devices all read streams, and
only theirs; it is one hint (`Outcome.streamed`); a device added, removed or opted in
changes who reads streams at once; a stream pages from a position, nothing before a
member joined."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from microletter.core.errors import NotMember
from microletter.core.ids import ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import User
from microletter.ports import Store
from microletter.storage import Store as StoreFacade
from microletter.storage import open_store
from microletter.storage.sqlite.database import SqliteDatabase
from tests.contract.conftest import befriend, new_user, now, text
from tests.support import services

LIMITS = Limits(stream_members=4)


@pytest.fixture(params=["postgres", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened: Store = StoreFacade(
            await SqliteDatabase.open(str(tmp_path / "x.db"), IdGenerator(0), LIMITS)
        )
        yield opened
        await opened.close()
        return
    server = services.postgres_server()
    url = await server.new_database()
    opened = await open_store(url, IdGenerator(0), LIMITS, pool_size=4)
    yield opened
    await opened.close()
    await server.drop(url)


async def group_of(store: Store, size: int) -> tuple[list[User], ConversationId]:
    users = [await new_user(store, f"u{i}") for i in range(size)]
    for other in users[1:]:
        await befriend(store, users[0].id, other.id)
    made = await store.create_group(users[0].id, [u.id for u in users[1:]], "big", now())
    return users, made.value.id


async def reader(store: Store, uid: UserId) -> None:
    """Give the user a device that opted into streams."""
    device = await store.create_device(uid, "d", f"{uid}.d".encode(), now())
    assert await store.read_streams(uid, device.id) is True


async def test_a_large_group_skips_the_logs_of_stream_readers_only(store: Store) -> None:
    users, cid = await group_of(store, 5)
    a, b = users[1], users[2]
    await reader(store, a.id)
    old = await store.create_device(b.id, "old", b"old", now())  # b has an old device
    await reader(store, b.id)
    heads = {u.id: await store.log_head(u.id) for u in users}

    posted = await store.post_message(text(cid, users[0].id, "m1", "hello"), now())

    assert [e.message for e in posted.streamed] == [posted.value]
    assert {e.user_id for e in posted.entries} == {u.id for u in users} - {a.id}
    assert await store.log_head(a.id) == heads[a.id]
    assert await store.log_head(b.id) == heads[b.id] + 1  # its old device reads the log
    # The old device goes: b reads streams from the next message on.
    await store.revoke_device(b.id, old.id)
    second = await store.post_message(text(cid, users[0].id, "m2", "again"), now())
    assert {e.user_id for e in second.entries} == {u.id for u in users} - {a.id, b.id}
    # A new device (a login) reads its log until it opts in: a gets the log again at once.
    await store.create_device(a.id, "new", b"new", now())
    third = await store.post_message(text(cid, users[0].id, "m3", "third"), now())
    assert a.id in {e.user_id for e in third.entries}
    assert b.id not in {e.user_id for e in third.entries}


async def test_a_small_group_and_a_user_without_devices_keep_the_log(store: Store) -> None:
    users, cid = await group_of(store, 3)  # under stream_members
    for u in users:
        await reader(store, u.id)
    small = await store.post_message(text(cid, users[0].id, "s", "small"), now())
    assert small.streamed == ()
    assert {e.user_id for e in small.entries} == {u.id for u in users}

    users, cid = await group_of_more(store, users, cid)
    # users[3] and users[4] have no device (a bot, someone logged out): they keep the log
    big = await store.post_message(text(cid, users[0].id, "b", "big"), now())
    assert len(big.streamed) == 1
    assert {e.user_id for e in big.entries} == {users[3].id, users[4].id}


async def group_of_more(
    store: Store, users: list[User], cid: ConversationId
) -> tuple[list[User], ConversationId]:
    more = [await new_user(store, f"v{i}") for i in range(2)]
    for other in more:
        await befriend(store, users[0].id, other.id)
    await store.add_members(users[0].id, cid, [u.id for u in more], now())
    return users + more, cid


async def test_nobody_reads_streams_then_nothing_is_streamed(store: Store) -> None:
    users, cid = await group_of(store, 5)
    posted = await store.post_message(text(cid, users[0].id, "m", "hi"), now())
    assert posted.streamed == ()
    assert {e.user_id for e in posted.entries} == {u.id for u in users}


async def test_opting_in_twice_is_one_change(store: Store) -> None:
    users, _ = await group_of(store, 1)
    device = await store.create_device(users[0].id, "d", b"d", now())
    assert await store.read_streams(users[0].id, device.id) is True
    assert await store.read_streams(users[0].id, device.id) is False


async def test_a_stream_pages_from_a_position_and_from_joining(store: Store) -> None:
    users, cid = await group_of(store, 5)
    for u in users:
        await reader(store, u.id)
    sent = [
        (await store.post_message(text(cid, users[0].id, f"m{i}", f"n{i}"), now())).value
        for i in range(5)
    ]
    views = await store.streams(users[1].id, LIMITS.stream_members)
    assert [(v.conversation_id, v.head) for v in views] == [(cid, sent[-1].seq)]
    page = await store.stream_page(users[1].id, cid, sent[1].seq, 2)
    assert [m.seq for m in page] == [sent[2].seq, sent[3].seq]
    assert [m.text for m in page] == ["n2", "n3"]
    # A member who joins later sees nothing from before.
    late = await new_user(store, "late")
    await befriend(store, users[0].id, late.id)
    await store.add_members(users[0].id, cid, [late.id], now())
    after = await store.post_message(text(cid, users[0].id, "x", "after"), now())
    page = await store.stream_page(late.id, cid, 0, 100)
    assert page[-1].seq == after.value.seq
    assert all(m.seq > sent[-1].seq for m in page)
    outsider = await new_user(store, "outsider")
    with pytest.raises(NotMember):
        await store.stream_page(outsider.id, cid, 0, 10)
    assert await store.streams(outsider.id, LIMITS.stream_members) == []
