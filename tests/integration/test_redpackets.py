"""Red packets over REST, on both backends: normal, lucky and exclusive packets in a
group and in a one-to-one chat, opened at most once per member, "best luck" once empty,
who got how much for those who opened, notes only the sender and the opener see (and
nobody else's history or log), bad input with its codes and nothing moved, and the
refund of what is left at expiry."""

from __future__ import annotations

from typing import Any

import pytest

from microletter.app import Server
from microletter.client import ApiError, Client, Realtime
from tests.conftest import MakeClient, befriend
from tests.integration.test_realtime import bye, connect, hello, until
from tests.integration.test_wallet import funded, messages, pay_token
from tests.support.clock import Clock
from tests.support.rest import fails, raw, uid

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True

operators = pytest.mark.settings(operators=("root",))
DAY = 86_400_000


async def group_of(owner: Client, *others: Client) -> int:
    for other in others:
        await befriend(owner, other)
    view = await owner.create_group("family", [uid(o) for o in others])
    return int(view["conversation"]["id"])


async def send(
    client: Client, cid: int, kind: str, amount: Any, shares: Any = 1, **kw: Any
) -> dict[str, Any]:
    reply = await client.send_red_packet(
        cid,
        kind,
        amount,
        shares,
        payment_token=await pay_token(client),
        idempotency_key=kw.pop("key", f"rp-{kind}-{amount}-{shares}"),
        **kw,
    )
    packet: dict[str, Any] = reply["packet"]
    return packet


async def notes(client: Client, cid: int) -> list[dict[str, Any]]:
    reply = await client.call("GET", f"/api/v1/conversations/{cid}/messages")
    found: list[dict[str, Any]] = reply["notes"]
    return found


