"""Search of message history (the search room) over the real API, on both backends: Chinese
by one and two characters, English by words, and only ever what the searcher may read
(joined late, recalled, deleted for me, left the group)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD, MakeClient, befriend, make_settings
from tests.support.media import picture
from tests.support.rest import fails, uid

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True


async def found(client: Client, q: str, cid: int | None = None, **kw: Any) -> list[str | None]:
    """The texts of the messages `client` finds, newest first."""
    if cid is None:
        reply = await client.search(q, **kw)
    else:
        reply = await client.search_conversation(cid, q, **kw)
    return [r["message"]["text"] for r in reply["results"]]


async def test_chinese_is_found_by_one_and_two_characters_and_english_by_words(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.send_text(cid, "我们明天去吃饺子吧")
    await bob.send_text(cid, "好的，饺子馆见")
    await alice.send_text(cid, "The dumpling place on 5th Street")
    await bob.send_text(cid, "日本語のメッセージです")

    assert await found(bob, "饺子") == ["好的，饺子馆见", "我们明天去吃饺子吧"]
    assert await found(bob, "馆") == ["好的，饺子馆见"]
    assert await found(bob, "明天去") == ["我们明天去吃饺子吧"]  # a phrase of bigrams
    assert await found(bob, "天明") == []  # the characters, not in that order
    assert await found(bob, "DUMPLING place") == ["The dumpling place on 5th Street"]
    assert await found(bob, "dump") == ["The dumpling place on 5th Street"]  # as one types
    assert await found(bob, "place dumpling street") == ["The dumpling place on 5th Street"]
    assert await found(bob, "dumplings") == []
    assert await found(bob, "メッセージ") == ["日本語のメッセージです"]
    assert await found(bob, "日本") == ["日本語のメッセージです"]

    [hit] = (await bob.search("饺子馆"))["results"]
    assert hit["message"]["conversation_id"] == cid
    assert hit["snippet"] == "好的，饺子馆见"
    assert hit["highlights"] == [[3, 6]]


async def test_a_late_joiner_finds_nothing_from_before_they_joined(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    group = await alice.create_group("Lunch", [uid(bob)])
    gid = int(group["conversation"]["id"])
    await alice.send_text(gid, "secret noodles before carol")
    await alice.add_members(gid, [uid(carol)])
    await alice.send_text(gid, "noodles for everyone")

    assert await found(bob, "noodles") == ["noodles for everyone", "secret noodles before carol"]
    assert await found(carol, "noodles") == ["noodles for everyone"]
    assert await found(carol, "noodles", gid) == ["noodles for everyone"]


async def test_a_recalled_message_is_found_by_nobody(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "oops wrong 群聊")
    await alice.send_text(cid, "the right 群聊")
    await alice.recall(cid, said["seq"])  # before any search: not indexed yet on SQLite
    shown = await alice.send_text(cid, "seen then 群聊 recalled")
    assert (await found(bob, "recalled")) == ["seen then 群聊 recalled"]  # indexed now
    await alice.recall(cid, shown["seq"])

    for who in (alice, bob):
        assert await found(who, "群聊") == ["the right 群聊"]
        assert await found(who, "oops") == []
        assert await found(who, "recalled") == []


async def test_what_i_deleted_or_cleared_for_me_is_gone_from_my_search_only(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    first = await alice.send_text(cid, "pancakes one")
    await alice.send_text(cid, "pancakes two")
    await bob.hide(cid, [first["seq"]])

    assert await found(bob, "pancakes") == ["pancakes two"]
    assert await found(alice, "pancakes") == ["pancakes two", "pancakes one"]

    await bob.clear_history(cid)
    await alice.send_text(cid, "pancakes three")
    assert await found(bob, "pancakes") == ["pancakes three"]


async def test_after_leaving_a_group_its_messages_are_not_found(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    group = await alice.create_group("Hikers", [uid(bob)])
    gid = int(group["conversation"]["id"])
    await alice.send_text(gid, "爬山 on Saturday")
    assert await found(bob, "爬山") == ["爬山 on Saturday"]

    await bob.leave(gid)

    assert await found(bob, "爬山") == []
    await fails(bob.search_conversation(gid, "爬山"), "conversation.not_member", 403)
    assert await found(alice, "爬山") == ["爬山 on Saturday"]


async def test_other_peoples_conversations_are_never_searched(clients: MakeClient) -> None:
    alice, bob, eve = await clients("alice"), await clients("bob"), await clients("eve")
    cid = await befriend(alice, bob)
    await alice.send_text(cid, "the password is swordfish")
    assert await found(eve, "swordfish") == []
    await fails(eve.search_conversation(cid, "swordfish"), "conversation.not_member", 403)


async def test_results_come_in_pages_newest_first(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    for i in range(5):
        await alice.send_text(cid, f"tea number {i}")
    first = await alice.search("tea", limit=2)
    assert [r["message"]["text"] for r in first["results"]] == ["tea number 4", "tea number 3"]
    second = await alice.search("tea", limit=2, before=first["next_before"])
    assert [r["message"]["text"] for r in second["results"]] == ["tea number 2", "tea number 1"]
    last = await alice.search("tea", limit=2, before=second["next_before"])
    assert [r["message"]["text"] for r in last["results"]] == ["tea number 0"]
    assert last["next_before"] is None


async def test_a_conversation_lists_its_files_images_and_links(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    photo = await alice.upload(picture(), kind="image")
    await alice.send_media(cid, photo, caption="at the beach")
    await alice.send_text(cid, "read https://example.com/menu first")
    await alice.send_text(cid, "no link here")

    images = (await bob.search_conversation(cid, kind="image"))["results"]
    assert [r["message"]["kind"] for r in images] == ["image"]
    links = (await bob.search_conversation(cid, kind="link"))["results"]
    assert [r["links"] for r in links] == [["https://example.com/menu"]]
    assert (await bob.search_conversation(cid, kind="file"))["results"] == []
    assert await found(bob, "beach", cid, kind="image") == ["at the beach"]


@pytest.mark.parametrize(
    ("q", "code", "status"),
    [
        ("", "search.empty_query", 400),
        ("!!! ...", "search.empty_query", 400),
        ("x" * 101, "search.query_too_long", 413),
    ],
)
async def test_a_query_with_nothing_to_search_or_too_much_is_refused(
    clients: MakeClient, q: str, code: str, status: int
) -> None:
    alice = await clients("alice")
    await fails(alice.search(q), code, status)


async def test_an_unknown_kind_is_refused(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await fails(bob.search_conversation(cid, kind="video"), "invalid_input", 400)


@pytest.mark.settings(rate_search="3/minute")
async def test_searches_have_a_rate_limit_of_their_own(clients: MakeClient) -> None:
    alice = await clients("alice")
    for _ in range(3):
        await alice.search("tea")
    await fails(alice.search("tea"), "rate_limited", 429)
    assert await alice.conversations() == []  # other requests are not held back


async def test_a_database_without_its_index_is_indexed_again_at_start(
    tmp_path: Path, backends: dict[str, Any]
) -> None:
    """A database from before search (or an index of an older tokeniser) is indexed from
    its messages when the server starts."""
    settings = make_settings(tmp_path, **backends)
    first = Server(settings)
    await first.start()
    alice, bob = Client(first.url), Client(first.url)
    try:
        await alice.register("alice", PASSWORD)
        await bob.register("bob", PASSWORD)
        cid = await befriend(alice, bob)
        await alice.send_text(cid, "older 消息 kept")
        said = await alice.send_text(cid, "older 消息 recalled")
        await alice.recall(cid, said["seq"])
        token = bob.token
    finally:
        await alice.close()
        await bob.close()
        await first.stop()
    await forget_the_index(settings.effective_database_url)

    again = Server(settings)
    await again.start()
    bob = Client(again.url, token=token)
    try:
        assert await found(bob, "消息") == ["older 消息 kept"]
    finally:
        await bob.close()
        await again.stop()


async def forget_the_index(url: str) -> None:
    """Empty the index and forget its version, as a database from before search has it."""
    if url.startswith("sqlite:"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("INSERT INTO message_search (message_search) VALUES ('delete-all')")
        conn.execute("DELETE FROM meta WHERE key='search_version'")
        conn.commit()
        conn.close()
        return
    import asyncpg

    pg = await asyncpg.connect(url)
    await pg.execute("DELETE FROM message_search")
    await pg.execute("DELETE FROM meta WHERE key='search_version'")
    await pg.close()
