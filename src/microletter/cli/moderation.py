"""`microletter chat admin ...`: an operator's moderation, through the running server's
API (the logged-in profile must be one of MICROLETTER_OPERATORS).

Not `microletter admin`, whose commands open the database itself: the SQLite writer
lock forbids that while the server runs, and only the server can close the suspended
user's connections."""

from __future__ import annotations

from typing import Any

import click

from microletter.cli.chat import Profile, pass_profile, run


def _describe(standing: dict[str, Any]) -> str:
    user, suspension = standing["user"], standing["suspension"]
    role = "  operator" if standing["operator"] else ""
    state = f"suspended: {suspension['reason']}" if suspension else "active"
    return f"{user['username']} ({user['display_name']}) id={user['id']}{role}  {state}"


@click.group("admin")
def moderation() -> None:
    """Moderate as an operator: look users up, suspend and unsuspend them."""


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