@operators
async def test_a_lucky_packet_in_a_group_is_opened_once_each_and_sums_to_its_amount(
    clients: MakeClient, server: Server
) -> None:
    root, alice, bob, carol = [await clients(n) for n in ("root", "alice", "bob", "carol")]
    cid = await group_of(alice, bob, carol)
    await funded(root, alice, 10_000)
    packet = await send(alice, cid, "lucky", 1000, 3, greeting="Happy new year")
    assert packet["status"] == "open" and packet["opened"] == 0 and packet["openings"] == []
    assert (await alice.wallet())["balance"] == 9000
    card = [m for m in await messages(bob, cid) if m["kind"] == "red_packet"]
    assert len(card) == 1 and card[0]["data"]["greeting"] == "Happy new year"
    assert "amount" not in card[0]["data"]  # shown only to those who open
    got = {}
    for who in (bob, carol, alice):  # the sender may open their own in a group
        opened = await who.open_red_packet(packet["id"])
        got[uid(who)] = opened["amount"]
        assert opened["amount"] >= 1
    assert sum(got.values()) == 1000 and opened["finished"]
    error = await fails(bob.open_red_packet(packet["id"]), "redpacket.already_opened", 409)
    assert error.details["amount"] == got[uid(bob)]
    dave = await clients("dave")
    await fails(dave.open_red_packet(packet["id"]), "conversation.not_member", 403)
    seen = (await carol.red_packet(packet["id"]))["packet"]
    assert seen["status"] == "finished" and seen["my_amount"] == got[uid(carol)]
    assert {o["user_id"]: o["amount"] for o in seen["openings"]} == got
    best = [o for o in seen["openings"] if o["best"]]
    assert len(best) == 1 and best[0]["amount"] == max(got.values())
    for who in (alice, bob, carol):
        assert (await who.wallet())["balance"] == (9000 if who is alice else 0) + got[uid(who)]
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_refusals_after_a_packet_is_empty_keep_their_order_of_precedence(
    clients: MakeClient, server: Server
) -> None:
    # Once a packet is empty (or a member opened it), the server answers later opens
    # from what is committed without the writer: the refusal must be the one the
    # writer would give, a member who left hearing not_member before anything else.
    root, alice, bob, carol, erin = [
        await clients(n) for n in ("root", "alice", "bob", "carol", "erin")
    ]
    cid = await group_of(alice, bob, carol, erin)
    await funded(root, alice, 1000)
    packet = await send(alice, cid, "normal", 200, 2)
    got = (await bob.open_red_packet(packet["id"]))["amount"]
    error = await fails(bob.open_red_packet(packet["id"]), "redpacket.already_opened", 409)
    assert error.details["amount"] == got == 100
    assert (await carol.open_red_packet(packet["id"]))["finished"]
    for _ in range(2):  # from what the committed opens taught the server, without the writer
        await fails(erin.open_red_packet(packet["id"]), "redpacket.exhausted", 409)
    await bob.leave(cid)
    await fails(bob.open_red_packet(packet["id"]), "conversation.not_member", 403)
    error = await fails(carol.open_red_packet(packet["id"]), "redpacket.already_opened", 409)
    assert error.details["amount"] == 100
    assert (await bob.wallet())["balance"] == (await carol.wallet())["balance"] == 100
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_an_opening_note_reaches_only_the_opener_and_then_the_sender(
    clients: MakeClient, server: Server
) -> None:
    clock = Clock(server)
    root, alice, bob, carol = [await clients(n) for n in ("root", "alice", "bob", "carol")]
    cid = await group_of(alice, bob, carol)
    await funded(root, alice, 10_000)
    packet = await send(alice, cid, "normal", 300, 3)
    before = {uid(who): (await who.state())["cursor"] for who in (alice, carol)}
    await bob.open_red_packet(packet["id"])
    await carol.open_red_packet(packet["id"])
    assert [n["data"]["openers"] for n in await notes(bob, cid)] == [[uid(bob)]]
    assert [n["audience"] for n in await notes(bob, cid)] == [[uid(bob)]]
    assert await notes(alice, cid) == []  # the sender hears a moment later, once
    assert server.scheduler is not None
    clock.advance(2000)  # the end of the opens' second, and a second's grace
    assert await server.scheduler.run_due() == 1
    told = await notes(alice, cid)
    assert [n["data"]["openers"] for n in told] == [[uid(bob), uid(carol)]]
    assert told[0]["data"]["action"] == "redpacket.opened" and not told[0]["data"]["finished"]
    # the notes took no seq: nobody's unread count or history moved
    last = [m["seq"] for m in await messages(alice, cid)][-1]
    assert told[0]["after_seq"] == last
    view = await alice.call("GET", f"/api/v1/conversations/{cid}")
    assert view["conversation"]["conversation"]["last_seq"] == last
    changes = (await carol.changes(before[uid(carol)]))["events"]
    assert [e["kind"] for e in changes] == ["note"]
    alice_changes = (await alice.changes(before[uid(alice)]))["events"]
    assert [e["kind"] for e in alice_changes] == ["note"]
    assert alice_changes[0]["data"]["note"]["data"]["openers"] == [uid(bob), uid(carol)]


@operators
async def test_normal_and_exclusive_packets_and_a_one_to_one_packet(
    clients: MakeClient,
) -> None:
    root, alice, bob, carol = [await clients(n) for n in ("root", "alice", "bob", "carol")]
    cid = await group_of(alice, bob, carol)
    await funded(root, alice, 10_000)
    normal = await send(alice, cid, "normal", 600, 2)
    assert (await bob.open_red_packet(normal["id"]))["amount"] == 300
    exclusive = await send(alice, cid, "exclusive", 500, 1, recipient_id=uid(carol))
    await fails(bob.open_red_packet(exclusive["id"]), "redpacket.not_for_you", 403)
    await fails(alice.open_red_packet(exclusive["id"]), "redpacket.not_for_you", 403)
    assert (await carol.open_red_packet(exclusive["id"]))["amount"] == 500
    direct = await befriend(bob, carol)
    await funded(root, bob, 1000, "fund-bob")
    one = await send(bob, direct, "normal", 200, 1)
    await fails(bob.open_red_packet(one["id"]), "redpacket.not_for_you", 403)
    assert (await carol.open_red_packet(one["id"]))["amount"] == 200
    await fails(alice.red_packet(one["id"]), "redpacket.not_found", 404)
    await fails(
        bob.send_red_packet(
            direct, "lucky", 200, 2, payment_token=await pay_token(bob), idempotency_key="two"
        ),
        "redpacket.shares_invalid",
        400,
    )
    assert (await root.admin_reconcile())["ok"]


