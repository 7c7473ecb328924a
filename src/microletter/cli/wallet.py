"""`microletter chat wallet ...` (a user's top-ups and withdrawals) and `microletter chat
admin funding ...` (an operator's decisions on them), through the running server's API.

Amounts are typed in the server's currency (`12.50`) and sent as minor units. Each run
makes a fresh idempotency key; `--key` reuses one, so a command that timed out can be run
again without moving the money twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from microletter.cli.chat import Profile, pass_profile, run
from microletter.cli.money import minor_units, shown
from microletter.client import Client

KEY_HELP = "Idempotency key: run again with the same key to retry safely."


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _request_line(r: dict[str, Any], currency: dict[str, Any], who: str = "") -> str:
    decided = f"  decided {_when(r['decided_at'])}" if r["decided_at"] else ""
    owner = f"  {who}" if who else ""
    return (
        f"{r['id']}  {r['direction']:<10} {shown(r['amount'], currency):>14}  {r['status']:<8}"
        f"{owner}  asked {_when(r['created_at'])}{decided}"
    )


def _describe_reply(reply: dict[str, Any]) -> str:
    line = _request_line(reply["request"], reply["currency"])
    again = "  (replayed: nothing moved again)" if reply.get("replayed") else ""
    after = (reply.get("next") or {}).get("next")
    return line + again + (f"\nnext: {after}" if after else "")


@click.group()
def wallet() -> None:
    """Your wallet: balance, top-ups and withdrawals (an operator approves them)."""


@wallet.command()
@pass_profile
@run
async def balance(p: Profile) -> None:
    """Show your balance."""
    async with p.client() as c:
        reply = await c.wallet()
    p.out(reply, lambda w: shown(w["balance"], w["currency"]))


@wallet.command()
@click.argument("amount")
@click.option("--key", help=KEY_HELP)
@pass_profile
@run
async def topup(p: Profile, amount: str, key: str | None) -> None:
    """Ask to top up AMOUNT (e.g. 50.00, in the server's currency)."""
    async with p.client() as c:
        currency = (await c.wallet())["currency"]
        minor = minor_units(amount, currency["exponent"])
        reply = await c.topup(minor, key or str(uuid.uuid4()))
    p.out(reply, _describe_reply)


@wallet.command()
@click.argument("amount")
@click.option(
    "--pay-password",
    prompt="Payment password",
    hide_input=True,
    envvar="MICROLETTER_PAY_PASSWORD",
    help="Your 6-digit payment password (asked if not given).",
)
@click.option("--key", help=KEY_HELP)
@pass_profile
@run
async def withdraw(p: Profile, amount: str, pay_password: str, key: str | None) -> None:
    """Ask to withdraw AMOUNT: it leaves your balance now, and comes back if rejected."""
    async with p.client() as c:
        currency = (await c.wallet())["currency"]
        minor = minor_units(amount, currency["exponent"])
        token = await c.payment_token(pay_password)
        reply = await c.withdraw(
            minor, payment_token=token, idempotency_key=key or str(uuid.uuid4())
        )
    p.out(reply, _describe_reply)


STATUS = click.Choice(["pending", "approved", "rejected"])


@wallet.command()
@click.option("--status", type=STATUS, help="Only requests in this state.")
@pass_profile
@run
async def requests(p: Profile, status: str | None) -> None:
    """Your top-ups and withdrawals, newest first."""
    async with p.client() as c:
        reply = await c.funding_requests(status)
    for r in reply["requests"]:
        p.out(r, _request_line(r, reply["currency"]))
    if not reply["requests"] and not p.as_json:
        click.echo("no requests")


@click.group()
def funding() -> None:
    """Top-ups and withdrawals waiting for an operator: list, approve, reject."""


async def _names(c: Client, user_ids: set[int]) -> dict[int, str]:
    names = {}
    for user_id in sorted(user_ids):
        names[user_id] = (await c.admin_user(user_id=user_id))["user"]["username"]
    return names


@funding.command("list")
@click.option(
    "--status", type=STATUS, default="pending", show_default=True, help="Requests in this state."
)
@click.option("--all", "everything", is_flag=True, help="Requests in any state.")
@pass_profile
@run
async def funding_list(p: Profile, status: str, everything: bool) -> None:
    """Everyone's top-ups and withdrawals, newest first (pending ones by default)."""
    async with p.client() as c:
        reply = await c.admin_funding_requests(None if everything else status)
        found = reply["requests"]
        names = {} if p.as_json else await _names(c, {r["user_id"] for r in found})
    for r in found:
        p.out(r, _request_line(r, reply["currency"], names.get(r["user_id"], "")))
    if not found and not p.as_json:
        click.echo("no requests")


async def _decide(p: Profile, request_id: int, reason: str, key: str | None, approve: bool) -> None:
    async with p.client() as c:
        reply = await c.admin_decide_funding(
            request_id, reason, key or str(uuid.uuid4()), approve=approve
        )
    p.out(reply, _describe_reply)


def _decision(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments approve and reject share."""
    for option in reversed(
        [
            click.argument("request_id", type=int),
            click.option("--reason", required=True, help="Why (goes to the audit log)."),
            click.option("--key", help=KEY_HELP),
        ]
    ):
        fn = option(fn)
    return fn


@funding.command()
@_decision
@pass_profile
@run
async def approve(p: Profile, request_id: int, reason: str, key: str | None) -> None:
    """Approve a request: a top-up is credited, a withdrawal is paid out."""
    await _decide(p, request_id, reason, key, True)


@funding.command()
@_decision
@pass_profile
@run
async def reject(p: Profile, request_id: int, reason: str, key: str | None) -> None:
    """Reject a request: a withdrawal's money goes back to the wallet."""
    await _decide(p, request_id, reason, key, False)
