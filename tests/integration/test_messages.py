"""Messages over REST: sending exactly once, dense seqs, history pages, replies, mentions,
the size limit, recall, and read positions with their receipts."""

from __future__ import annotations

import asyncio

import pytest

from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.support.rest import fails, raw, uid

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True


async def group_of(owner: Client, *members: Client) -> int:
    for member in members:
        await befriend(owner, member)
    view = await owner.create_group("team", [uid(m) for m in members])
    return int(view["conversation"]["id"])


async def unread(client: Client, cid: int) -> int:
    [view] = [v for v in await client.conversations() if v["conversation"]["id"] == cid]
    return int(view["unread"])


async def test_sending_returns_the_stored_message(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    sent = await alice.send_text(cid, "hello bob", client_msg_id="m-1")
    assert (sent["conversation_id"], sent["sender_id"]) == (cid, uid(alice))
    assert (sent["kind"], sent["text"], sent["client_msg_id"]) == ("text", "hello bob", "m-1")
    assert sent["seq"] == 2  # after the note that opened the conversation
    assert sent["recalled"] is False
    assert await bob.history(cid, after=1) == [sent]
    fetched = await bob.call("GET", f"/api/v1/conversations/{cid}/messages/{sent['seq']}")
    assert fetched["message"] == sent


async def test_a_repeated_client_msg_id_returns_the_original_and_stores_no_copy(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    first = await alice.send_text(cid, "once", client_msg_id="retry-me")
    again = await alice.send_text(cid, "once", client_msg_id="retry-me")
    changed = await alice.send_text(cid, "different text", client_msg_id="retry-me")
    assert again == first and changed == first
    texts = [m["text"] for m in await bob.history(cid)]
    assert texts.count("once") == 1 and "different text" not in texts
    same_id_by_bob = await bob.send_text(cid, "mine", client_msg_id="retry-me")
    assert same_id_by_bob["seq"] == first["seq"] + 1


@pytest.mark.parametrize("client_msg_id", ["has space", "a/b", "x" * 65, "ü"])
async def test_a_bad_client_msg_id_is_refused(clients: MakeClient, client_msg_id: str) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    error = await fails(
        alice.send_text(cid, "hi", client_msg_id=client_msg_id), "invalid_input", 400
    )
    assert error.details["field"] == "client_msg_id"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "nul\x00byte"])
async def test_empty_or_nul_text_is_refused(clients: MakeClient, text: str) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await fails(alice.send_text(cid, text), "invalid_input", 400)
    assert len(await bob.history(cid)) == 1