@operators
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "lucky", "amount": 0, "shares": 2}, "wallet.amount_invalid"),
        ({"kind": "lucky", "amount": -5, "shares": 2}, "wallet.amount_invalid"),
        ({"kind": "lucky", "amount": 1.5, "shares": 2}, "wallet.amount_invalid"),
        ({"kind": "lucky", "amount": "100", "shares": 2}, "wallet.amount_invalid"),
        ({"kind": "lucky", "amount": 10**12, "shares": 2}, "wallet.amount_too_large"),
        ({"kind": "lucky", "amount": 2**70, "shares": 2}, "wallet.amount_too_large"),
        ({"kind": "lucky", "amount": 100, "shares": 0}, "redpacket.shares_invalid"),
        ({"kind": "lucky", "amount": 100, "shares": 2.5}, "redpacket.shares_invalid"),
        ({"kind": "lucky", "amount": 100, "shares": 4}, "redpacket.shares_invalid"),
        ({"kind": "lucky", "amount": 2, "shares": 3}, "redpacket.amount_too_small"),
        ({"kind": "normal", "amount": 100, "shares": 3}, "redpacket.amount_uneven"),
        ({"kind": "lucky", "amount": 60_000, "shares": 2}, "redpacket.share_too_large"),
        ({"kind": "exclusive", "amount": 100, "shares": 1}, "redpacket.recipient_invalid"),
        ({"kind": "huge", "amount": 100, "shares": 1}, "redpacket.kind_invalid"),
        ({"kind": "lucky", "amount": 100, "greeting": "x" * 51}, "invalid_input.too_large"),
    ],
)
async def test_bad_packets_are_refused_with_their_code_and_move_nothing(
    clients: MakeClient, body: dict[str, Any], code: str
) -> None:
    root, alice, bob, carol = [await clients(n) for n in ("root", "alice", "bob", "carol")]
    cid = await group_of(alice, bob, carol)
    await funded(root, alice, 100_000)
    token = await pay_token(alice)
    status, reply = await raw(
        alice,
        "POST",
        f"/api/v1/conversations/{cid}/red-packets",
        json={**body, "idempotency_key": "k", "payment_token": token},
    )
    assert (status, reply["error"]["code"]) == (
        413 if code.startswith("invalid_input") else 400,
        code,
    )
    assert (await alice.wallet())["balance"] == 100_000


