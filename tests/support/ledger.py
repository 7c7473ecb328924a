"""What the money state machines share (the wallet's, the red packets' and the shop's):
a database of their own (SQLite; PostgreSQL for a machine whose `backend` says so) on an
event loop of their own, the core Store and the
wallet's on it, fresh idempotency keys, and one-payment tokens as a verified payment
password gives them."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis.stateful import RuleBasedStateMachine

from microletter.core.ids import IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant
from microletter.storage import Store as StoreFacade
from microletter.storage import open_store
from microletter.storage.sqlite.database import SqliteDatabase
from microletter.wallet import WalletStore
from tests.support import services

T = TypeVar("T")


class LedgerMachine(RuleBasedStateMachine):
    prefix = "ledger-model-"  # the temporary folder's, to tell the machines apart
    backend = "sqlite"  # or "postgres": a fresh database on the machine's server

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        self.url: str | None = None
        if self.backend == "postgres":
            self.url = self.run(services.postgres_server().new_database())
            self.store = self.run(open_store(self.url, IdGenerator(0), Limits(), pool_size=4))
        else:
            db = self.run(SqliteDatabase.open(f"{self.dir}/x.db", IdGenerator(0), Limits()))
            self.store = StoreFacade(db)
        self.wallet = WalletStore(self.store.db)
        self.now = 1_000_000
        self.keys = 0

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.store.close())
        if self.url is not None:
            self.run(services.postgres_server().drop(self.url))
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"

    def token(self, user: UserId) -> str:
        """A one-payment token of `user`'s, as verifying the payment password makes one."""
        now = Instant(self.now)
        hashed, _ = self.run(self.wallet.begin_attempt(user, now, most=5, lock_ms=1))
        assert hashed is not None
        name = self.key()
        self.run(
            self.wallet.end_attempt(
                user, True, now, most=5, lock_ms=1, token_hash=name, token_ms=60_000
            )
        )
        return name
