"""A server whose start fails part-way closes what it had already opened (app.start
opens the database, bus, presence and the rest under one exit stack)."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from microletter.app import Server
from tests.conftest import make_settings

# Nothing listens on port 1: connecting is refused at once.
NO_REDIS = "redis://127.0.0.1:1/0"


async def test_a_start_that_fails_after_the_database_opened_releases_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    broken = Server(make_settings(data, bus_url=NO_REDIS))
    # `failed` keeps the traceback, and with it every object the failed start made: a
    # database it did not close would still hold the file's writer lock below.
    with pytest.raises(RedisConnectionError) as failed:
        await broken.start()  # the SQLite database opened first, then the bus failed
    # One writer per SQLite file: a second server on the same folder starts only if the
    # failed start closed its database.
    again = Server(make_settings(data))
    await again.start()
    try:
        assert again.ctx is not None
        await again.ctx.store.ping()
    finally:
        await again.stop()
    assert failed.type is RedisConnectionError