@operators
async def test_the_rest_of_a_packet_is_refunded_at_expiry_and_then_it_cannot_be_opened(
    clients: MakeClient, server: Server
) -> None:
    clock = Clock(server)
    root, alice, bob, carol = [await clients(n) for n in ("root", "alice", "bob", "carol")]
    cid = await group_of(alice, bob, carol)
    await funded(root, alice, 1000)
    packet = await send(alice, cid, "lucky", 900, 3)
    got = (await bob.open_red_packet(packet["id"]))["amount"]
    await carol.leave(cid)
    await fails(carol.open_red_packet(packet["id"]), "conversation.not_member", 403)
    assert server.scheduler is not None
    clock.advance(DAY)
    await server.scheduler.run_due()
    await fails(alice.open_red_packet(packet["id"]), "redpacket.expired", 409)
    seen = (await alice.red_packet(packet["id"]))["packet"]
    assert seen["status"] == "refunded" and seen["refunded"] == 900 - got
    assert (await alice.wallet())["balance"] == 1000 - got
    assert [n["data"]["action"] for n in await notes(alice, cid)][-1] == "redpacket.refunded"
    # an empty one is not refunded (nothing left), and its expiry job finds nothing to do
    small = await send(alice, cid, "normal", 10, 1, key="small")
    await bob.open_red_packet(small["id"])
    await fails(alice.open_red_packet(small["id"]), "redpacket.exhausted", 409)
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_a_replayed_send_returns_the_first_packet(clients: MakeClient) -> None:
    root, alice, bob = [await clients(n) for n in ("root", "alice", "bob")]
    cid = await group_of(alice, bob)
    await funded(root, alice, 1000)
    token = await pay_token(alice)
    first = await alice.send_red_packet(
        cid, "lucky", 500, 2, payment_token=token, idempotency_key="same"
    )
    again = await alice.send_red_packet(
        cid, "lucky", 500, 2, payment_token=token, idempotency_key="same"
    )
    assert again["replayed"] and again["packet"]["id"] == first["packet"]["id"]
    await fails(
        alice.send_red_packet(cid, "lucky", 400, 2, payment_token=token, idempotency_key="same"),
        "wallet.idempotency_key_reused",
        409,
    )
    assert (await alice.wallet())["balance"] == 500
    await fails(alice.open_red_packet(123456789), "redpacket.not_found", 404)


@operators
async def test_a_packet_opens_over_the_websocket_with_the_codes_of_rest(
    clients: MakeClient, server: Server
) -> None:
    """Protocol revision 2: `open_red_packet` on /ws is the same open as the REST route
    (once per member, the same error codes), answered by the frame with its ref; the
    opener's note comes on the same socket."""
    root, alice, bob, carol, dave = [
        await clients(n) for n in ("root", "alice", "bob", "carol", "dave")
    ]
    cid = await group_of(alice, bob, carol)
    await funded(root, alice, 10_000)
    packet = await send(alice, cid, "lucky", 500, 2)
    ws = await connect(server)
    try:
        ready = await hello(ws, bob)
        assert ready["revision"] >= 2  # open_red_packet came with revision 2
        await until(ws, "synced")
        await ws.send_json({"t": "open_red_packet", "packet_id": packet["id"], "ref": "o1"})
        opened = await until(ws, "opened")
        assert opened["ref"] == "o1" and opened["packet_id"] == packet["id"]
        assert opened["conversation_id"] == cid and opened["amount"] >= 1
        assert opened["currency"] == {"code": "CNY", "exponent": 2}
        assert not opened["finished"]
        await ws.send_json({"t": "open_red_packet", "packet_id": packet["id"], "ref": "o2"})
        again = await until(ws, "error")
        assert again["ref"] == "o2" and again["error"]["code"] == "redpacket.already_opened"
        assert again["error"]["details"]["amount"] == opened["amount"]
        await ws.send_json({"t": "open_red_packet", "packet_id": 1, "ref": 3})
        missing = await until(ws, "error")
        assert missing["ref"] == 3 and missing["error"]["code"] == "redpacket.not_found"
        await ws.send_json({"t": "open_red_packet", "packet_id": "x", "ref": "o4"})
        bad = await until(ws, "error")
        assert bad["ref"] == "o4" and bad["error"]["code"] == "invalid_input"
    finally:
        await bye(ws)
    with_sdk = Realtime(carol)
    await with_sdk.start()
    try:
        last = await with_sdk.open_red_packet(packet["id"])
        assert last["t"] == "opened" and last["finished"]
        assert last["amount"] + opened["amount"] == 500
        with pytest.raises(ApiError) as refused:
            await with_sdk.open_red_packet(packet["id"])
        assert refused.value.code == "redpacket.already_opened"
    finally:
        await with_sdk.close()
    await fails(dave.open_red_packet(packet["id"]), "conversation.not_member", 403)
    assert [n["data"]["openers"] for n in await notes(bob, cid)] == [[uid(bob)]]
    assert (await bob.wallet())["balance"] == opened["amount"]
    assert (await root.admin_reconcile())["ok"]
