"""Property: random chapter and whole-work purchases (with a payment token or in a
reading session), reading sessions opened with spending limits, auto-purchase runs that
buy chapter after chapter until something stops them, replays and new chapters, on the
real store (SQLite), agree with a plain reference model; after every step money is
conserved (every wallet and the shop's pending account are what the model says, and
their sum is what was funded), no session spent past its limit, and the ledger
reconciles."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from microletter.books.errors import (
    ChapterAlreadyBought,
    ChapterFree,
    ChapterNotFound,
    ReadingSessionInvalid,
    SpendingLimitReached,
    WorkAlreadyBought,
)
from microletter.books.rules import ShopId as BookShop
from microletter.books.rules import WorkId
from microletter.books.store import BooksStore
from microletter.core.errors import MicroletterError
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.shop.rules import PENDING
from microletter.wallet import USER, InsufficientFunds
from tests.support.ledger import LedgerMachine
from tests.support.shopmodel import funded_people, open_shop

NOW = Instant(1_800_000_000_000)
READERS = 3
FREE, CHAPTER, WORK = 1, 100, 350
MAX_CHAPTERS = 8
WHOLE = 0
REFUSALS = (
    ChapterAlreadyBought,
    ChapterFree,
    ChapterNotFound,
    ReadingSessionInvalid,
    SpendingLimitReached,
    WorkAlreadyBought,
    InsufficientFunds,
)


class Reading(LedgerMachine):
    prefix = "books-model-"

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.books = BooksStore(self.store.db)
        _, self.sid = open_shop(self, "Press", NOW)
        work = self.run(
            self.books.save_work(
                None, BookShop(self.sid), "Night", "", "", FREE, CHAPTER, WORK, NOW
            )
        )
        self.wid = WorkId(work.id)
        self.chapters = 0
        for _ in range(3):
            self.publish()
        self.balances = funded_people(self, "r", READERS, 250, NOW)
        self.readers = list(self.balances)
        self.funded = sum(self.balances.values())
        self.owned: dict[UserId, set[int]] = {r: set() for r in self.readers}  # 0: whole
        self.sessions: dict[UserId, tuple[str, int, int]] = {}  # (token, limit, spent)
        self.pending = 0
        self.done: list[tuple[UserId, str, dict[str, Any]]] = []

    # --- the model's view of a purchase ---

    def expected(
        self, reader: UserId, chapter: int, in_session: bool
    ) -> type[MicroletterError] | None:
        owned = self.owned[reader]
        if chapter != WHOLE and not 1 <= chapter <= self.chapters:
            return ChapterNotFound
        if WHOLE in owned:
            return WorkAlreadyBought if chapter == WHOLE else ChapterAlreadyBought
        if chapter != WHOLE and chapter <= FREE:
            return ChapterFree
        if chapter in owned:
            return ChapterAlreadyBought
        price = WORK if chapter == WHOLE else CHAPTER
        if in_session:
            if reader not in self.sessions:
                return ReadingSessionInvalid
            _, limit, spent = self.sessions[reader]
            if spent + price > limit:
                return SpendingLimitReached
        if self.balances[reader] < price:
            return InsufficientFunds
        return None

    def purchase(self, reader: UserId, chapter: int, in_session: bool) -> bool:
        """Buy on the store and check it against the model; whether it went through."""
        expected = self.expected(reader, chapter, in_session)
        token = None if in_session else self.token(reader)
        session = None
        if in_session:
            session = self.sessions[reader][0] if reader in self.sessions else "no-session"
        key = self.key()
        try:
            outcome = self.run(
                self.books.buy(reader, self.wid, chapter, None, token, session, key, "fp", NOW)
            )
        except REFUSALS as refused:
            assert type(refused) is expected, (refused, expected)
            return False
        assert expected is None, expected
        result, first = outcome.value
        assert first
        price = WORK if chapter == WHOLE else CHAPTER
        assert result["amount"] == price
        self.balances[reader] -= price
        self.pending += price
        self.owned[reader].add(chapter)
        if in_session:
            t, limit, spent = self.sessions[reader]
            self.sessions[reader] = (t, limit, spent + price)
        self.done.append((reader, key, result))
        return True

    # --- rules ---

    @precondition(lambda self: self.chapters < MAX_CHAPTERS)
    @rule()
    def publish(self) -> None:
        self.chapters += 1
        self.run(
            self.books.publish_chapter(
                BookShop(self.sid), self.wid, f"C{self.chapters}", "text", "Press", NOW
            )
        )

    @rule(
        who=st.integers(0, READERS - 1),
        chapter=st.integers(0, MAX_CHAPTERS + 1),
        in_session=st.booleans(),
    )
    def buy(self, who: int, chapter: int, in_session: bool) -> None:
        self.purchase(self.readers[who], chapter, in_session)

    @rule(who=st.integers(0, READERS - 1), limit=st.sampled_from([0, 100, 250, 1000]))
    def open_session(self, who: int, limit: int) -> None:
        reader = self.readers[who]
        name = self.key()
        self.run(
            self.books.open_session(
                reader, self.wid, limit, self.token(reader), name, Instant(NOW + 3600_000), NOW
            )
        )
        self.sessions[reader] = (name, limit, 0)

    @rule(who=st.integers(0, READERS - 1))
    def auto_read(self, who: int) -> None:
        """Auto-purchase: read on from chapter 1, buying each next chapter one may not
        read in the session, until a purchase is refused (the limit, the money)."""
        reader = self.readers[who]
        for n in range(1, self.chapters + 1):
            owned = self.owned[reader]
            if n <= FREE or WHOLE in owned or n in owned:
                continue
            if not self.purchase(reader, n, True):
                break

    @precondition(lambda self: bool(self.done))
    @rule(pick=st.integers(0, 10**6))
    def replay(self, pick: int) -> None:
        reader, key, result = self.done[pick % len(self.done)]
        outcome = self.run(
            self.books.buy(reader, self.wid, 99, None, "spent", None, key, "fp", NOW)
        )
        assert outcome.value == (result, False) and not outcome.entries

    @invariant()
    def money_is_conserved(self) -> None:
        for r in self.readers:
            assert self.run(self.wallet.balance(USER, r)) == self.balances[r]
            owned = self.run(self.books.ownership(r, self.wid))
            assert owned.whole == (WHOLE in self.owned[r])
            assert set(owned.chapters) == self.owned[r] - {WHOLE}
        assert self.run(self.wallet.balance(PENDING, self.sid)) == self.pending
        assert sum(self.balances.values()) + self.pending == self.funded
        for r, (name, limit, spent) in self.sessions.items():
            assert self.run(self.books.session_left(r, name, NOW)) == (limit, spent)
            assert spent <= limit
        reconciled = self.run(self.wallet.reconcile())
        assert reconciled.ok, reconciled.mismatches


Reading.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_chapter_purchases_conserve_money = Reading.TestCase
