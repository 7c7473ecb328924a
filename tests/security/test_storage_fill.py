"""Issue 11, part 3: one account must not be able to fill the server's disk.

Reproduced before the fix: five unsent 1 MiB uploads grew the media folder by 5.3 MB and
stayed forever, with nothing referring to them; at the upload limits one free account
could add about 29 GiB an hour, and a full disk takes the database down too. Each test
here failed on that code. Both backend pairs; time moves by the server's clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from microletter.app import Server
from microletter.core.models import Instant
from tests.conftest import MakeClient, befriend
from tests.support.rest import fails

MIB = 1024 * 1024
DAY = 86_400_000


def folder_bytes(server: Server) -> int:
    root = server.settings.data_dir / "media"
    return sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file())


def a_day_and_an_hour_later(server: Server) -> None:
    assert server.ctx is not None
    before = server.ctx.clock
    server.ctx.clock = lambda: Instant(before() + DAY + 3_600_000 + 60_000)


@pytest.mark.settings(media_gc_interval_seconds=0)
async def test_unsent_uploads_do_not_stay_forever(server: Server, clients: MakeClient) -> None:
    mallory = await clients("mallory")
    empty = folder_bytes(server)
    for i in range(5):
        await mallory.upload(os.urandom(MIB), "file", f"junk{i}.bin")
    assert folder_bytes(server) - empty >= 5 * MIB
    a_day_and_an_hour_later(server)
    assert server.collector is not None
    await server.collector.run_once()
    assert folder_bytes(server) == empty
    assert (await mallory.media_usage())["used_bytes"] == 0


@pytest.mark.settings(media_quota_bytes=3 * MIB, media_gc_interval_seconds=0)
async def test_one_account_cannot_store_more_than_its_quota(
    server: Server, clients: MakeClient
) -> None:
    mallory, friend = await clients("mallory"), await clients("friend")
    cid = await befriend(mallory, friend)
    empty = folder_bytes(server)
    for _ in range(3):  # sending them to a friend does not make room
        await mallory.send_media(cid, await mallory.upload(os.urandom(MIB - 100), "file"))
    for _ in range(5):
        await fails(mallory.upload(os.urandom(MIB), "file"), "media.quota_exceeded", 403)
    assert folder_bytes(server) - empty <= 3 * MIB


@pytest.mark.settings(media_min_free_bytes=2**62, media_gc_interval_seconds=0)
async def test_uploads_stop_before_the_disk_is_full_but_messages_go_on(
    server: Server, clients: MakeClient
) -> None:
    mallory, friend = await clients("mallory"), await clients("friend")
    cid = await befriend(mallory, friend)
    empty = folder_bytes(server)
    await fails(mallory.upload(os.urandom(MIB), "file"), "media.storage_full", 507)
    assert folder_bytes(server) == empty
    assert (await friend.send_text(cid, "the database still takes writes"))["seq"] >= 1
