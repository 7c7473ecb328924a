"""`microletter chat bots ...`: your Telegram bots from the terminal, through the running
server's API (docs/platform.md, "Telegram bots"): list them, make one, give one a new
token (the old one stops working; the new one is printed once), turn privacy mode on or
off. A bot is named by its username or its id."""

from __future__ import annotations

from typing import Any

import click

from microletter.cli.chat import Profile, pass_profile, run
from microletter.client import Client


def _line(bot: dict[str, Any]) -> str:
    hook = f"  webhook {bot['webhook_url']}" if bot["webhook_url"] else ""
    privacy = "privacy on " if bot["privacy"] else "privacy off"
    return f"{bot['id']}  @{bot['username']:<24} {bot['name']:<20} {privacy}{hook}"


async def _bot_id(c: Client, bot: str) -> int:
    """The id of one of my bots, by username (with or without @) or id."""
    found = await c.call("GET", "/api/v1/telegram/bots")
    name = bot.removeprefix("@")
    for b in found["bots"]:
        if b["username"] == name or str(b["id"]) == name:
            return int(b["id"])
    raise click.ClickException(f"you have no bot {bot!r} (see `microletter chat bots list`)")


@click.group()
def bots() -> None:
    """Your Telegram bots: list, create, new token, privacy mode."""


@bots.command("list")
@pass_profile
@run
async def list_bots(p: Profile) -> None:
    """List the bots you made."""
    async with p.client() as c:
        found = await c.call("GET", "/api/v1/telegram/bots")
    if not found["bots"] and not p.as_json:
        click.echo("no bots yet: make one with `microletter chat bots create NAME_bot`")
    for bot in found["bots"]:
        p.out(bot, _line)


@bots.command()
@click.argument("username")
@click.option("--name", default="", help="The name people see (default: the username).")
@pass_profile
@run
async def create(p: Profile, username: str, name: str) -> None:
    """Make a bot; its token is printed this once (only a hash is kept)."""
    async with p.client() as c:
        made = await c.call("POST", "/api/v1/telegram/bots", {"username": username, "name": name})
    p.out(made, lambda m: f"{_line(m['bot'])}\ntoken: {m['token']}  (shown once: keep it)")


@bots.command()
@click.argument("bot")
@pass_profile
@run
async def token(p: Profile, bot: str) -> None:
    """Give BOT a new token; the old one stops working at once."""
    async with p.client() as c:
        made = await c.call("POST", f"/api/v1/telegram/bots/{await _bot_id(c, bot)}/token")
    p.out(made, lambda m: f"new token for @{m['bot']['username']}: {m['token']}  (shown once)")


@bots.command()
@click.argument("bot")
@click.argument("mode", type=click.Choice(["on", "off"]))
@pass_profile
@run
async def privacy(p: Profile, bot: str, mode: str) -> None:
    """Turn BOT's group privacy mode on (commands, replies, mentions) or off (everything)."""
    async with p.client() as c:
        body = {"privacy": mode == "on"}
        done = await c.call("PATCH", f"/api/v1/telegram/bots/{await _bot_id(c, bot)}", body)
    p.out(done["bot"], _line)
