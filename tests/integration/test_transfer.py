"""Moving up and backing up: `admin export` a SQLite community, `admin import` it into
PostgreSQL, and every message, contact, login and cursor is there; `admin backup` of the
running PostgreSQL server restores into SQLite the same."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from microletter.app import Server
from microletter.cli import main
from microletter.client import Client
from tests.conftest import PASSWORD, befriend, make_settings
from tests.integration.test_crash import full_history, full_log
from tests.support import services
from tests.support.rest import uid


async def admin(*args: str) -> str:
    result = await asyncio.to_thread(CliRunner().invoke, main, ["admin", *args])
    assert result.exit_code == 0, result.output
    return str(result.output)


async def community(url: str) -> list[Client]:
    """Alice, bob and carol: contacts, a group, messages, a recall, read positions."""
    alice, bob, carol = Client(url), Client(url), Client(url)
    for client, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        await client.register(name, PASSWORD)
    direct = await befriend(alice, bob)
    await befriend(alice, carol)
    group = (await alice.create_group("trip", [uid(bob), uid(carol)]))["conversation"]["id"]
    for i in range(30):
        await alice.send_text(direct, f"direct {i}")
        await carol.send_text(group, f"group {i}")
    sent = await bob.send_text(direct, "oops")
    await bob.recall(direct, sent["seq"])
    await bob.mark_read(group, 10)
    await carol.set_remark(uid(alice), "Al")
    return [alice, bob, carol]


async def finds_the_community(people: list[Client]) -> None:
    """The search index came along (rebuilt by the import): every message is found, the
    recalled one is not."""
    alice, bob, carol = people
    assert len((await bob.search("direct", limit=50))["results"]) == 30
    assert len((await carol.search("group", limit=50))["results"]) == 30
    assert (await alice.search("GROUP 7"))["results"][0]["message"]["text"] == "group 7"
    assert (await bob.search("oops"))["results"] == []


async def view(client: Client) -> dict[str, Any]:
    """Everything one user can see, in a comparable form."""
    state = await client.state()
    chats = sorted(state["conversations"], key=lambda c: c["conversation"]["id"])
    histories = {
        c["conversation"]["id"]: await full_history(client, c["conversation"]["id"]) for c in chats
    }
    return {
        "state": {**state, "conversations": chats},
        "histories": histories,
        "log": await full_log(client, 0),
    }


async def test_export_from_sqlite_and_import_into_postgres_keeps_everything(
    tmp_path: Path,
) -> None:
    postgres, redis = services.postgres_server(), services.redis_server()
    sqlite = Server(make_settings(tmp_path / "old"))
    await sqlite.start()
    people = await community(sqlite.url)
    before = [await view(c) for c in people]
    tokens = [c.token for c in people]
    for c in people:
        await c.close()
    await sqlite.stop()

    dump = tmp_path / "community.mlt"
    out = await admin("export", str(dump), "--database-url", sqlite.settings.effective_database_url)
    assert "rows" in out
    pg_url, bus_url = await postgres.new_database(), await redis.new_namespace()
    bigger = Server(make_settings(tmp_path / "new", database_url=pg_url, bus_url=bus_url))
    try:
        await admin("import", str(dump), "--database-url", pg_url)
        await bigger.start()
        moved = [Client(bigger.url, token=t) for t in tokens]  # the same logins
        try:
            assert [await view(c) for c in moved] == before
            await finds_the_community(moved)
            # A device resumes from its old cursor in the old epoch: no reset, no gap.
            cursor = before[1]["state"]["cursor"] - 3
            rt = moved[1].realtime(cursor=cursor, epoch=before[1]["state"]["epoch"])
            await rt.start()
            assert rt.resets == 0
            assert [(await rt.next_event())["seq"] for _ in range(3)] == [
                cursor + 1,
                cursor + 2,
                cursor + 3,
            ]
            await rt.close()
        finally:
            for c in moved:
                await c.close()
    finally:
        await bigger.stop()
        await postgres.drop(pg_url)
        await redis.drop(bus_url)


async def test_an_online_backup_of_postgres_restores_into_sqlite(tmp_path: Path) -> None:
    postgres, redis = services.postgres_server(), services.redis_server()
    pg_url, bus_url = await postgres.new_database(), await redis.new_namespace()
    live = Server(make_settings(tmp_path / "live", database_url=pg_url, bus_url=bus_url))
    await live.start()
    try:
        people = await community(live.url)
        before = [await view(c) for c in people]
        tokens = [c.token for c in people]
        # The backup runs while people keep writing; it is one consistent snapshot.
        writer = asyncio.create_task(
            people[0].send_text(
                before[0]["state"]["conversations"][0]["conversation"]["id"], "during"
            )
        )
        await admin("backup", str(tmp_path / "backups"), "--database-url", pg_url)
        await writer
        for c in people:
            await c.close()
    finally:
        await live.stop()
        await postgres.drop(pg_url)
        await redis.drop(bus_url)

    [backup] = list((tmp_path / "backups").glob("microletter-*.mlt"))
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    await admin("import", str(backup), "--database-url", restored_url)
    restored = Server(make_settings(tmp_path / "restored", database_url=restored_url))
    await restored.start()
    back = [Client(restored.url, token=t) for t in tokens]
    try:
        after = [await view(c) for c in back]
        for old, new in zip(before, after, strict=True):
            # Everything from before the backup is there; "during" may or may not be.
            assert new["log"][: len(old["log"])] == old["log"]
            for cid, history in old["histories"].items():
                assert new["histories"][cid][: len(history)] == history
            assert new["state"]["epoch"] == old["state"]["epoch"]
        await finds_the_community(back)
    finally:
        for c in back:
            await c.close()
        await restored.stop()
