"""Storage over real HTTP, on both backend pairs: per-user quotas with a clear error, the
usage route, uploads refused while the disk is nearly full, unsent uploads that expire,
blobs collected from disk once nothing refers to them (sends racing with a collection
included), /metrics, and the collector's own task. Time moves by the server's injected
clock (`ctx.clock`), never by sleeping."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from wechatpy.exceptions import WeChatClientException

from microletter.actions import media
from microletter.app import Server
from microletter.client import ApiError, Client
from microletter.core.errors import QuotaExceeded
from microletter.core.ids import IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.media import BlobFacts, MediaId, MediaKind
from microletter.core.models import Instant
from microletter.media import LocalBlobs
from microletter.storage import open_store
from tests.conftest import MakeClient, befriend
from tests.integration.test_cli import clean_env, microletter
from tests.support.media import picture, stored_files
from tests.support.platform import new_account
from tests.support.rest import fails, raw
from tests.support.wechat import sdk, wechat_client

HOUR = 3_600_000
QUOTA = 3000
INTERVAL_OFF = {"media_gc_interval_seconds": 0}  # the tests run the collector themselves


def blob_files(server: Server) -> list[Path]:
    """The blob files in the media folder (not the staging area)."""
    root = server.settings.data_dir / "media"
    return [p for p in stored_files(root) if "staging" not in p.relative_to(root).parts]


def advance(server: Server, hours: float) -> None:
    """Move the server's clock forward."""
    assert server.ctx is not None
    before = server.ctx.clock
    server.ctx.clock = lambda: Instant(before() + int(hours * HOUR))


async def collect(server: Server) -> None:
    assert server.collector is not None
    await server.collector.run_once()


