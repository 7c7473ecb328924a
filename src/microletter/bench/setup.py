"""Building a benchmark's world through the public API: users, friendships, groups; and
starting a local server process to measure."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from microletter.client import Client

T = TypeVar("T")
PASSWORD = "benchmark password"  # noqa: S105 - accounts of a throwaway bench server
URL = re.compile(r"running at (http://\S+)")

# The benchmark server hashes passwords cheaply (setup creates hundreds of accounts) and
# lifts rate limits, uploads' too (the load is the point). Durability settings stay at
# their defaults.
SERVER_ENV = {
    "MICROLETTER_ARGON2_TIME_COST": "1",
    "MICROLETTER_ARGON2_MEMORY_KIB": "1024",
    "MICROLETTER_ARGON2_PARALLELISM": "1",
    "MICROLETTER_RATE_USER": "1000000/second",
    "MICROLETTER_RATE_IP": "1000000/second",
    "MICROLETTER_RATE_AUTH_IP": "1000000/second",
    "MICROLETTER_RATE_UPLOAD": "1000000/second",
    "MICROLETTER_LOG_LEVEL": "warning",
    "MICROLETTER_LOG_FORMAT": "json",
}


class LocalServer:
    """`microletter serve` in a child process on a temporary data folder."""

    def __init__(
        self,
        data_dir: Path | None = None,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> None:
        self.args = args or []  # more `serve` options (--workers)
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="microletter-bench-"))
        self.env = env or {}
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.started_at = 0.0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, port: int = 0) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROLETTER_")}
        env.update(SERVER_ENV, **self.env)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                sys.executable,
                "-m",
                "microletter",
                "serve",
                "--port",
                str(port),
                "--data",
                str(self.data_dir),
                *self.args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if match := URL.search(line):
                self.url = match.group(1)
                return self.url
        raise RuntimeError(f"the server exited with {self.proc.wait()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def remove(self) -> None:
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def gather_limited(
    factories: Sequence[Callable[[], Awaitable[T]]], limit: int = 32
) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def run(factory: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await factory()

    return list(await asyncio.gather(*(run(f) for f in factories)))


@dataclass
class World:
    """What setup made: logged-in clients and the conversations they send to."""

    users: list[Client]
    members: dict[int, list[int]]  # conversation id -> member user ids

    @property
    def session(self) -> aiohttp.ClientSession:
        return self.users[0].session

    def uid(self, index: int) -> int:
        user = self.users[index].user
        assert user is not None
        return int(user["id"])


async def make_users(url: str, count: int, prefix: str) -> World:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
    users = [Client(url, session=session) for _ in range(count)]
    await gather_limited(
        [partial(c.register, f"{prefix}_{i:05d}", PASSWORD) for i, c in enumerate(users)]
    )
    return World(users, {})


async def befriend(world: World, a: int, b: int) -> int:
    """Make users a and b contacts; returns their direct conversation."""
    request = await world.users[a].request_contact(user_id=world.uid(b))
    await world.users[b].accept(request["id"])
    view = await world.users[a].open_direct(world.uid(b))
    cid = int(view["conversation"]["id"])
    world.members[cid] = [world.uid(a), world.uid(b)]
    return cid


async def make_group(world: World, owner: int, members: Sequence[int], name: str) -> int:
    await gather_limited([partial(befriend, world, owner, m) for m in members if m != owner], 16)
    ids = [world.uid(m) for m in members if m != owner]
    view = await world.users[owner].create_group(name, ids)
    cid = int(view["conversation"]["id"])
    world.members[cid] = [world.uid(owner), *ids]
    return cid


async def become_operator(root: Client, data_dir: Path | None, scenario: str) -> None:
    """Make `root` the local server's operator ("benchroot") with the set-up token it wrote
    in its data directory; a server given by --url has none to read."""
    if data_dir is None:
        raise SystemExit(f"the {scenario} scenario credits wallets as an operator: drop --url")
    setup = (data_dir / "operator-setup.token").read_text().strip()
    await root.setup_operator(setup, "benchroot", PASSWORD)


async def fund(root: Client, world: World, index: int, amount: int, pay: str) -> None:
    """Credit user `index` with `amount` (root is the operator) and set their payment password."""
    await root.admin_adjust(world.uid(index), amount, "bench", f"fund{index}")
    await world.users[index].set_pay_password(PASSWORD, pay)


async def close_world(world: World) -> None:
    await world.session.close()


def token(client: Client) -> str:
    assert client.token is not None
    return client.token


def describe_machine() -> dict[str, Any]:
    import platform

    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
