"""The command line as people use it: real `microletter` processes against a real server.

Each command runs in a thread (asyncio.to_thread) so that the in-process server keeps
serving while the test waits for the subprocess.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from microletter.app import Server
from microletter.client import Client
from tests.conftest import PASSWORD, setup_token


@dataclass
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any MICROLETTER_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROLETTER_")}
    env.update(extra)
    return env


async def microletter(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run `python -m microletter ARGS` to completion without blocking the event loop."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "microletter", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env if env is not None else clean_env(),
    )
    return Result(done.returncode, done.stdout, done.stderr)


class Person:
    """One user of the CLI, with their own profile file."""

    def __init__(self, server: Server, profile: Path) -> None:
        self.server = server
        self.profile = profile

    async def chat(self, *args: str) -> Result:
        return await microletter(
            "chat",
            "--server",
            self.server.url,
            "--profile",
            str(self.profile),
            "--json",
            *args,
            env=clean_env(MICROLETTER_PASSWORD=PASSWORD),
        )

    async def ok(self, *args: str) -> list[Any]:
        result = await self.chat(*args)
        assert result.code == 0, result.err
        return result.lines()

    def token(self) -> str:
        return str(json.loads(self.profile.read_text())["token"])


async def test_two_people_befriend_and_chat_from_the_command_line(
    server: Server, tmp_path: Path
) -> None:
    alice = Person(server, tmp_path / "alice.json")
    bob = Person(server, tmp_path / "bob.json")
    [me] = await alice.ok("register", "alice", "--display-name", "Alice")
    assert me["username"] == "alice"
    assert alice.profile.stat().st_mode & 0o777 == 0o600  # the profile holds a token
    await bob.ok("register", "bob")

    [request] = await alice.ok("add", "bob", "--greeting", "hi, it's Alice")
    assert request["status"] == "pending"
    [incoming] = await bob.ok("requests")
    assert incoming["from_user"]["username"] == "alice"
    assert incoming["greeting"] == "hi, it's Alice"
    [accepted] = await bob.ok("accept", str(incoming["id"]))
    assert accepted["status"] == "accepted"

    [sent] = await alice.ok("send", "@bob", "hello")
    assert sent["text"] == "hello"

    # Bob never listened yet: listening replays everything since he registered.
    async with Client(server.url, bob.token()) as sdk:
        head = (await sdk.state())["cursor"]
    events = await bob.ok("listen", "--count", str(head), "--timeout", "10")
    assert [e["seq"] for e in events] == list(range(1, head + 1))
    last = events[-1]
    assert last["kind"] == "message"
    assert last["data"]["message"]["text"] == "hello"
    assert last["data"]["message"]["sender_id"] == me["id"]

    # Each listen resumes after the last event the previous one printed.
    await alice.ok("send", "@bob", "are you there?")
    await alice.ok("send", "@bob", "bob?")
    [first] = await bob.ok("listen", "--count", "1", "--timeout", "10")
    [second] = await bob.ok("listen", "--count", "1", "--timeout", "10")
    assert [first["seq"], second["seq"]] == [head + 1, head + 2]
    assert first["data"]["message"]["text"] == "are you there?"
    assert second["data"]["message"]["text"] == "bob?"

    [who] = await bob.ok("whoami")
    assert who["username"] == "bob"
    history = await bob.ok("history", "@alice")
    assert [m["text"] for m in history][-3:] == ["hello", "are you there?", "bob?"]


@pytest.mark.settings(operators=("root",))
async def test_an_operator_suspends_and_unsuspends_from_the_command_line(
    server: Server, tmp_path: Path
) -> None:
    root = Person(server, tmp_path / "root.json")
    bob = Person(server, tmp_path / "bob.json")
    refused = await root.chat("register", "root")  # reserved: made with the setup link
    assert refused.code == 1 and "user.username_reserved" in refused.err
    first = Client(server.url)
    await first.setup_operator(await setup_token(server), "root", PASSWORD)
    await first.close()
    await root.ok("login", "root")
    [registered] = await bob.ok("register", "bob")

    [shown] = await root.ok("admin", "user", "bob")
    assert (shown["user"]["id"], shown["suspension"]) == (registered["id"], None)
    [suspended] = await root.ok("admin", "suspend", "bob", "--reason", "spam")
    assert suspended["suspension"]["reason"] == "spam"

    refused = await bob.chat("whoami")
    assert refused.code == 1 and "auth.invalid_token" in refused.err
    refused = await bob.chat("login", "bob")
    assert refused.code == 1 and "account.suspended" in refused.err
    assert "Traceback" not in refused.err

    [lifted] = await root.ok("admin", "unsuspend", "bob")
    assert lifted["suspension"] is None
    [me] = await bob.ok("login", "bob")
    assert me["username"] == "bob"

    # Someone who is not an operator is told so, with the code.
    denied = await bob.chat("admin", "suspend", "root", "--reason", "revenge")
    assert denied.code == 1 and "admin.not_operator" in denied.err
    plain = await microletter(
        "chat", "--server", server.url, "--profile", str(root.profile), "admin", "user", "bob"
    )
    assert plain.code == 0 and "bob (bob) id=" in plain.out and "active" in plain.out


async def test_a_server_error_exits_1_with_its_code_and_no_traceback(
    server: Server, tmp_path: Path
) -> None:
    alice = Person(server, tmp_path / "alice.json")
    await alice.ok("register", "alice")
    result = await alice.chat("add", "nobody_here")
    assert result.code == 1
    assert "user.not_found: " in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


async def test_commands_before_logging_in_say_how_to_log_in(server: Server, tmp_path: Path) -> None:
    stranger = Person(server, tmp_path / "nobody.json")
    result = await stranger.chat("whoami")
    assert result.code == 1
    assert "auth.required: " in result.err
    assert "microletter chat login" in result.err
    assert "Traceback" not in result.err


async def test_help_is_there_for_the_main_command_and_serve() -> None:
    top = await microletter("--help")
    assert top.code == 0
    for command in ("serve", "migrate", "config", "chat"):
        assert command in top.out
    serve = await microletter("serve", "--help")
    assert serve.code == 0
    for option in ("--host", "--port", "--data", "--database-url", "--log-format"):
        assert option in serve.out


async def test_config_prints_the_effective_settings_from_the_environment() -> None:
    result = await microletter(
        "config", env=clean_env(MICROLETTER_PORT="9123", MICROLETTER_PASSWORD="not a setting")
    )
    assert result.code == 0, result.err
    shown = dict(line.split(None, 1) for line in result.out.splitlines() if " " in line.strip())
    assert shown["MICROLETTER_PORT"].strip() == "9123"
    assert shown["MICROLETTER_HOST"].strip() == "127.0.0.1"
    assert "MICROLETTER_PASSWORD" not in shown


async def test_config_shows_the_media_secret_as_stars() -> None:
    result = await microletter("config", env=clean_env(MICROLETTER_MEDIA_SECRET="s3cret-key"))
    assert result.code == 0, result.err
    assert "s3cret-key" not in result.out
    shown = dict(line.split(None, 1) for line in result.out.splitlines() if " " in line.strip())
    assert shown["MICROLETTER_MEDIA_SECRET"].strip() == "***"


async def test_an_unknown_setting_fails_loudly_with_its_name() -> None:
    result = await microletter("config", env=clean_env(MICROLETTER_FOO="1"))
    assert result.code != 0
    assert "unknown setting MICROLETTER_FOO" in result.err
    assert "Traceback" not in result.err
    typo = await microletter("config", env=clean_env(MICROLETTER_PROT="1"))
    assert typo.code != 0
    assert "did you mean MICROLETTER_PORT?" in typo.err