async def metric(client: Client, name: str) -> float:
    async with client.session.get(client.base_url + "/metrics") as response:
        text = await response.text()
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    assert found, f"{name} is not in /metrics"
    return float(found.group(1))


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    """An upload without a Content-Length (streamed in chunks)."""
    yield data[: len(data) // 2]
    yield data[len(data) // 2 :]


# --- quotas ---


@pytest.mark.settings(media_quota_bytes=QUOTA, **INTERVAL_OFF)
async def test_an_upload_past_the_quota_is_refused_with_a_clear_error(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await alice.upload(b"a" * 1000, "file", "a.bin")
    await alice.upload(b"a" * 1000, "file", "again.bin")  # the same bytes count once
    await alice.upload(b"b" * 1500, "file", "b.bin")
    await bob.upload(b"a" * 1000, "file", "a.bin")  # stored once, but counted for bob too
    assert await alice.media_usage() == {
        "used_bytes": 2500,
        "quota_bytes": QUOTA,
        "upload_ttl_seconds": 86400,
    }
    assert (await bob.media_usage())["used_bytes"] == 1000
    refused = await fails(alice.upload(b"c" * 1000, "file", "c.bin"), "media.quota_exceeded", 403)
    assert refused.details == {"quota_bytes": QUOTA, "used_bytes": 2500, "size": 1000}
    assert "quota" in refused.message
    # Streamed without a Content-Length, it is refused as soon as it passes the quota.
    await fails(alice.upload(chunks(b"d" * 1000), "file"), "media.quota_exceeded", 403)
    assert len(blob_files(server)) == 2  # nothing of the refused ones was kept
    assert [
        p for p in stored_files(server.settings.data_dir / "media") if "staging" in str(p)
    ] == []


@pytest.mark.settings(media_quota_bytes=QUOTA, **INTERVAL_OFF)
async def test_an_upload_refused_once_stored_leaves_its_bytes_to_the_collector(
    server: Server, clients: MakeClient
) -> None:
    """Two uploads at once may each fit alone but not together: the one recorded second
    is refused after its bytes were stored (here: forced, by storing them first), and the
    collector deletes them after its grace period."""
    alice = await clients("alice")
    await alice.upload(os.urandom(2000), "file")
    ctx = server.ctx
    assert ctx is not None and alice.user is not None
    alice_id = UserId(alice.user["id"])
    facts = await ctx.media.intake.ingest(alice_id, MediaKind.FILE, chunks(os.urandom(2000)), None)
    with pytest.raises(QuotaExceeded):
        await media.record_upload(ctx, alice_id, facts, MediaKind.FILE, "x")
    assert (await alice.media_usage())["used_bytes"] == 2000
    assert len(blob_files(server)) == 2
    await collect(server)
    assert len(blob_files(server)) == 2  # within the grace period
    advance(server, 2)
    await collect(server)
    assert len(blob_files(server)) == 1


@pytest.mark.settings(media_min_free_bytes=2**62, **INTERVAL_OFF)
async def test_uploads_are_refused_while_the_disk_is_nearly_full(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    refused = await fails(alice.upload(b"x" * 100, "file"), "media.storage_full", 507)
    assert refused.details["min_free_bytes"] == 2**62
    assert blob_files(server) == []
    status, _ = await raw(alice, "GET", "/healthz")
    assert status == 200
    sent = await alice.send_text(cid, "messages still go through")  # only uploads stop
    assert sent["text"] == "messages still go through"


# --- expiry and collection ---


@pytest.mark.settings(**INTERVAL_OFF)
async def test_unsent_uploads_expire_and_their_files_are_deleted(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    unsent = await alice.upload(b"u" * 3000, "file", "unsent.bin")
    sent = await alice.upload(b"s" * 2000, "file", "sent.bin")
    recalled = await alice.upload(b"r" * 1000, "file", "recalled.bin")
    avatar = await alice.upload(picture((64, 64), "PNG"), "image", "me.png")
    await alice.send_media(cid, sent)
    to_recall = await alice.send_media(cid, recalled)
    await alice.recall(cid, to_recall["seq"])
    status, _ = await raw(alice, "PATCH", "/api/v1/me", json={"avatar": avatar["id"]})
    assert status == 200
    assert len(blob_files(server)) == 4

    advance(server, 23)  # nothing expires before its day
    await collect(server)
    assert len(blob_files(server)) == 4
    advance(server, 2)
    await collect(server)
    names = {p.name for p in blob_files(server)}
    assert names == {sent["id"], avatar["id"]}
    assert await metric(alice, "microletter_media_blobs") == 2
    assert await metric(alice, "microletter_media_bytes") == 2000 + avatar["size"]
    assert await metric(alice, "microletter_media_blobs_collected_total") == 2
    assert await metric(alice, "microletter_media_bytes_freed_total") == 3000 + 1000
    assert await metric(alice, "microletter_disk_free_bytes") > 0

    await fails(alice.send_media(cid, unsent), "media.not_found", 404)  # upload it again
    urls = await bob.media_urls([sent["id"]])
    assert await bob.download(urls["urls"][sent["id"]]["url"]) == b"s" * 2000
    assert (await alice.media_usage())["used_bytes"] == 2000 + avatar["size"]


@pytest.mark.settings(**INTERVAL_OFF)
async def test_a_blob_kept_again_while_it_is_collected_keeps_its_file(
    server: Server, clients: MakeClient
) -> None:
    """An upload of the same bytes found the file in place (and touched it) while the
    collector deleted the blob's row: the file is spared; once that upload's row is
    back it stays, and if no row comes back a later run deletes it."""
    alice = await clients("alice")
    assert server.ctx is not None
    data = os.urandom(800)
    first = await alice.upload(data, "file")
    other = await alice.upload(os.urandom(900), "file")
    advance(server, 25)
    for kept in (first, other):  # as `keep` does when it finds the bytes stored
        path = server.ctx.media.blobs.local_path(str(kept["id"]))
        assert path is not None
        touched = server.ctx.clock() / 1000
        os.utime(path, (touched, touched))
    await collect(server)
    assert {p.name for p in blob_files(server)} == {first["id"], other["id"]}  # spared
    assert await server.ctx.store.media_totals() == (0, 0)  # but their rows are gone
    again = await alice.upload(data, "file")  # the upload that touched it commits
    assert again["id"] == first["id"]
    await collect(server)
    assert {p.name for p in blob_files(server)} == {first["id"], other["id"]}
    advance(server, 2)  # `other` was never uploaded again: the next run deletes it
    await collect(server)
    assert {p.name for p in blob_files(server)} == {first["id"]}
    links = await alice.media_urls([first["id"]])
    assert await alice.download(links["urls"][first["id"]]["url"]) == data


@pytest.mark.settings(**INTERVAL_OFF)
async def test_sends_racing_a_collection_never_leave_a_message_without_its_file(
    server: Server, clients: MakeClient
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    uploads = [await alice.upload(os.urandom(500), "file", f"f{i}") for i in range(12)]
    advance(server, 25)  # every upload is past its day: a collection takes what is unsent

    async def send(media: dict[str, object]) -> bool:
        try:
            await alice.send_media(cid, media)
        except ApiError as error:
            assert (error.code, error.status) == ("media.not_found", 404)
            return False
        return True

    async def collections() -> None:
        for _ in range(3):
            await collect(server)

    outcome = await asyncio.gather(*(send(m) for m in uploads), collections())
    await collect(server)
    sent = {str(m["id"]) for m, ok in zip(uploads, outcome[:-1], strict=False) if ok}
    assert {p.name for p in blob_files(server)} == sent
    history = await bob.history(cid)
    carried = {str(m["data"]["media"]["id"]) for m in history if m["data"] and "media" in m["data"]}
    assert carried == sent
    links = await bob.media_urls(sorted(sent))
    for url in links["urls"].values():
        assert len(await bob.download(url["url"])) == 500


# --- the collector's task ---


@pytest.mark.settings(media_gc_interval_seconds=0.05)
async def test_the_collector_runs_by_itself_and_stops_with_the_server(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    await alice.upload(b"x" * 700, "file")
    assert server.collector is not None and server.ctx is not None
    names = [r.name for r in server.ctx.media.referrers]
    assert names[:3] == ["uploads", "messages", "avatars"]
    assert {"platform.oa_uploads", "platform.broadcasts"} <= set(names)
    server.collector.ran.clear()
    async with asyncio.timeout(10):
        await server.collector.ran.wait()  # a run after the interval, in the background
    assert await metric(alice, "microletter_media_bytes") == 700
    await server.stop()
    assert server.collector._task is None


async def test_admin_collect_media_deletes_what_nothing_refers_to(tmp_path: Path) -> None:
    """`microletter admin collect-media`: one whole pass, by the wall clock, on the
    configured database and media folder (here SQLite, with no server running)."""
    data = tmp_path / "data"
    data.mkdir()
    store = await open_store(f"sqlite:///{data / 'microletter.db'}", IdGenerator(0), Limits())
    blobs = LocalBlobs(data / "media")
    old = Instant(time.time_ns() // 1_000_000 - 2 * 24 * HOUR)
    user = await store.create_user("mallory", "-", "Mallory", "en", old)
    for content in (b"old unsent upload", b"another one"):
        staged = blobs.stage()
        staged.write_bytes(content)
        facts = BlobFacts(MediaId(hashlib.sha256(content).hexdigest()), "text/plain", 17)
        blobs.keep(staged, facts.id)
        kept = blobs.local_path(facts.id)
        assert kept is not None
        os.utime(kept, (old / 1000, old / 1000))  # as uploaded then
        await store.save_media(user.id, facts, MediaKind.FILE, "f", old)
    await store.close()
    assert len([p for p in (data / "media").rglob("*") if p.is_file()]) == 2
    done = await microletter(
        "admin", "collect-media", env=clean_env(MICROLETTER_DATA_DIR=str(data))
    )
    assert done.code == 0, done.err
    assert "2 uploads expired, 2 blobs collected" in done.out
    assert [p for p in (data / "media").rglob("*") if p.is_file()] == []


# --- official accounts ---


@pytest.mark.settings(**INTERVAL_OFF)
async def test_account_media_go_after_their_days_unless_broadcast_or_for_articles(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    temporary = await sdk(client.media.upload, "image", ("a.png", picture((64, 48)), "image/png"))
    posted = await sdk(client.media.upload, "image", ("b.png", picture((60, 40)), "image/png"))
    await sdk(client.message.send_mass_image, None, posted["media_id"], is_to_all=True)
    url = await sdk(client.media.upload_image, ("c.png", picture((30, 20)), "image/png"))
    article = url.split("/m/", 1)[1].split("?", 1)[0]
    advance(server, 71)  # temporary media serve the protocol for 3 days
    await collect(server)
    assert len(blob_files(server)) == 3
    advance(server, 2)
    await collect(server)
    assert {p.name for p in blob_files(server)} == {posted["media_id"], article}
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.download, temporary["media_id"])
    assert caught.value.errcode == 40007


@pytest.mark.settings(media_quota_bytes=100, **INTERVAL_OFF)
async def test_an_account_has_a_quota_too(server: Server, clients: MakeClient) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.upload, "image", ("a.png", picture((64, 48)), "image/png"))
    assert caught.value.errcode == 48001 and "quota" in caught.value.errmsg
    assert blob_files(server) == []
