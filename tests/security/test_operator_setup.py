"""Operators' usernames cannot be taken by someone else (issue 11). Anyone could register
a name listed in MICROLETTER_OPERATORS before the operator did, and moderate the server.
Now sign-up refuses those names, and while one of them has no account the server makes
a one-time setup link (printed by `microletter serve`) that creates it: once, across
restarts and across worker processes."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from microletter.app import Server
from microletter.client import ApiError, Client
from microletter.setup import TOKEN_FILE
from tests.conftest import PASSWORD, MakeClient, make_settings, setup_token
from tests.support import services
from tests.support.process import ServerProcess
from tests.support.rest import fails

operators = pytest.mark.settings(operators=("root", "chief"))


@operators
async def test_sign_up_refuses_an_operators_username_before_the_operator_has_it(
    clients: MakeClient,
) -> None:
    mallory = await clients()
    error = await fails(mallory.register("root", PASSWORD), "user.username_reserved", 409)
    assert error.details["username"] == "root"
    await fails(mallory.login("root", PASSWORD), "auth.bad_credentials", 401)  # none made


@operators
async def test_the_setup_link_makes_one_operator_account_once(
    server: Server, clients: MakeClient
) -> None:
    assert server.setup_link is not None and "/#/setup/" in server.setup_link
    token = server.setup_link.rsplit("/", 1)[1]
    root = await clients()
    made = await root.setup_operator(token, "root", PASSWORD)
    assert made["user"]["username"] == "root"
    assert (await root.admin_user("root"))["operator"] is True  # an operator, logged in

    again = await clients()
    await fails(again.setup_operator(token, "chief", PASSWORD), "admin.setup_token_invalid", 403)
    await fails(again.login("chief", PASSWORD), "auth.bad_credentials", 401)


@operators
async def test_a_refused_attempt_does_not_use_the_link_up(
    server: Server, clients: MakeClient
) -> None:
    token = await setup_token(server)
    someone = await clients()
    await fails(
        someone.setup_operator("x" + token, "root", PASSWORD), "admin.setup_token_invalid", 403
    )
    await fails(someone.setup_operator(token, "mallory", PASSWORD), "admin.not_operator", 403)
    await fails(someone.setup_operator(token, "root", "short"), "user.password_too_weak", 400)
    await someone.setup_operator(token, "root", PASSWORD)  # still works, once


@operators
async def test_the_token_is_kept_in_the_data_folder_for_the_owner_only(server: Server) -> None:
    token = await setup_token(server)
    path = server.settings.data_dir / TOKEN_FILE
    assert path.read_text() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_restart_keeps_the_printed_link_working(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", operators=("root",))
    first = Server(settings)
    await first.start()
    link = first.setup_link
    await first.stop()
    second = Server(settings)
    await second.start()
    try:
        assert link is not None
        assert second.setup_link is not None
        assert second.setup_link.rsplit("/", 1)[1] == link.rsplit("/", 1)[1]
        async with Client(second.url) as root:
            await root.setup_operator(link.rsplit("/", 1)[1], "root", PASSWORD)
        assert await second.prepare_operator_setup() is None  # nobody is missing now
        assert not (settings.data_dir / TOKEN_FILE).exists()
    finally:
        await second.stop()


async def test_without_operators_there_is_no_link(server: Server) -> None:
    assert server.setup_link is None
    assert not (server.settings.data_dir / TOKEN_FILE).exists()


@pytest.mark.slow
async def test_serve_prints_the_link_while_an_operator_has_no_account(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", operators="root")
    await asyncio.to_thread(server.start)
    try:
        assert server.proc is not None and server.proc.stdout is not None
        lines = [await asyncio.to_thread(server.proc.stdout.readline) for _ in range(3)]
        [link] = [word for line in lines for word in line.split() if "/#/setup/" in word]
        assert link.startswith(server.url + "/#/setup/")
        async with Client(server.url) as root:
            await root.setup_operator(link.rsplit("/", 1)[1], "root", PASSWORD)
    finally:
        assert await asyncio.to_thread(server.stop) == 0
        server.close()
    server = ServerProcess(tmp_path / "data", operators="root")
    await asyncio.to_thread(server.start)  # the operator exists now: no link, no token
    try:
        assert server.proc is not None and server.proc.stdout is not None
        line = await asyncio.to_thread(server.proc.stdout.readline)
        assert "data:" in line
        assert not (tmp_path / "data" / TOKEN_FILE).exists()
    finally:
        assert await asyncio.to_thread(server.stop) == 0
        server.close()


@pytest.fixture
async def shared() -> AsyncIterator[dict[str, Any]]:
    postgres, redis = services.postgres_server(), services.redis_server()
    database_url, bus_url = await postgres.new_database(), await redis.new_namespace()
    yield {"database_url": database_url, "bus_url": bus_url, "database_pool_size": 4}
    await postgres.drop(database_url)
    await redis.drop(bus_url)


@pytest.mark.slow
async def test_serve_prints_the_link_and_it_works_once_across_worker_processes(
    tmp_path: Path, shared: dict[str, Any]
) -> None:
    server = ServerProcess(
        tmp_path / "data", workers=2, operators="root,chief,boss,admin", **shared
    )
    await asyncio.to_thread(server.start)
    try:
        assert server.proc is not None and server.proc.stdout is not None
        lines = [await asyncio.to_thread(server.proc.stdout.readline) for _ in range(3)]
        [link] = [word for line in lines for word in line.split() if "/#/setup/" in word]
        token = link.rsplit("/", 1)[1]
        # Many connections at once (the kernel spreads them over both workers), each
        # trying to make a different operator with the one token.
        people = [Client(server.url) for _ in range(12)]
        names = ["root", "chief", "boss", "admin"] * 3
        results = await asyncio.gather(
            *(p.setup_operator(token, n, PASSWORD) for p, n in zip(people, names, strict=True)),
            return_exceptions=True,
        )
        for person in people:
            await person.close()
        made = [r for r in results if isinstance(r, dict)]
        refused = [r for r in results if isinstance(r, ApiError)]
        assert len(made) == 1, results
        assert all(r.code in ("admin.setup_token_invalid", "user.username_taken") for r in refused)
    finally:
        assert await asyncio.to_thread(server.stop) == 0
        server.close()
