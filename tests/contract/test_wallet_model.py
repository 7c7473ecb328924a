"""Property: random credits, debits, transfers, accepts, returns, replays and expiries on
the real store (SQLite) agree with a plain reference model; after every step every
transaction sums to zero, no balance but funding is negative, escrow holds exactly the
pending transfers, and reconcile is clean."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.storage import JobStore
from microletter.wallet import ESCROW, FUNDING, JOBS, USER, InsufficientFunds
from microletter.wallet.errors import NotTransferRecipient
from microletter.wallet.rules import TransferId
from tests.contract.conftest import befriend, new_user
from tests.support.ledger import LedgerMachine

DAY = 86_400_000
OPERATOR = UserId(1)
PEOPLE = 3


class Ledger(LedgerMachine):
    prefix = "wallet-model-"

    def __init__(self) -> None:
        super().__init__()
        self.jobs = JobStore(self.store.db)
        self.users = [self.run(new_user(self.store, f"u{i}")).id for i in range(PEOPLE)]
        self.chats: dict[tuple[UserId, UserId], ConversationId] = {}
        for i, a in enumerate(self.users):
            for b in self.users[i + 1 :]:
                cid = self.run(befriend(self.store, a, b))
                self.chats[(a, b)] = self.chats[(b, a)] = cid
        for u in self.users:
            self.run(self.wallet.set_pay_password(u, "hash", Instant(0)))
        # the reference model
        self.balances = dict.fromkeys(self.users, 0)
        self.funding = 0
        self.pending: dict[int, tuple[UserId, UserId, int, int]] = {}  # id: from, to, amount, due
        self.done: list[tuple[UserId, str, str, dict[str, Any]]] = []  # replayable requests

    @initialize(amounts=st.lists(st.integers(1, 20_000), min_size=PEOPLE, max_size=PEOPLE))
    def fund(self, amounts: list[int]) -> None:
        for who, amount in enumerate(amounts):
            self.adjust(who, amount, False)

    @rule(who=st.integers(0, PEOPLE - 1), amount=st.integers(1, 10_000), debit=st.booleans())
    def adjust(self, who: int, amount: int, debit: bool) -> None:
        user, signed = self.users[who], -amount if debit else amount
        key = self.key()
        try:
            self.run(
                self.wallet.adjust(
                    OPERATOR, user, signed, "r", key, f"fp{signed}", Instant(self.now)
                )
            )
        except InsufficientFunds:
            assert self.balances[user] < amount
            return
        self.balances[user] += signed
        self.funding -= signed

    @rule(a=st.integers(0, PEOPLE - 1), b=st.integers(0, PEOPLE - 1), amount=st.integers(1, 3000))
    def send(self, a: int, b: int, amount: int) -> None:
        if a == b:
            return
        sender, recipient = self.users[a], self.users[b]
        key, now = self.key(), Instant(self.now)
        try:
            outcome = self.run(
                self.wallet.send_transfer(
                    sender,
                    self.chats[(sender, recipient)],
                    amount,
                    "",
                    "CNY",
                    key,
                    "fp",
                    self.token(sender),
                    now,
                    DAY,
                )
            )
        except InsufficientFunds:
            assert self.balances[sender] < amount
            return
        result, first = outcome.value
        assert first
        tid = result["transfer_id"]
        assert isinstance(tid, int)
        self.balances[sender] -= amount
        self.pending[tid] = (sender, recipient, amount, self.now + DAY)
        self.done.append((sender, key, "fp", result))

    @precondition(lambda self: bool(self.pending))
    @rule(
        pick=st.integers(0, 10**6),
        action=st.sampled_from(["accept", "return"]),
        by_sender=st.booleans(),
    )
    def settle(self, pick: int, action: str, by_sender: bool) -> None:
        tid = sorted(self.pending)[pick % len(self.pending)]
        sender, recipient, amount, _ = self.pending[tid]
        who = sender if by_sender else recipient
        try:
            self.run(
                self.wallet.settle_transfer(
                    who, TransferId(tid), action, self.key(), action, Instant(self.now)
                )
            )
        except NotTransferRecipient:
            assert by_sender
            return
        assert not by_sender
        del self.pending[tid]
        self.balances[recipient if action == "accept" else sender] += amount

    @rule(ms=st.sampled_from([0, 1, 1000, DAY // 3, DAY - 1, DAY]))
    def time_passes(self, ms: int) -> None:
        self.now += ms
        due = self.run(self.jobs.claim("model", Instant(self.now), 60_000, 1000))
        for job in due:
            self.run(self.jobs.run(job, JOBS[0].handler, Instant(self.now)))
        for tid, (sender, _, amount, expires) in list(self.pending.items()):
            if expires <= self.now:
                del self.pending[tid]
                self.balances[sender] += amount

    @precondition(lambda self: bool(self.done))
    @rule(pick=st.integers(0, 10**6))
    def replay(self, pick: int) -> None:
        """The same key and body again: the first result, nothing moved."""
        sender, key, fp, result = self.done[pick % len(self.done)]
        outcome = self.run(
            self.wallet.send_transfer(
                sender, ConversationId(0), 1, "", "CNY", key, fp, "spent", Instant(self.now), DAY
            )
        )
        assert outcome.value == (result, False) and not outcome.entries

    @invariant()
    def agrees_with_the_model(self) -> None:
        for user in self.users:
            assert self.run(self.wallet.balance(USER, user)) == self.balances[user]
        assert self.run(self.wallet.balance(FUNDING)) == self.funding
        escrow = sum(amount for _, _, amount, _ in self.pending.values())
        assert self.run(self.wallet.balance(ESCROW)) == escrow
        assert all(b >= 0 for b in self.balances.values())
        reconciled = self.run(self.wallet.reconcile())
        assert reconciled.ok, reconciled.mismatches

    @invariant()
    def a_settled_transfer_stays_settled(self) -> None:
        settled = self.run(self._settled())
        for tid in settled:
            assert tid not in self.pending

    async def _settled(self) -> list[int]:
        rows = await self.store.db.read(_settled_ids)
        return rows


async def _settled_ids(db: Any) -> list[int]:
    return [
        int(r[0])
        for r in await db.fetch("SELECT id FROM wallet_transfers WHERE status <> 'pending'")
    ]


Ledger.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerModel = Ledger.TestCase
