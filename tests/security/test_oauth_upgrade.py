"""The upgrade that brings OAuth domains (issue 11, part 2): an account made before it has
no registered domain afterwards, so its OAuth is refused until its developer registers
one; and codes issued before it, which were bound to no redirect_uri, are gone. On both
databases, with a real server before and after, and Alembic taking the database back to
the revision before the migration, as the previous release left it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from microletter.app import Server
from microletter.client import Client
from microletter.storage import migrate
from tests.conftest import PASSWORD, make_settings
from tests.security.test_oauth import PAGE, allow, consent, exchange, query_of
from tests.support.platform import new_account, register_domains
from tests.support.rest import fails


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def before_oauth_domains() -> str:
    """The revision just before the migration that adds OAuth domains."""
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    for script in ScriptDirectory.from_config(config).walk_revisions():
        if Path(script.path).stem.endswith("_oauth_domains"):
            assert isinstance(script.down_revision, str)
            return script.down_revision
    raise AssertionError("no *_oauth_domains migration")


async def downgrade(url: str, revision: str) -> None:
    """Alembic's downgrade of the database at `url` to `revision`."""
    if url.startswith("sqlite:"):
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.begin() as connection:
                command.downgrade(_config(connection), revision)
        finally:
            engine.dispose()
        return
    pg = create_async_engine(migrate.sqlalchemy_url(url), poolclass=sqlalchemy.pool.NullPool)
    try:
        async with pg.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_config(c), revision))
    finally:
        await pg.dispose()


async def test_an_account_from_before_the_upgrade_has_no_domain_and_its_oauth_is_refused(
    tmp_path: Path, backends: dict[str, Any]
) -> None:
    settings = make_settings(tmp_path / "data", **backends)
    old = Server(settings)
    await old.start()
    dev, alice = Client(old.url), Client(old.url)
    try:
        await dev.register("dev", PASSWORD)
        await alice.register("alice", PASSWORD)
        made = await new_account(dev, "Shop")
        await register_domains(dev, made, "h5.example")
        code = query_of(await allow(alice, made["account"]["appid"], PAGE))["code"][0]
    finally:
        await dev.close()
        await alice.close()
        await old.stop()
    await downgrade(settings.effective_database_url, before_oauth_domains())

    new = Server(settings)  # migrates to the head as it starts
    await new.start()
    dev, alice = Client(new.url), Client(new.url)
    try:
        await dev.login("dev", PASSWORD)
        await alice.login("alice", PASSWORD)
        aid, appid = made["account"]["id"], made["account"]["appid"]
        account = (await dev.call("GET", f"/api/v1/developer/accounts/{aid}"))["account"]
        assert account["oauth_domains"] == []
        await fails(consent(alice, appid, PAGE), "platform.redirect_domain_mismatch", 400)
        unbound = await exchange(alice, appid, made["appsecret"], code)
        assert unbound["errcode"] == 40029  # codes from before were bound to nothing: dropped
        await register_domains(dev, made, "h5.example")
        code = query_of(await allow(alice, appid, PAGE))["code"][0]
        assert (await exchange(alice, appid, made["appsecret"], code))["openid"]
    finally:
        await dev.close()
        await alice.close()
        await new.stop()
