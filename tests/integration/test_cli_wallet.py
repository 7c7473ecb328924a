"""Top-ups and withdrawals from the command line, on both backends: a user asks with
`microletter chat wallet topup|withdraw`, follows them with `requests`, and an operator
decides with `microletter chat admin funding list|approve|reject` (and credits with
`admin credit`), real processes against a real server, as tests/integration/test_cli.py
runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD, setup_token
from tests.integration.test_cli import Person, clean_env, microletter


async def operator_and_alice(server: Server, tmp_path: Path) -> tuple[Person, Person]:
    root = Person(server, tmp_path / "root.json")
    alice = Person(server, tmp_path / "alice.json")
    first = Client(server.url)
    await first.setup_operator(await setup_token(server), "root", PASSWORD)
    await first.close()
    await root.ok("login", "root")
    await alice.ok("register", "alice")
    return root, alice


async def balance(person: Person) -> int:
    [wallet] = await person.ok("wallet", "balance")
    return int(wallet["balance"])


@pytest.mark.settings(operators=("root",))
async def test_a_top_up_and_a_withdrawal_are_asked_and_decided_from_the_command_line(
    server: Server, tmp_path: Path
) -> None:
    root, alice = await operator_and_alice(server, tmp_path)

    [asked] = await alice.ok("wallet", "topup", "8.00", "--key", "t1")
    assert (asked["request"]["direction"], asked["request"]["amount"]) == ("topup", 800)
    assert asked["request"]["status"] == "pending" and asked["next"]["provider"] == "operator"
    [again] = await alice.ok("wallet", "topup", "8.00", "--key", "t1")  # a safe retry
    assert again["replayed"] and again["request"]["id"] == asked["request"]["id"]
    assert await balance(alice) == 0  # nothing moves before an operator approves

    [waiting] = await root.ok("admin", "funding", "list")
    assert (
        waiting["id"] == asked["request"]["id"]
        and waiting["user_id"] == asked["request"]["user_id"]
    )
    denied = await alice.chat("admin", "funding", "approve", str(waiting["id"]), "--reason", "me")
    assert denied.code == 1 and "admin.not_operator" in denied.err
    [approved] = await root.ok(
        "admin", "funding", "approve", str(waiting["id"]), "--reason", "paid at the desk"
    )
    assert approved["request"]["status"] == "approved"
    assert await balance(alice) == 800
    twice = await root.chat("admin", "funding", "reject", str(waiting["id"]), "--reason", "oops")
    assert twice.code == 1 and "wallet.request_settled" in twice.err

    # A withdrawal needs the payment password and leaves the balance at once.
    async with Client(server.url, alice.token()) as sdk:
        await sdk.set_pay_password(PASSWORD, "135790")
    wrong = await alice.chat("wallet", "withdraw", "3", "--pay-password", "000000")
    assert wrong.code == 1 and "wallet.pay_password_wrong" in wrong.err
    [out] = await alice.ok("wallet", "withdraw", "3", "--pay-password", "135790")
    assert (out["request"]["direction"], out["request"]["amount"]) == ("withdrawal", 300)
    assert await balance(alice) == 500
    too_much = await alice.chat("wallet", "withdraw", "50", "--pay-password", "135790")
    assert too_much.code == 1 and "wallet.insufficient_funds" in too_much.err
    [rejected] = await root.ok(
        "admin", "funding", "reject", str(out["request"]["id"]), "--reason", "bank details wrong"
    )
    assert rejected["request"]["status"] == "rejected"
    assert await balance(alice) == 800  # a rejected withdrawal comes back

    mine = await alice.ok("wallet", "requests")
    assert [(r["direction"], r["status"]) for r in mine] == [
        ("withdrawal", "rejected"),
        ("topup", "approved"),
    ]
    assert await root.ok("admin", "funding", "list") == []  # nothing pending
    everything = await root.ok("admin", "funding", "list", "--all")
    assert len(everything) == 2
    assert (await root.ok("admin", "funding", "list", "--status", "rejected"))[0]["id"] == out[
        "request"
    ]["id"]


@pytest.mark.settings(operators=("root",))
async def test_the_wallet_commands_read_well_and_refuse_bad_amounts(
    server: Server, tmp_path: Path
) -> None:
    root, alice = await operator_and_alice(server, tmp_path)

    def plain(person: Person, *args: str) -> list[str]:
        return ["chat", "--server", server.url, "--profile", str(person.profile), *args]

    shown = await microletter(*plain(alice, "wallet", "topup", "12.5"))
    assert shown.code == 0 and "topup" in shown.out and "12.50 CNY" in shown.out
    assert "pending" in shown.out and "next: wait for an operator" in shown.out
    listed = await microletter(*plain(root, "admin", "funding", "list"))
    assert listed.code == 0 and "alice" in listed.out and "12.50 CNY" in listed.out
    for bad in ("0", "1.001", "abc", "NaN"):
        refused = await microletter(*plain(alice, "wallet", "topup", bad))
        assert refused.code == 2 and "amount" in refused.err, (bad, refused.err)
        assert "Traceback" not in refused.err
    # The payment password is asked for when it is not given (here: on stdin, hidden).
    env = clean_env()
    asked = await microletter(*plain(alice, "wallet", "withdraw", "1"), env=env)
    assert asked.code == 1 and "Payment password" in asked.out + asked.err
    nothing = await microletter(*plain(alice, "wallet", "requests", "--status", "approved"))
    assert nothing.code == 0 and "no requests" in nothing.out
    assert await balance(alice) == 0
    # An operator's credit shares the exact amounts (1.25 is 125 fen, never a float).
    credited = await microletter(
        *plain(root, "admin", "credit", "alice", "1.25", "--reason", "gift")
    )
    assert credited.code == 0 and "1.25 CNY: gift" in credited.out
    assert await balance(alice) == 125
