"""Telegram bots from the command line (`microletter chat bots ...`), a real process
against a real server: make one, list it, a new token that retires the old, privacy mode."""

from __future__ import annotations

from pathlib import Path

from microletter.app import Server
from tests.integration.test_cli import Person
from tests.support.telegram import bot_call


async def test_a_developer_manages_bots_from_the_command_line(
    server: Server, tmp_path: Path
) -> None:
    dev = Person(server, tmp_path / "dev.json")
    await dev.ok("register", "dev")
    [made] = await dev.ok("bots", "create", "helper_bot", "--name", "Helper")
    first = made["token"]
    assert made["bot"]["username"] == "helper_bot" and made["bot"]["privacy"] is True
    assert (await bot_call(server.url, first, "getMe"))[0] == 200
    [listed] = await dev.ok("bots", "list")
    assert (listed["id"], listed["name"]) == (made["bot"]["id"], "Helper")

    [renewed] = await dev.ok("bots", "token", "@helper_bot")
    assert renewed["token"] != first
    assert (await bot_call(server.url, first, "getMe"))[0] == 401
    assert (await bot_call(server.url, renewed["token"], "getMe"))[0] == 200

    [changed] = await dev.ok("bots", "privacy", str(made["bot"]["id"]), "off")
    assert changed["privacy"] is False
    me = (await bot_call(server.url, renewed["token"], "getMe"))[1]["result"]
    assert me["can_read_all_group_messages"] is True

    missing = await dev.chat("bots", "token", "nobody_bot")
    assert missing.code == 1 and "you have no bot 'nobody_bot'" in missing.err
    bad = await dev.chat("bots", "create", "helper")
    assert bad.code == 1 and "telegram.username_invalid" in bad.err