async def test_seqs_are_dense_from_one(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    for i in range(6):
        sender = (alice, bob, carol)[i % 3]
        await sender.send_text(cid, f"m{i}")
    await alice.update_group(cid, name="renamed")
    await bob.send_text(cid, "last")
    seqs = [m["seq"] for m in await carol.history(cid)]
    assert seqs == list(range(1, 10))
    assert (await carol.conversation(cid))["conversation"]["last_seq"] == 9


async def test_history_pages_oldest_first(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    for i in range(2, 12):
        await alice.send_text(cid, f"m{i}")
    # seq 1 is the note; seqs 2..11 are m2..m11
    newest = await bob.history(cid, limit=3)
    assert [m["seq"] for m in newest] == [9, 10, 11]
    older = await bob.history(cid, before=9, limit=3)
    assert [m["text"] for m in older] == ["m6", "m7", "m8"]
    after = await bob.history(cid, after=2, limit=3)
    assert [m["seq"] for m in after] == [3, 4, 5]
    assert await bob.history(cid, after=11) == []
    assert [m["seq"] for m in await bob.history(cid, before=3)] == [1, 2]
    assert [m["seq"] for m in await bob.history(cid)] == list(range(1, 12))
    assert [m["seq"] for m in await bob.history(cid, after=0, before=5, limit=2)] == [1, 2]


async def test_a_history_page_holds_at_most_one_hundred(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await asyncio.gather(*(alice.send_text(cid, f"m{i}") for i in range(104)))
    page = await bob.history(cid)
    assert len(page) == 100
    assert [m["seq"] for m in page] == list(range(6, 106))
    await fails(bob.history(cid, limit=101), "invalid_input", 400)


async def test_a_reply_must_quote_an_existing_message(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    original = await alice.send_text(cid, "question?")
    answer = await bob.send_text(cid, "answer", reply_to=original["seq"])
    assert answer["reply_to"] == original["seq"]
    error = await fails(bob.send_text(cid, "to nothing", reply_to=99), "message.not_found", 404)
    assert error.details["field"] == "reply_to"
    await fails(bob.send_text(cid, "to zero", reply_to=0), "message.not_found", 404)
    assert [m["text"] for m in await alice.history(cid)][-1] == "answer"


async def test_mentions_must_be_members(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob)
    sent = await alice.send_text(cid, "@bob look", mentions=[uid(bob), uid(bob)])
    assert sent["mentions"] == [uid(bob)]
    error = await fails(
        alice.send_text(cid, "@carol?", mentions=[uid(carol)]), "invalid_input", 400
    )
    assert error.details["users"] == [uid(carol)]
    await fails(alice.send_text(cid, "@ghost", mentions=[999_999]), "invalid_input", 400)


async def test_only_the_owner_and_admins_mention_all(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    await fails(
        bob.send_text(cid, "@all hi", mention_all=True), "conversation.permission_denied", 403
    )
    assert (await alice.send_text(cid, "@all meeting", mention_all=True))["mention_all"] is True
    await alice.set_role(cid, uid(bob), "admin")
    assert (await bob.send_text(cid, "@all lunch", mention_all=True))["mention_all"] is True
    texts = [m["text"] for m in await carol.history(cid)]
    assert "@all hi" not in texts and "@all lunch" in texts


async def test_text_is_limited_to_16_kib_of_utf8(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    assert len((await alice.send_text(cid, "a" * 16384))["text"]) == 16384
    await fails(alice.send_text(cid, "a" * 16385), "invalid_input.too_large", 413)
    cjk = "中" * 5461  # 16383 bytes
    assert (await alice.send_text(cid, cjk))["text"] == cjk
    error = await fails(alice.send_text(cid, "中" * 6000), "invalid_input.too_large", 413)
    assert (error.details["max_bytes"], error.details["size"]) == (16384, 18000)
    await fails(alice.send_text(cid, "😀" * 4097), "invalid_input.too_large", 413)
    assert len(await bob.history(cid)) == 3


@pytest.mark.settings(max_text_bytes=10)
async def test_the_operator_sets_the_text_limit(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await alice.send_text(cid, "0123456789")
    await fails(alice.send_text(cid, "é" * 6), "invalid_input.too_large", 413)


async def test_a_recalled_message_is_erased_for_everyone(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    question = await bob.send_text(cid, "q")
    sent = await alice.send_text(cid, "oops @bob", reply_to=question["seq"], mentions=[uid(bob)])
    recalled = await alice.recall(cid, sent["seq"])
    assert (recalled["recalled"], recalled["text"]) == (True, None)
    assert (recalled["reply_to"], recalled["mentions"]) == (None, [])
    for member in (alice, bob, carol):
        [seen] = [m for m in await member.history(cid) if m["seq"] == sent["seq"]]
        assert (seen["recalled"], seen["text"], seen["sender_id"]) == (True, None, uid(alice))
        [view] = [v for v in await member.conversations() if v["conversation"]["id"] == cid]
        assert view["last_message"]["text"] is None
    fetched = await carol.call("GET", f"/api/v1/conversations/{cid}/messages/{sent['seq']}")
    assert fetched["message"]["recalled"] is True
    assert await alice.recall(cid, sent["seq"]) == recalled


async def test_members_learn_of_a_recall(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    sent = await alice.send_text(cid, "secret")
    cursor = (await bob.state())["cursor"]
    await alice.recall(cid, sent["seq"])
    [event] = (await bob.changes(cursor))["events"]
    assert event["kind"] == "recall"
    assert event["data"] == {"conversation_id": cid, "seq": sent["seq"], "by": uid(alice)}
    # The original message event, replayed from the log, no longer carries the text.
    replay = [e for e in (await bob.changes(0))["events"] if e["kind"] == "message"]
    assert "secret" not in [e["data"]["message"]["text"] for e in replay]


async def test_only_the_sender_recalls(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    sent = await bob.send_text(cid, "mine")
    await fails(alice.recall(cid, sent["seq"]), "message.not_sender", 403)
    await fails(alice.recall(cid, 1), "message.not_sender", 403)  # a system note
    await fails(alice.recall(cid, 99), "message.not_found", 404)
    assert [m["text"] for m in await alice.history(cid)][-1] == "mine"


@pytest.mark.settings(recall_window_seconds=0)
async def test_a_message_cannot_be_recalled_after_the_window(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    sent = await alice.send_text(cid, "too late")
    await asyncio.sleep(0.01)
    error = await fails(alice.recall(cid, sent["seq"]), "message.recall_expired", 403)
    assert error.details["window_seconds"] == 0
    assert [m["text"] for m in await bob.history(cid)][-1] == "too late"


async def test_marking_read_moves_forward_only(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    for i in range(4):
        await alice.send_text(cid, f"m{i}")
    assert await unread(bob, cid) == 4  # "you are now friends" (seq 1) is not unread
    assert await bob.mark_read(cid, 3) == 3
    assert await unread(bob, cid) == 2
    assert await bob.mark_read(cid, 2) == 3
    assert await bob.mark_read(cid, 0) == 3
    assert await bob.mark_read(cid, 99) == 5  # never past the last message
    assert await unread(bob, cid) == 0
    members = {m["user"]["id"]: m["last_read_seq"] for m in await alice.members(cid)}
    assert members[uid(bob)] == 5


async def test_unread_counts_drop_to_zero_when_read(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    group = await group_of(alice, bob, carol)
    direct = await befriend(bob, carol)
    await alice.send_text(group, "one")
    await alice.send_text(group, "two")
    await bob.send_text(direct, "hey")
    views = {v["conversation"]["id"]: v for v in await carol.conversations()}
    assert (views[group]["unread"], views[direct]["unread"]) == (3, 1)
    await carol.mark_read(group, views[group]["conversation"]["last_seq"])
    views = {v["conversation"]["id"]: v for v in await carol.conversations()}
    assert (views[group]["unread"], views[direct]["unread"]) == (0, 1)
    assert views[group]["last_read_seq"] == 3
    assert await unread(bob, group) == 3


async def test_the_peer_in_a_direct_conversation_sees_a_read_receipt(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    sent = await alice.send_text(cid, "did you read this?")
    cursor = (await alice.state())["cursor"]
    await bob.mark_read(cid, sent["seq"])
    events = (await alice.changes(cursor))["events"]
    assert [e["kind"] for e in events] == ["read"]
    assert events[0]["data"] == {"conversation_id": cid, "user_id": uid(bob), "seq": sent["seq"]}


async def test_group_members_get_no_read_receipts(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await group_of(alice, bob)
    sent = await alice.send_text(cid, "hi all")
    alice_cursor = (await alice.state())["cursor"]
    bob_cursor = (await bob.state())["cursor"]
    await bob.mark_read(cid, sent["seq"])
    assert (await alice.changes(alice_cursor))["events"] == []
    assert [e["kind"] for e in (await bob.changes(bob_cursor))["events"]] == ["read"]


async def test_sending_advances_your_own_read_position(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await bob.send_text(cid, "one")
    await bob.send_text(cid, "two")
    assert await unread(alice, cid) == 2
    sent = await alice.send_text(cid, "reply")
    assert await unread(alice, cid) == 0
    assert (await alice.conversation(cid))["last_read_seq"] == sent["seq"]
    assert await unread(bob, cid) == 1


async def test_a_sent_message_reaches_the_log_of_every_member(clients: MakeClient) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    cid = await group_of(alice, bob, carol)
    cursors = {c: (await c.state())["cursor"] for c in (alice, bob, carol)}
    sent = await bob.send_text(cid, "to everyone")
    for member, cursor in cursors.items():
        [event] = (await member.changes(cursor))["events"]
        assert event["kind"] == "message"
        assert event["data"]["message"] == sent


async def test_a_raw_send_needs_a_client_msg_id_and_text(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    path = f"/api/v1/conversations/{cid}/messages"
    for body in (
        {"text": "hi"},
        {"client_msg_id": "a"},
        {"client_msg_id": "a", "text": "hi", "x": 1},
    ):
        status, reply = await raw(alice, "POST", path, json=body)
        assert (status, reply["error"]["code"]) == (400, "invalid_input")
    status, reply = await raw(alice, "POST", path, json={"client_msg_id": "a", "text": "hi"})
    assert status == 201
    assert reply["message"]["text"] == "hi"


async def test_concurrent_retries_of_one_send_store_one_message(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    replies = await asyncio.gather(
        *(alice.send_text(cid, "flaky network", client_msg_id="same") for _ in range(8))
    )
    assert all(reply == replies[0] for reply in replies)
    assert [m["text"] for m in await bob.history(cid)].count("flaky network") == 1


async def test_a_refused_send_does_not_undo_the_sends_committed_with_it(
    clients: MakeClient,
) -> None:
    alice, bob, mallory = await clients("alice"), await clients("bob"), await clients("mallory")
    cid = await befriend(alice, bob)
    results = await asyncio.gather(
        *(
            (mallory if i % 2 else alice).send_text(cid, f"m{i}", client_msg_id=f"c{i}")
            for i in range(10)
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 5
    assert {getattr(r, "code", None) for r in refused} == {"conversation.not_member"}
    texts = [m["text"] for m in await bob.history(cid)][1:]  # after the opening note
    assert sorted(texts) == [f"m{i}" for i in range(0, 10, 2)]
