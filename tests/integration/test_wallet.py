"""The wallet over REST, on both backends: operators credit and debit with a reason, a
payment password gives a payment token, a transfer appears as a card and is accepted or
returned once, an unaccepted one is refunded by the scheduler at expiry (a note both
see), statements and receipts are private, bad input moves nothing, and
`microletter admin reconcile` runs beside the server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from click.testing import CliRunner

from microletter.app import Server
from microletter.cli import main
from microletter.client import Client
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.clock import Clock
from tests.support.rest import fails, raw, uid

operators = pytest.mark.settings(operators=("root",))
DAY = 86_400_000


async def funded(root: Client, who: Client, amount: int, key: str = "fund") -> None:
    await root.admin_adjust(uid(who), amount, "welcome credit", key)


async def pay_token(client: Client, password: str = "123456") -> str:
    wallet = await client.wallet()
    if not wallet["has_pay_password"]:
        await client.set_pay_password(PASSWORD, password)
    return await client.payment_token(password)


async def messages(client: Client, cid: int) -> list[dict[str, Any]]:
    reply = await client.call("GET", f"/api/v1/conversations/{cid}/messages")
    found: list[dict[str, Any]] = reply["messages"]
    return found


@operators
async def test_an_operator_credits_a_wallet_and_a_replay_moves_nothing(
    clients: MakeClient,
) -> None:
    root, alice = await clients("root"), await clients("alice")
    wallet = await alice.wallet()
    assert wallet["balance"] == 0 and wallet["currency"] == {"code": "CNY", "exponent": 2}
    first = await root.admin_adjust(uid(alice), 1250, "welcome", "k1")
    again = await root.admin_adjust(uid(alice), 1250, "welcome", "k1")
    assert again["replayed"] and again["transaction"]["id"] == first["transaction"]["id"]
    await fails(
        root.admin_adjust(uid(alice), 99, "welcome", "k1"), "wallet.idempotency_key_reused", 409
    )
    assert (await alice.wallet())["balance"] == 1250
    await fails(
        root.admin_adjust(uid(alice), 2000, "oops", "k2", debit=True),
        "wallet.insufficient_funds",
        409,
    )
    await root.admin_adjust(uid(alice), 250, "correction", "k3", debit=True)
    lines = (await alice.statement())["lines"]
    assert [(x["kind"], x["amount"], x["balance_after"]) for x in lines] == [
        ("debit", -250, 1000),
        ("credit", 1250, 1250),
    ]
    receipt = await alice.receipt(lines[1]["transaction_id"])
    assert receipt["transaction"]["amount"] == 1250 and receipt["transaction"]["memo"] == "welcome"
    # nobody but an operator reads another's wallet
    bob = await clients("bob")
    await fails(bob.receipt(lines[1]["transaction_id"]), "wallet.transaction_not_found", 404)
    await fails(bob.admin_statement(uid(alice)), "admin.not_operator", 403)
    await fails(bob.admin_adjust(uid(bob), 100, "free money", "x"), "admin.not_operator", 403)
    assert len((await root.admin_statement(uid(alice)))["lines"]) == 2
    assert (await root.admin_reconcile())["ok"]


@operators
@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "wallet.amount_invalid"),
        (-5, "wallet.amount_invalid"),
        (1.5, "wallet.amount_invalid"),
        (1.0, "wallet.amount_invalid"),
        ("100", "wallet.amount_invalid"),
        (None, "wallet.amount_invalid"),
        (True, "wallet.amount_invalid"),
        (10**12, "wallet.amount_too_large"),
        (2**70, "wallet.amount_too_large"),
    ],
)
async def test_bad_amounts_are_refused_with_their_code_and_move_nothing(
    clients: MakeClient, amount: Any, code: str
) -> None:
    root, alice, bob = await clients("root"), await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await funded(root, alice, 1000)
    token = await pay_token(alice)
    status, body = await raw(
        alice,
        "POST",
        f"/api/v1/conversations/{cid}/transfers",
        json={"amount": amount, "idempotency_key": "t", "payment_token": token},
    )
    assert (status, body["error"]["code"]) == (400, code)
    assert (await alice.wallet())["balance"] == 1000


@operators
async def test_payments_need_a_token_from_the_payment_password(clients: MakeClient) -> None:
    root, alice, bob = await clients("root"), await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await funded(root, alice, 1000)
    await fails(alice.payment_token("123456"), "wallet.pay_password_not_set", 403)
    await fails(alice.set_pay_password("wrong login", "123456"), "auth.bad_credentials", 401)
    await fails(alice.set_pay_password(PASSWORD, "12345"), "wallet.pay_password_invalid", 400)
    await fails(alice.set_pay_password(PASSWORD, "abcdef"), "wallet.pay_password_invalid", 400)
    await alice.set_pay_password(PASSWORD, "123456")
    await fails(
        alice.transfer(cid, 100, payment_token=None, idempotency_key="a"),
        "wallet.payment_token_invalid",
        403,
    )
    await fails(
        alice.transfer(cid, 100, payment_token="mlp_forged", idempotency_key="a"),
        "wallet.payment_token_invalid",
        403,
    )
    await fails(
        alice.transfer(
            cid, 100, payment_token=await alice.payment_token("123456"), idempotency_key=None
        ),
        "wallet.idempotency_key_invalid",
        400,
    )
    await fails(
        alice.transfer(
            cid, 5000, payment_token=await alice.payment_token("123456"), idempotency_key="big"
        ),
        "wallet.insufficient_funds",
        409,
    )
    # someone else's token is no good either
    bob_token = await pay_token(bob, "654321")
    await fails(
        alice.transfer(cid, 100, payment_token=bob_token, idempotency_key="b"),
        "wallet.payment_token_invalid",
        403,
    )
    assert (await alice.wallet())["balance"] == 1000


@operators
async def test_five_wrong_payment_passwords_lock_payments(clients: MakeClient) -> None:
    alice = await clients("alice")
    await alice.set_pay_password(PASSWORD, "123456")
    for left in (4, 3, 2, 1):
        error = await fails(alice.payment_token("000000"), "wallet.pay_password_wrong", 403)
        assert error.details["attempts_left"] == left
    await fails(alice.payment_token("000000"), "wallet.locked", 403)
    await fails(alice.payment_token("123456"), "wallet.locked", 403)  # even the right one
    assert (await alice.wallet())["locked_until"] is not None
    # changing it (with the login password) lifts the lock
    await alice.set_pay_password(PASSWORD, "222222")
    assert await alice.payment_token("222222")


@operators
async def test_a_transfer_card_is_accepted_once_by_its_recipient(clients: MakeClient) -> None:
    root, alice, bob = await clients("root"), await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await funded(root, alice, 1000)
    token = await pay_token(alice)
    sent = await alice.transfer(cid, 300, payment_token=token, idempotency_key="t1", note="lunch")
    transfer = sent["transfer"]
    assert transfer["status"] == "pending" and not sent["replayed"]
    # a replay (even with the spent token) returns the same transfer and moves nothing
    again = await alice.transfer(cid, 300, payment_token=token, idempotency_key="t1", note="lunch")
    assert again["replayed"] and again["transfer"]["id"] == transfer["id"]
    card = [m for m in await messages(bob, cid) if m["kind"] == "transfer"]
    assert (
        len(card) == 1 and card[0]["data"]["amount"] == 300 and card[0]["data"]["note"] == "lunch"
    )
    assert (await alice.wallet())["balance"] == 700
    await fails(alice.settle_transfer(transfer["id"], "accept", "a"), "wallet.not_recipient", 403)
    carol = await clients("carol")
    await fails(
        carol.settle_transfer(transfer["id"], "accept", "a"), "wallet.transfer_not_found", 404
    )
    accepted = await bob.settle_transfer(transfer["id"], "accept", "a1")
    assert accepted["transfer"]["status"] == "accepted"
    assert (await bob.settle_transfer(transfer["id"], "accept", "a1"))["replayed"]
    await fails(bob.settle_transfer(transfer["id"], "return", "a2"), "wallet.transfer_settled", 409)
    assert (await bob.wallet())["balance"] == 300
    notes = [m["data"]["action"] for m in await messages(alice, cid) if m["kind"] == "system"]
    assert "transfer.accepted" in notes
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_transfers_only_go_to_the_other_person_of_a_direct_chat(
    clients: MakeClient,
) -> None:
    root, alice, bob, carol = [await clients(n) for n in ("root", "alice", "bob", "carol")]
    await befriend(alice, bob)
    await befriend(alice, carol)
    group = (await alice.create_group("g", [uid(bob), uid(carol)]))["conversation"]["id"]
    await funded(root, alice, 1000)
    token = await pay_token(alice)
    await fails(
        alice.transfer(group, 100, payment_token=token, idempotency_key="g"),
        "wallet.transfer_not_allowed",
        403,
    )
    bc = await befriend(bob, carol)
    await fails(
        alice.transfer(bc, 100, payment_token=token, idempotency_key="h"),
        "conversation.not_member",
        403,
    )
    assert (await alice.wallet())["balance"] == 1000


@operators
async def test_an_unaccepted_transfer_is_refunded_after_a_day_with_a_note_for_both(
    clients: MakeClient, server: Server
) -> None:
    clock = Clock(server)
    root, alice, bob = await clients("root"), await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    await funded(root, alice, 1000)
    sent = await alice.transfer(cid, 400, payment_token=await pay_token(alice), idempotency_key="t")
    returned = await alice.transfer(
        cid, 100, payment_token=await pay_token(alice), idempotency_key="u"
    )
    await bob.settle_transfer(returned["transfer"]["id"], "return", "r")
    assert server.scheduler is not None
    clock.advance(DAY - 1)
    assert await server.scheduler.run_due() == 0
    clock.advance(1)
    assert await server.scheduler.run_due() == 1  # the returned one's job was cancelled
    refunded = await alice.get_transfer(sent["transfer"]["id"])
    assert refunded["transfer"]["status"] == "refunded"
    assert (await alice.wallet())["balance"] == 1000
    for who in (alice, bob):
        notes = [m["data"] for m in await messages(who, cid) if m["kind"] == "system"]
        assert [n["action"] for n in notes if n["action"].startswith("transfer.")] == [
            "transfer.returned",
            "transfer.refunded",
        ]
    await fails(
        bob.settle_transfer(sent["transfer"]["id"], "accept", "late"),
        "wallet.transfer_settled",
        409,
    )
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_admin_reconcile_runs_beside_the_server_and_fails_on_a_mismatch(
    clients: MakeClient, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, alice = await clients("root"), await clients("alice")
    await funded(root, alice, 500)
    monkeypatch.setenv("MICROLETTER_DATA_DIR", str(server.settings.data_dir))
    url = server.settings.effective_database_url
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["admin", "reconcile", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert "ledger OK: 1 transactions, 2 postings" in result.output

    async def skew(tx: Any, owner: int) -> None:
        await tx.execute(
            "UPDATE wallet_accounts SET balance = balance + 7 WHERE owner_id=$1", owner
        )

    assert server.ctx is not None
    await server.ctx.store.db.write(skew, uid(alice))
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["admin", "reconcile", "--database-url", url]
    )
    assert result.exit_code == 1 and "MISMATCHES" in result.output and "balance" in result.output


@operators
async def test_top_ups_and_withdrawals_wait_for_an_operator(clients: MakeClient) -> None:
    root, alice = await clients("root"), await clients("alice")
    asked = await alice.call(
        "POST", "/api/v1/wallet/topups", {"amount": 800, "idempotency_key": "t"}
    )
    assert asked["request"]["status"] == "pending" and asked["next"]["provider"] == "operator"
    assert (await alice.wallet())["balance"] == 0  # nothing moves until it is approved
    rid = asked["request"]["id"]
    pending = await root.call("GET", "/api/v1/admin/wallet/funding-requests", status="pending")
    assert [r["id"] for r in pending["requests"]] == [rid]
    await fails(
        alice.call(
            "POST",
            f"/api/v1/admin/wallet/funding-requests/{rid}/approve",
            {"reason": "me", "idempotency_key": "x"},
        ),
        "admin.not_operator",
        403,
    )
    path = f"/api/v1/admin/wallet/funding-requests/{rid}"
    await root.call(
        "POST", f"{path}/approve", {"reason": "paid at the desk", "idempotency_key": "a"}
    )
    await fails(
        root.call("POST", f"{path}/reject", {"reason": "oops", "idempotency_key": "b"}),
        "wallet.request_settled",
        409,
    )
    assert (await alice.wallet())["balance"] == 800

    # A withdrawal holds the money at once; rejected, it comes back; approved, it is gone.
    token = await pay_token(alice)
    out = await alice.call(
        "POST",
        "/api/v1/wallet/withdrawals",
        {"amount": 300, "idempotency_key": "w1", "payment_token": token},
    )
    assert (await alice.wallet())["balance"] == 500
    await fails(
        alice.call(
            "POST",
            "/api/v1/wallet/withdrawals",
            {"amount": 900, "idempotency_key": "w2", "payment_token": await pay_token(alice)},
        ),
        "wallet.insufficient_funds",
        409,
    )
    await fails(
        alice.call("POST", "/api/v1/wallet/withdrawals", {"amount": 100, "idempotency_key": "w3"}),
        "wallet.payment_token_invalid",
        403,
    )
    wid = out["request"]["id"]
    await root.call(
        "POST",
        f"/api/v1/admin/wallet/funding-requests/{wid}/reject",
        {"reason": "bank details wrong", "idempotency_key": "r"},
    )
    assert (await alice.wallet())["balance"] == 800
    again = await alice.call(
        "POST",
        "/api/v1/wallet/withdrawals",
        {"amount": 300, "idempotency_key": "w4", "payment_token": await pay_token(alice)},
    )
    await root.call(
        "POST",
        f"/api/v1/admin/wallet/funding-requests/{again['request']['id']}/approve",
        {"reason": "paid out", "idempotency_key": "p"},
    )
    assert (await alice.wallet())["balance"] == 500
    mine = await alice.call("GET", "/api/v1/wallet/funding-requests")
    assert [r["status"] for r in mine["requests"]] == ["approved", "rejected", "approved"]
    assert (await root.admin_reconcile())["ok"]


@pytest.mark.settings(wallet_reconcile_seconds=0.05, scheduler_interval_seconds=0.02)
async def test_the_last_reconciliation_is_a_metric(clients: MakeClient, server: Server) -> None:
    alice = await clients("alice")

    async def metric() -> str:
        async with alice.session.get(alice.base_url + "/metrics") as response:
            return await response.text()

    async with asyncio.timeout(10):
        while "microletter_wallet_reconcile_ok 1.0" not in await metric():
            await asyncio.sleep(0.02)

    async def skew(tx: Any, owner: int) -> None:
        await tx.execute(
            "INSERT INTO wallet_accounts (id, kind, owner_id, balance, may_go_negative,"
            " created_at) VALUES (1, 'user', $1, 5, false, 0)",
            owner,
        )

    assert server.ctx is not None
    await server.ctx.store.db.write(skew, uid(alice))
    async with asyncio.timeout(10):
        while "microletter_wallet_reconcile_ok 0.0" not in await metric():
            await asyncio.sleep(0.02)
    assert "microletter_wallet_reconcile_mismatches 2.0" in await metric()
