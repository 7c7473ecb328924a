"""`microletter chat admin ...`: an operator's moderation, through the running server's
API (the logged-in profile must be one of MICROLETTER_OPERATORS).

Not `microletter admin`, whose commands open the database itself: the SQLite writer
lock forbids that while the server runs, and only the server can close the suspended
user's connections."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click

from microletter.cli.chat import Profile, pass_profile, run
from microletter.cli.money import minor_units


def _describe(standing: dict[str, Any]) -> str:
    user, suspension = standing["user"], standing["suspension"]
    role = "  operator" if standing["operator"] else ""
    state = f"suspended: {suspension['reason']}" if suspension else "active"
    return f"{user['username']} ({user['display_name']}) id={user['id']}{role}  {state}"


@click.group("admin")
def moderation() -> None:
    """Operate as an operator: look users up, suspend and unsuspend them; credit and
    debit wallets; approve or reject top-ups and withdrawals (`funding`)."""


@moderation.command("user")
@click.argument("username")
@pass_profile
@run
async def admin_user(p: Profile, username: str) -> None:
    """Show a user and whether they are suspended."""
    async with p.client() as c:
        standing = await c.admin_user(username)
    p.out(standing, _describe)


@moderation.command()
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept for the operators; up to 500 characters).")
@pass_profile
@run
async def suspend(p: Profile, username: str, reason: str) -> None:
    """Suspend a user: log out all their devices and refuse their log-ins."""
    async with p.client() as c:
        target = await c.admin_user(username)
        standing = await c.suspend(target["user"]["id"], reason)
    p.out(standing, _describe)


@moderation.command()
@click.argument("username")
@pass_profile
@run
async def unsuspend(p: Profile, username: str) -> None:
    """Let a suspended user log in again."""
    async with p.client() as c:
        target = await c.admin_user(username)
        standing = await c.unsuspend(target["user"]["id"])
    p.out(standing, _describe)


def _describe_receipt(reply: dict[str, Any]) -> str:
    t, c = reply["transaction"], reply["currency"]
    moved = sum(e["amount"] for e in t["entries"] if e["account_kind"] == "user")
    shown = Decimal(moved).scaleb(-c["exponent"])
    again = "  (replayed: nothing moved again)" if reply.get("replayed") else ""
    return f"transaction {t['id']} {t['kind']} {shown} {c['code']}: {t['memo']}{again}"


async def _adjust(
    p: Profile, username: str, amount: str, reason: str, key: str | None, debit: bool
) -> None:
    async with p.client() as c:
        target = await c.admin_user(username)
        currency = (await c.wallet())["currency"]
        reply = await c.admin_adjust(
            target["user"]["id"],
            minor_units(amount, currency["exponent"]),
            reason,
            key or str(uuid.uuid4()),
            debit=debit,
        )
    p.out(reply, _describe_receipt)


def _adjustment(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments credit and debit share."""
    for option in reversed(
        [
            click.argument("username"),
            click.argument("amount"),
            click.option("--reason", required=True, help="Why (goes to the audit log)."),
            click.option(
                "--key", help="Idempotency key: run again with the same key to retry safely."
            ),
        ]
    ):
        fn = option(fn)
    return fn


@moderation.command()
@_adjustment
@pass_profile
@run
async def credit(p: Profile, username: str, amount: str, reason: str, key: str | None) -> None:
    """Credit AMOUNT (e.g. 12.50, in the server's currency) to a user's wallet."""
    await _adjust(p, username, amount, reason, key, False)


@moderation.command()
@_adjustment
@pass_profile
@run
async def debit(p: Profile, username: str, amount: str, reason: str, key: str | None) -> None:
    """Debit AMOUNT from a user's wallet back to the funding account."""
    await _adjust(p, username, amount, reason, key, True)


@moderation.command()
@click.argument("username")
@pass_profile
@run
async def statement(p: Profile, username: str) -> None:
    """A user's wallet statement (the newest 50 movements)."""
    async with p.client() as c:
        target = await c.admin_user(username)
        reply = await c.admin_statement(target["user"]["id"])

    def show(r: dict[str, Any]) -> str:
        exp, code = r["currency"]["exponent"], r["currency"]["code"]
        return (
            "\n".join(
                f"{x['transaction_id']}  {x['kind']:<16} {Decimal(x['amount']).scaleb(-exp):>12}"
                f"  = {Decimal(x['balance_after']).scaleb(-exp)} {code}  {x['memo']}"
                for x in r["lines"]
            )
            or "no movements"
        )

    p.out(reply, show)
