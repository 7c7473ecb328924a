"""Storage quotas and the media collector's units of work, on every Store backend: a blob
counts against each of its uploaders once; unsent uploads expire; a blob is collected only
when no referrer (uploads, messages, avatars, the platform's account media and broadcasts)
names it; and a send racing with a collection either keeps its blob or fails cleanly with
`media.not_found`: no message ever points at a deleted blob.

On PostgreSQL the two orders of that race are forced with row locks held by a second
connection, and a stress run mixes both on several pools; on SQLite the one writer puts
every collection wholly before or after a send."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import asyncpg
import pytest

from microletter.app import media_referrers
from microletter.core.errors import MediaNotFound, QuotaExceeded
from microletter.core.ids import ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.media import BlobFacts, MediaId, MediaKind
from microletter.core.messages import Draft
from microletter.core.models import Instant, Message, MessageKind
from microletter.favourites import FavouritesStore
from microletter.moments import MomentsStore
from microletter.platform import PlatformStore
from microletter.platform.rules.officials import AccountUpload, PlatformLimits
from microletter.ports import Reader, Referrer, Store
from microletter.settings import Settings
from microletter.stickers import StickersStore
from microletter.storage import open_store
from tests.contract.conftest import SqliteBackend, StoreBackend, befriend, new_user, now
from tests.contract.test_platform_store import new_account
from tests.support import services

HOUR = 3_600_000
TTL, GRACE = 24 * HOUR, HOUR
PLATFORM = PlatformLimits()


def referrers() -> list[Referrer]:
    """Every referrer the server registers (app.py): the core's and every room's."""
    return list(media_referrers(Settings()))


REFERRERS = referrers()


def blob(n: int, size: int = 1000) -> BlobFacts:
    return BlobFacts(MediaId(f"{n:064x}"), "application/octet-stream", size)


def image(n: int) -> BlobFacts:
    return BlobFacts(MediaId(f"{n:064x}"), "image/png", 500, 64, 64)


def later(hours: float) -> Instant:
    return Instant(now() + int(hours * HOUR))


async def collect(
    store: Store, at: Instant, refs: Sequence[Referrer] = REFERRERS, page: int = 2
) -> tuple[set[MediaId], set[MediaId]]:
    """One whole pass of the collector's two database steps, page by page: the blobs
    whose uploads expired, and the blobs collected."""
    expired: set[MediaId] = set()
    collected: set[MediaId] = set()
    after: MediaId | None = None
    while True:
        sweep = await store.expire_uploads(refs, Instant(at - TTL), after, page, at)
        expired |= set(sweep.ids)
        if (after := sweep.resume_after) is None:
            break
    while True:
        sweep = await store.collect_media(refs, Instant(at - GRACE), after, page, at)
        collected |= set(sweep.ids)
        if (after := sweep.resume_after) is None:
            break
    return expired, collected


async def _blob_ids(db: Reader) -> set[MediaId]:
    return {MediaId(r[0]) for r in await db.fetch("SELECT id FROM media")}


async def _dangling(db: Reader) -> list[str]:
    """Blobs that a message carries but that are not stored."""
    rows = await db.fetch(
        "SELECT r.media_id FROM media_refs r LEFT JOIN media b ON b.id = r.media_id"
        " WHERE b.id IS NULL"
    )
    return [r[0] for r in rows]


async def stored(store: Store) -> set[MediaId]:
    """The blobs that have a row."""
    return await store.db.read(_blob_ids)


def carried(messages: Sequence[Message]) -> set[MediaId]:
    """The blobs these messages carry (`data.media.id`)."""
    found = set()
    for message in messages:
        media = (message.data or {}).get("media")
        if isinstance(media, dict) and isinstance(media.get("id"), str):
            found.add(MediaId(str(media["id"])))
    return found


def media_draft(cid: ConversationId, sender: UserId, cmid: str, media_id: MediaId) -> Draft:
    return Draft(cid, sender, cmid, MessageKind.FILE, None, media_id=media_id)


def image_draft(cid: ConversationId, sender: UserId, cmid: str, media_id: MediaId) -> Draft:
    return Draft(cid, sender, cmid, MessageKind.IMAGE, None, media_id=media_id)


# --- quotas ---


async def test_a_blob_new_to_a_user_must_fit_in_their_quota(store: Store) -> None:
    alice = await new_user(store, "alice")
    await store.save_media(alice.id, blob(1, 600), MediaKind.FILE, "a", now(), 1000)
    with pytest.raises(QuotaExceeded) as refused:
        await store.save_media(alice.id, blob(2, 500), MediaKind.FILE, "b", now(), 1000)
    assert dict(refused.value.details) == {"quota_bytes": 1000, "used_bytes": 600, "size": 500}
    assert await store.visible_media(alice.id, [blob(2).id]) == {}  # nothing was written
    assert await store.media_usage(alice.id) == 600
    # The same bytes again, even as another kind, cost nothing more.
    await store.save_media(alice.id, blob(1, 600), MediaKind.IMAGE, "a.png", now(), 600)
    await store.save_media(alice.id, blob(3, 400), MediaKind.FILE, "c", now(), 1000)
    assert await store.media_usage(alice.id) == 1000


async def test_a_blob_counts_against_every_user_who_uploaded_it(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    await store.save_media(alice.id, blob(1, 700), MediaKind.FILE, "a", now(), 1000)
    await store.save_media(bob.id, blob(1, 700), MediaKind.FILE, "a", now(), 1000)
    assert (await store.media_usage(alice.id), await store.media_usage(bob.id)) == (700, 700)
    with pytest.raises(QuotaExceeded):  # stored once, but bob's quota is his own
        await store.save_media(bob.id, blob(2, 400), MediaKind.FILE, "b", now(), 1000)


async def test_a_sent_upload_keeps_counting(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.save_media(alice.id, blob(1, 700), MediaKind.FILE, "a", now())
    await store.post_message(media_draft(cid, alice.id, "m1", blob(1).id), now())
    await collect(store, later(48))
    assert await store.media_usage(alice.id) == 700  # sent: kept, so still hers
    assert await store.media_usage(bob.id) == 0  # a receiver is never charged


# --- expiry and collection ---


async def test_an_upload_nothing_refers_to_expires_and_its_blob_goes(store: Store) -> None:
    alice = await new_user(store, "alice")
    ids = [blob(i).id for i in range(1, 6)]
    for i in range(1, 6):
        await store.save_media(alice.id, blob(i), MediaKind.FILE, f"f{i}", now())
    assert await collect(store, later(23)) == (set(), set())  # not yet
    assert await collect(store, later(25)) == (set(ids), set(ids))
    assert await store.visible_media(alice.id, ids) == {}
    assert await store.media_usage(alice.id) == 0
    assert await stored(store) == set()
    assert {mid for mid, revived in await store.media_trash(100) if not revived} == set(ids)
    await store.forget_trash(ids)
    assert await store.media_trash(100) == []
    assert await store.media_totals() == (0, 0)


async def test_a_sent_upload_stays_until_its_message_is_recalled(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.save_media(alice.id, blob(1), MediaKind.FILE, "f", now())
    sent = await store.post_message(media_draft(cid, alice.id, "m1", blob(1).id), now())
    assert await collect(store, later(48)) == (set(), set())
    assert blob(1).id in await store.visible_media(bob.id, [blob(1).id])
    await store.recall_message(alice.id, cid, sent.value.seq, now())
    assert await collect(store, later(48)) == ({blob(1).id}, {blob(1).id})
    assert await store.media_totals() == (0, 0)


async def test_a_favourite_and_a_sticker_keep_their_blobs_after_a_recall(store: Store) -> None:
    """Kept copies outlive the message they came from: the favourites and stickers rooms
    declare their referrers, so the collector leaves those blobs alone."""
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    for n in (1, 2):
        await store.save_media(alice.id, image(n), MediaKind.IMAGE, "p.png", now())
    sent = [
        await store.post_message(image_draft(cid, alice.id, f"m{n}", image(n).id), now())
        for n in (1, 2)
    ]
    seen = await store.visible_media(bob.id, [image(1).id, image(2).id])
    kept = FavouritesStore(store.db)
    await kept.keep(bob.id, "image", None, None, None, [seen[image(1).id]], "", now())
    await StickersStore(store.db).add(bob.id, seen[image(2).id], now())
    for message in sent:
        await store.recall_message(alice.id, cid, message.value.seq, now())

    expired, collected = await collect(store, later(48))
    assert collected == set()  # alice's uploads expired; bob's kept copies still need both
    assert set(await store.visible_media(bob.id, [image(1).id, image(2).id])) == {
        image(1).id,
        image(2).id,
    }


async def test_an_avatar_keeps_its_blob(store: Store) -> None:
    alice = await new_user(store, "alice")
    await store.save_media(alice.id, image(1), MediaKind.IMAGE, "me.png", now())
    await store.update_profile(alice.id, None, None, image(1).id, now())
    assert await collect(store, later(48)) == (set(), set())
    assert image(1).id in await store.visible_media(alice.id, [image(1).id])


async def test_a_moments_cover_keeps_its_blob(store: Store) -> None:
    """The cover picture of someone's Moments (`moment_settings.cover`) needs its blob for
    as long as it is the cover, like an avatar; a cover replaced lets it go."""
    alice = await new_user(store, "alice")
    for n in (1, 2):
        await store.save_media(alice.id, image(n), MediaKind.IMAGE, "cover.png", now())
    moments = MomentsStore(store.db)
    await moments.set_settings(alice.id, None, image(1).id, False)
    assert await collect(store, later(48)) == ({image(2).id}, {image(2).id})
    assert image(1).id in await store.visible_media(alice.id, [image(1).id])
    await moments.set_settings(alice.id, None, None, False)  # the cover is cleared
    assert await collect(store, later(96)) == ({image(1).id}, {image(1).id})


async def test_uploading_again_starts_the_expiry_anew(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    await store.save_media(alice.id, blob(1), MediaKind.FILE, "f", now())
    await store.save_media(bob.id, blob(1), MediaKind.FILE, "f", later(20))
    await store.save_media(alice.id, blob(2), MediaKind.FILE, "g", now())
    await store.save_media(alice.id, blob(2), MediaKind.FILE, "g", later(20))
    expired, collected = await collect(store, later(30))
    assert expired == {blob(1).id}  # alice's old upload; bob's is young and keeps the blob
    assert collected == set()
    assert await store.visible_media(alice.id, [blob(1).id]) == {}
    assert blob(1).id in await store.visible_media(bob.id, [blob(1).id])
    assert blob(2).id in await store.visible_media(alice.id, [blob(2).id])


async def test_a_blob_stored_within_the_grace_period_stays(store: Store) -> None:
    await store.record_blob(blob(1), now())  # stored, but its upload was refused
    assert await collect(store, later(0.5)) == (set(), set())
    assert await collect(store, later(1.5)) == (set(), {blob(1).id})


async def test_a_blob_stored_again_after_collection_is_not_deleted_from_disk(
    store: Store,
) -> None:
    await store.record_blob(blob(1), now())
    await collect(store, later(2))
    assert await store.media_trash(10) == [(blob(1).id, False)]
    await store.record_blob(blob(1), later(2))  # an upload of the same bytes, meanwhile
    assert await store.media_trash(10) == [(blob(1).id, True)]


async def test_the_platform_keeps_fresh_account_media_and_broadcast_media(store: Store) -> None:
    p = PlatformStore(store.db)
    dev = await new_user(store, "dev")
    account = await new_account(p, dev.id)
    kinds = {1: "image", 2: "img", 3: "image"}
    for n, kind in kinds.items():
        await store.save_media(account.id, image(n), MediaKind.IMAGE, "p.png", now())
        await p.record_upload(AccountUpload(account.id, image(n).id, kind, now()))
    broadcast_data: dict[str, object] = {"media": {"id": image(3).id}}
    await p.broadcast(account.id, MessageKind.IMAGE, None, broadcast_data, 4, now())
    days = PLATFORM.media_seconds / 3600
    assert await collect(store, later(days - 1)) == (set(), set())  # still temporary media
    expired, collected = await collect(store, later(days + 1))
    assert expired == collected == {image(1).id}  # `img` is for good; 3 is broadcast


async def test_a_send_of_a_collected_blob_fails_cleanly(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.save_media(alice.id, blob(1), MediaKind.FILE, "f", now())
    await collect(store, later(48))
    with pytest.raises(MediaNotFound):
        await store.post_message(media_draft(cid, alice.id, "m1", blob(1).id), now())
    assert carried(await store.history(alice.id, cid, None, None, 10)) == set()
    with pytest.raises(MediaNotFound):
        await store.update_profile(alice.id, None, None, blob(1).id, now())


async def test_sends_and_collections_at_once_never_leave_a_message_without_its_blob(
    store_backend: StoreBackend,
) -> None:
    """Many sends of expired uploads against collections running at the same time, on
    two pools (PostgreSQL) or one writer (SQLite): every send either commits with its
    blob kept, or fails with media.not_found."""
    one = await store_backend.open()
    # A second pool on PostgreSQL, as another process has; SQLite has one writing process.
    two = one if isinstance(store_backend, SqliteBackend) else await store_backend.open()
    alice, bob = await new_user(one, "alice"), await new_user(one, "bob")
    cid = await befriend(one, alice.id, bob.id)
    ids = [blob(i).id for i in range(1, 41)]
    for i in range(1, 41):
        await one.save_media(alice.id, blob(i), MediaKind.FILE, f"f{i}", now())

    async def send(i: int) -> bool:
        try:
            await (one, two)[i % 2].post_message(media_draft(cid, alice.id, f"m{i}", ids[i]), now())
        except MediaNotFound:
            return False
        return True

    async def collect_pages() -> None:
        for _ in range(8):  # pages of 5: the collections interleave with the sends
            await collect(two, later(48), page=5)

    results = await asyncio.gather(*(send(i) for i in range(len(ids))), collect_pages())
    sent = {ids[i] for i, ok in enumerate(results[:-1]) if ok}
    await collect(one, later(48))  # and once more, after everything
    assert carried(await one.history(alice.id, cid, None, None, 100)) == sent
    assert await stored(one) == sent
    assert await one.db.read(_dangling) == []
    assert (await one.visible_media(bob.id, ids)).keys() == sent


# --- the schema: every place that keeps a media id is asked ---

MEDIA_COLUMNS = ("media_id", "avatar", "cover")
NOT_MEDIA = {
    ("oa_accounts", "avatar"),  # an official account's avatar is an http(s) URL (console.py)
    # WeChat's own 40-hex material id; the blob it names is kept through `blob_id`, which
    # the platform's `materials` referrer asks about (platform/store/referrers.py).
    ("oa_materials", "media_id"),
}


def test_every_column_that_keeps_a_media_id_has_a_referrer(tmp_path: Path) -> None:
    """A new table with a media id (favourites, stickers, posts, ...) must come with a
    referrer, or the collector would delete the blobs it keeps."""
    from microletter.storage.migrate import migrate_sqlite

    path = tmp_path / "schema.db"
    migrate_sqlite(str(path))
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    columns = {
        (table, col[1])
        for table in tables
        for col in conn.execute(f"PRAGMA table_info({table})")  # noqa: S608 - names from sqlite
        if col[1] in MEDIA_COLUMNS or col[1].endswith("_media_id")
    }
    conn.close()
    assert ("media_refs", "media_id") in columns
    asked = {
        (table, column)
        for table, column in columns
        if any(f"FROM {table} " in r.sql and column in r.sql for r in REFERRERS)
    }
    assert columns - asked - NOT_MEDIA == set()


# --- PostgreSQL: the two orders of the race, forced with locks ---


@pytest.fixture
async def pg() -> AsyncIterator[tuple[Store, asyncpg.Connection]]:
    """A store on a fresh database, and a second connection to hold locks with."""
    server = services.postgres_server()
    url = await server.new_database()
    store = await open_store(url, IdGenerator(0), Limits(), pool_size=4)
    conn = await asyncpg.connect(url)
    try:
        yield store, conn
    finally:
        await conn.close()
        await store.close()
        await server.drop(url)


async def waiting(conn: asyncpg.Connection, count: int) -> None:
    """Return once `count` other backends wait for a lock."""
    async with asyncio.timeout(10):
        while True:
            found = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
            if found >= count:
                return
            await asyncio.sleep(0.01)


async def test_a_blob_being_sent_is_skipped_by_a_collection(
    pg: tuple[Store, asyncpg.Connection],
) -> None:
    """The send locked its blob and read the upload that lets it send it; the upload then
    expires and a collection runs before the send commits: the blob must stay."""
    store, conn = pg
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.save_media(alice.id, blob(1), MediaKind.FILE, "f", now())
    lock = conn.transaction()
    await lock.start()
    await conn.execute("SELECT 1 FROM users WHERE id=$1 FOR UPDATE", bob.id)
    send = asyncio.ensure_future(
        store.post_message(media_draft(cid, alice.id, "m1", blob(1).id), now())
    )
    await waiting(conn, 1)  # the send holds its blob and waits to append to bob's log
    expired, collected = await collect(store, later(48))
    assert expired == {blob(1).id}  # the message is not committed: the upload looked unsent
    assert collected == set()  # but the blob was locked by the send, so it was skipped
    await lock.rollback()
    sent = await send
    assert await collect(store, later(48)) == (set(), set())  # the message keeps it now
    assert sent.value.data is not None
    assert blob(1).id in await store.visible_media(bob.id, [blob(1).id])


async def test_a_send_that_waits_for_a_collection_fails_cleanly(
    pg: tuple[Store, asyncpg.Connection],
) -> None:
    """The collection locked the blob and is asking the referrers; a send of it waits,
    then finds it gone and fails with media.not_found, leaving nothing behind."""
    store, conn = pg
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.save_media(alice.id, blob(1), MediaKind.FILE, "f", now())
    await store.save_media(alice.id, blob(2), MediaKind.FILE, "g", later(47))
    await conn.execute("SELECT pg_advisory_lock(4242)")
    gate = Referrer(
        "test.gate",  # waits for the test's advisory lock, after the blobs were locked
        "SELECT NULL::text FROM (SELECT pg_advisory_xact_lock_shared(4242)) g"
        " WHERE $1::text[] IS NOT NULL",
    )
    # blob 1's upload expires in this step; blob 2's upload is young and lets it be sent
    await store.expire_uploads(REFERRERS, later(48 - 24), None, 100, later(48))
    collecting = asyncio.ensure_future(
        store.collect_media([gate, *REFERRERS], later(47), None, 100, later(48))
    )
    await waiting(conn, 1)  # the collection holds blob 1 and waits at the gate
    send = asyncio.ensure_future(
        store.post_message(media_draft(cid, alice.id, "m1", blob(1).id), now())
    )
    await waiting(conn, 2)  # the send waits for blob 1
    await conn.execute("SELECT pg_advisory_unlock(4242)")
    assert (await collecting).ids == (blob(1).id,)
    with pytest.raises(MediaNotFound):
        await send
    assert carried(await store.history(alice.id, cid, None, None, 10)) == set()
    await store.post_message(media_draft(cid, alice.id, "m2", blob(2).id), now())
