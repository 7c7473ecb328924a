"""The open platform's store, on every Store backend: following, broadcasting and OAuth
codes behave alike on SQLite and PostgreSQL. On PostgreSQL also: several processes
following and broadcasting at once keep counts and channel starts exact, without
deadlocks; and the push lease is held by one process at a time, and passes on when its
holder releases it or its connection dies."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import asyncpg
import pytest

from microletter.core.errors import NotFollowing
from microletter.core.events import AccountEvent, ConversationUpdated
from microletter.core.ids import IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant, MessageKind
from microletter.platform import PlatformStore
from microletter.platform.errors import (
    BroadcastQuotaExceeded,
    NotAccountOwner,
    OAuthCodeInvalid,
    OAuthCodeUsed,
    RedirectDomainMismatch,
)
from microletter.platform.rules.officials import (
    CREDENTIAL_BYTES,
    OfficialAccount,
    QrRequest,
    Scope,
    make_credentials,
)
from microletter.ports import Store
from microletter.storage import open_store
from microletter.storage.postgres.lease import JobLease
from tests.contract.conftest import new_user, now
from tests.contract.test_postgres import retries
from tests.support import services

HOUR_MS = 3_600_000
PAGE = "https://h5.example/app"


async def new_account(p: PlatformStore, owner: UserId, name: str = "News") -> OfficialAccount:
    creds = make_credentials(os.urandom(CREDENTIAL_BYTES))
    return await p.create_account(owner, creds, name, "", None, 5, now())


async def test_a_follow_joins_the_conversation_and_tells_follower_and_webhook(
    store: Store,
) -> None:
    p = PlatformStore(store.db)
    dev, alice = await new_user(store, "dev"), await new_user(store, "alice")
    account = await new_account(p, dev.id)
    followed = await p.follow(account.id, alice.id, "search", None, now())
    events = {(e.user_id, type(e.event)) for e in followed.entries}
    assert events == {(alice.id, ConversationUpdated), (account.id, AccountEvent)}
    again = await p.follow(account.id, alice.id, "search", None, now())
    assert again.value == followed.value and again.entries == ()  # twice changes nothing
    assert (await p.account(account.id)).follower_count == 1
    assert await p.followed(alice.id) == [account.id]
    assert await store.member_ids(alice.id, followed.value) == sorted([alice.id, account.id])


async def test_a_scan_of_a_follower_is_heard_and_an_unfollow_leaves(store: Store) -> None:
    p = PlatformStore(store.db)
    dev, alice = await new_user(store, "dev"), await new_user(store, "alice")
    account = await new_account(p, dev.id)
    qr = await p.create_qrcode(account.id, QrRequest(7, None, True, None), "t1", now())
    assert await p.create_qrcode(account.id, QrRequest(7, None, True, None), "t2", now()) == qr
    first = await p.follow(account.id, alice.id, "", qr, now())
    subscribed = [e.event for e in first.entries if e.user_id == account.id]
    assert subscribed == [AccountEvent(account.id, alice.id, "subscribe", "qrscene_7", "t1")]
    scan = await p.follow(account.id, alice.id, "", qr, now())
    assert [e.event for e in scan.entries] == [
        AccountEvent(account.id, alice.id, "SCAN", "7", "t1")
    ]
    await p.unfollow(account.id, alice.id, now())
    assert (await p.account(account.id)).follower_count == 0
    with pytest.raises(NotFollowing):
        await p.press(account.id, alice.id, "CLICK", "K", now())
    with pytest.raises(NotFollowing):
        await p.post_as_account(
            account.id, alice.id, "c1", MessageKind.TEXT, "hi", None, None, now()
        )


async def test_broadcasts_are_numbered_per_channel_and_capped_per_day(store: Store) -> None:
    p = PlatformStore(store.db)
    dev, alice = await new_user(store, "dev"), await new_user(store, "alice")
    account = await new_account(p, dev.id)
    await p.broadcast(account.id, MessageKind.TEXT, "before", None, 3, now())
    await p.follow(account.id, alice.id, "search", None, now())
    after = await p.broadcast(account.id, MessageKind.TEXT, "after", None, 3, now())
    assert after.value.seq == 2
    posts = await store.channel_posts(alice.id, account.id, 0, 10)
    assert [post.text for post in posts] == ["after"]  # nothing from before they followed
    await p.broadcast(account.id, MessageKind.TEXT, "third", None, 3, now())
    with pytest.raises(BroadcastQuotaExceeded):
        await p.broadcast(account.id, MessageKind.TEXT, "fourth", None, 3, now())


async def test_an_oauth_code_is_spent_once_by_its_own_account(store: Store) -> None:
    p = PlatformStore(store.db)
    dev, alice = await new_user(store, "dev"), await new_user(store, "alice")
    account, other = await new_account(p, dev.id), await new_account(p, dev.id, "Other")
    account = await p.set_oauth_domains(dev.id, account.id, ("h5.example",))
    assert (await p.account(account.id)).oauth_domains == ("h5.example",)
    expires = Instant(now() + 300_000)
    openid = await p.create_code(b"h" * 32, account.id, alice.id, Scope.BASE, PAGE, expires)
    assert (await p.follower(account.id, alice.id)) is not None
    assert (await p.follower_by_openid(account.id, openid))[1].id == alice.id
    with pytest.raises(OAuthCodeInvalid):
        await p.use_code(b"h" * 32, other.id, None, now())
    with pytest.raises(OAuthCodeInvalid):  # another redirect_uri than the code was sent to
        await p.use_code(b"h" * 32, account.id, "https://h5.example/other", now())
    assert await p.use_code(b"h" * 32, account.id, PAGE, now()) == (alice.id, Scope.BASE)
    with pytest.raises(OAuthCodeUsed):
        await p.use_code(b"h" * 32, account.id, None, now())


async def test_a_code_towards_a_domain_the_account_dropped_is_dead(store: Store) -> None:
    p = PlatformStore(store.db)
    dev, alice = await new_user(store, "dev"), await new_user(store, "alice")
    account = await new_account(p, dev.id)
    await p.set_oauth_domains(dev.id, account.id, ("h5.example", "old.example"))
    expires = Instant(now() + 300_000)
    await p.create_code(
        b"o" * 32, account.id, alice.id, Scope.BASE, "https://old.example/", expires
    )
    kept = await p.set_oauth_domains(dev.id, account.id, ("h5.example",))
    assert kept.oauth_domains == ("h5.example",)
    with pytest.raises(RedirectDomainMismatch):
        await p.use_code(b"o" * 32, account.id, None, now())
    with pytest.raises(NotAccountOwner):
        await p.set_oauth_domains(alice.id, account.id, ())
    assert [a.oauth_domains for a in await p.accounts_of(dev.id)] == [("h5.example",)]


# --- PostgreSQL only: several processes ---


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    server = services.postgres_server()
    url = await server.new_database()
    yield url
    await server.drop(url)


async def test_processes_following_and_broadcasting_at_once_keep_counts_exact(
    pg_url: str,
) -> None:
    stores = []
    try:
        for _ in range(3):
            opened = await open_store(pg_url, IdGenerator(0), Limits(), pool_size=4)
            stores.append(opened)
        first = stores[0]
        dev = await new_user(first, "dev")
        account = await new_account(PlatformStore(first.db), dev.id)
        people = [await new_user(first, f"p{i}") for i in range(12)]

        async def follow_and_post(i: int) -> None:
            p = PlatformStore(stores[i % 3].db)
            await p.follow(account.id, people[i].id, "search", None, now())
            await p.broadcast(account.id, MessageKind.TEXT, f"post {i}", None, 100, now())

        await asyncio.gather(*(follow_and_post(i) for i in range(len(people))))
        final = await PlatformStore(first.db).account(account.id)
        assert (final.follower_count, final.channel_head) == (12, 12)
        for person in people:
            follower = await PlatformStore(first.db).follower(account.id, person.id)
            assert follower is not None and follower.following
            posts = await first.channel_posts(person.id, account.id, 0, 100)
            # Each saw exactly the posts after the head when they followed: their own too.
            assert [post.seq for post in posts] == list(range(follower.channel_joined_seq + 1, 13))
        assert sum(retries(s) for s in stores) == 0  # no deadlock was retried
    finally:
        for opened in stores:
            await opened.close()


async def test_the_push_lease_is_held_by_one_process_and_passes_on(pg_url: str) -> None:
    one, two = [await open_store(pg_url, IdGenerator(0), Limits()) for _ in range(2)]
    first, second = PlatformStore(one.db).push_lease(), PlatformStore(two.db).push_lease()
    assert isinstance(second, JobLease)  # the test kills its session, so it needs the real one
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        await first.release()
        assert await second.try_acquire()
        assert not await first.try_acquire()
        # The holder's connection dies (as with its process): the lock passes on.
        held = second._conn  # noqa: SLF001 - the test kills the holder's own session
        assert held is not None
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", held.get_server_pid())
        finally:
            await admin.close()
        async with asyncio.timeout(10):
            await second.lost()
        assert not second.held
        assert await first.try_acquire()
    finally:
        await first.release()
        await second.release()
        await one.close()
        await two.close()
