"""Property: random credits, red packets (normal, lucky, exclusive, in a group and a
one-to-one chat), opens by anyone (twice, by the sender, by a stranger), the sender's
combined notes, replays and expiries on the real store (SQLite) agree with a plain
reference model. After every step: every transaction sums to zero and reconcile is
clean, no balance is negative, nobody opened a packet twice, each packet's escrow holds
exactly its untaken shares, and taken shares plus refund make the packet's amount.

Several members also open one packet together, in one batch, as the action does with
the opens of a packet that arrive together: on SQLite in one job of the writer
(`open_together`), on PostgreSQL with `look_many` and `open_many`."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from microletter.core.errors import MicroletterError, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.redpackets import JOBS, RedPacketStore
from microletter.redpackets.errors import (
    AlreadyOpened,
    Exhausted,
    NotForYou,
    RedPacketExpired,
)
from microletter.redpackets.rules import Limits as PacketLimits
from microletter.redpackets.rules import PacketId, check_request, split
from microletter.redpackets.store.packets import Answer
from microletter.storage import JobStore
from microletter.wallet import USER, InsufficientFunds
from tests.contract.conftest import befriend, new_user
from tests.support import services
from tests.support.ledger import LedgerMachine

DAY = 86_400_000
PEOPLE = 4  # 0-2 in the group, 3 a stranger to it (a one-to-one chat with 0)
LIMITS = PacketLimits(max_amount=100_000, max_share=5_000, max_shares=10)
HANDLERS = {k.kind: k.handler for k in JOBS}


class Packets(LedgerMachine):
    prefix = "redpacket-model-"

    def __init__(self) -> None:
        super().__init__()
        self.jobs = JobStore(self.store.db)
        self.packets_store = RedPacketStore(self.store.db)
        self.users = [self.run(new_user(self.store, f"u{i}")).id for i in range(PEOPLE)]
        for b in self.users[1:3]:
            self.run(befriend(self.store, self.users[0], b))
        made = self.run(self.store.create_group(self.users[0], self.users[1:3], "g", Instant(0)))
        self.group = made.value.id
        self.direct = self.run(befriend(self.store, self.users[0], self.users[3]))
        for u in self.users:
            self.run(self.wallet.set_pay_password(u, "hash", Instant(0)))
        self.rng = random.Random(0)
        # the reference model
        self.balances = dict.fromkeys(self.users, 0)
        # id: sender, members who may open, shares left (in order), opened by, expires, amount
        self.packets: dict[int, dict[str, Any]] = {}
        self.sent: list[tuple[UserId, str, str, dict[str, Any]]] = []

    @initialize(amounts=st.lists(st.integers(0, 20_000), min_size=PEOPLE, max_size=PEOPLE))
    def fund(self, amounts: list[int]) -> None:
        for user, amount in zip(self.users, amounts, strict=True):
            if amount:
                key = self.key()
                self.run(self.wallet.adjust(user, user, amount, "r", key, key, Instant(self.now)))
                self.balances[user] += amount

    @rule(
        who=st.integers(0, 2),
        kind=st.sampled_from(["normal", "lucky", "exclusive"]),
        shares=st.integers(1, 3),
        each=st.integers(1, 3000),
        direct=st.booleans(),
        to=st.integers(0, 2),
    )
    def send(self, who: int, kind: str, shares: int, each: int, direct: bool, to: int) -> None:
        sender = self.users[who]
        if direct:  # only user 0 has the one-to-one chat (with user 3)
            sender, kind, shares = self.users[0], "normal", 1
        if kind == "exclusive":
            shares = 1
        recipient = self.users[to] if kind == "exclusive" else None
        if recipient == sender:
            return
        amount = each * shares
        request = check_request(kind, amount, shares, "gl", recipient, LIMITS)
        cut = split(request, LIMITS.max_share, self.rng.randint)
        cid = self.direct if direct else self.group
        key = self.key()
        try:
            outcome = self.run(
                self.packets_store.send_packet(
                    sender,
                    cid,
                    request,
                    cut,
                    "CNY",
                    key,
                    key,
                    self.token(sender),
                    Instant(self.now),
                    DAY,
                )
            )
        except InsufficientFunds:
            assert self.balances[sender] < amount
            return
        result, first = outcome.value
        assert first
        self.balances[sender] -= amount
        members = {self.users[0], self.users[3]} if direct else set(self.users[:3])
        may = {recipient} if recipient else (members - {sender} if direct else members)
        pid = result["packet_id"]
        assert isinstance(pid, int)
        self.packets[pid] = {
            "sender": sender,
            "may": may,
            "left": list(cut),
            "opened": {},
            "expires": self.now + DAY,
            "amount": amount,
            "refunded": None,
        }
        self.sent.append((sender, key, key, result))

    @precondition(lambda self: bool(self.packets))
    @rule(pick=st.integers(0, 10**6), who=st.integers(0, PEOPLE - 1))
    def open(self, pick: int, who: int) -> None:
        pid = sorted(self.packets)[pick % len(self.packets)]
        user = self.users[who]
        try:
            outcome = self.run(
                self.packets_store.open_packet(user, PacketId(pid), Instant(self.now))
            )
        except MicroletterError as refusal:
            self.refused(pid, user, refusal)
            return
        self.opened(pid, user, outcome.value["amount"])
        assert [e.user_id for e in outcome.entries] == [user]  # only the opener hears now

    @precondition(lambda self: bool(self.packets))
    @rule(
        pick=st.integers(0, 10**6),
        who=st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=PEOPLE, unique=True),
    )
    def open_together(self, pick: int, who: list[int]) -> None:
        # SQLite: several members opening one packet in one job (`open_together`, what
        # the action does there with the opens of a packet that arrive together)
        live = sorted(pid for pid, p in self.packets.items() if p["left"]) or sorted(self.packets)
        pid = live[pick % len(live)]
        users = [self.users[w] for w in who]
        outcome = self.run(
            self.packets_store.open_together(users, PacketId(pid), Instant(self.now), announce=True)
        )
        answers = outcome.value
        assert set(answers) == set(users)
        for user in users:  # the batch's order is the order of its shares
            answer = answers[user]
            if isinstance(answer, MicroletterError):
                self.refused(pid, user, answer)
            else:
                self.opened(pid, user, answer["amount"])
        heard = sorted(e.user_id for e in outcome.entries)
        assert heard == sorted(u for u in users if isinstance(answers[u], dict))

    def refused(self, pid: int, user: UserId, refusal: MicroletterError) -> None:
        p = self.packets[pid]
        if isinstance(refusal, NotMember):
            assert user not in p["may"] and user != p["sender"]
        elif isinstance(refusal, NotForYou):
            assert user not in p["may"]
        elif isinstance(refusal, AlreadyOpened):
            assert p["opened"][user] == refusal.details["amount"]
        elif isinstance(refusal, RedPacketExpired):
            assert p["refunded"] is not None
        elif isinstance(refusal, Exhausted):
            assert not p["left"]
        else:
            raise refusal

    def opened(self, pid: int, user: UserId, got: object) -> None:
        p = self.packets[pid]
        assert user in p["may"] and user not in p["opened"] and p["refunded"] is None
        amount = p["left"].pop(0)
        assert got == amount
        p["opened"][user] = amount
        self.balances[user] += amount

    @rule(ms=st.sampled_from([0, 1, 1000, DAY // 2, DAY]))
    def time_passes(self, ms: int) -> None:
        self.now += ms
        due = self.run(self.jobs.claim("model", Instant(self.now), 60_000, 1000))
        for job in due:
            outcome = self.run(self.jobs.run(job, HANDLERS[job.kind], Instant(self.now)))
            assert {e.event.note.audience for e in outcome.entries} <= {  # type: ignore[union-attr]
                (self.packets[job.payload["packet_id"]]["sender"],)  # type: ignore[index]
            }
        for p in self.packets.values():
            if p["expires"] <= self.now and p["refunded"] is None and p["left"]:
                refunded = sum(p["left"])
                p["refunded"] = refunded
                self.balances[p["sender"]] += refunded
                p["left"] = []

    @precondition(lambda self: bool(self.sent))
    @rule(pick=st.integers(0, 10**6))
    def replay(self, pick: int) -> None:
        sender, key, fp, result = self.sent[pick % len(self.sent)]
        request = check_request("normal", 1, 1, "", None, LIMITS)
        outcome = self.run(
            self.packets_store.send_packet(
                sender,
                ConversationId(0),
                request,
                [1],
                "CNY",
                key,
                fp,
                "spent",
                Instant(self.now),
                DAY,
            )
        )
        assert outcome.value == (result, False) and not outcome.entries

    async def escrow_of(self, pid: int) -> int:
        return await self.store.db.read(_escrow, pid)

    @invariant()
    def agrees_with_the_model(self) -> None:
        for user in self.users:
            assert self.run(self.wallet.balance(USER, user)) == self.balances[user]
            assert self.balances[user] >= 0
        for pid, p in self.packets.items():
            escrow = self.run(self.escrow_of(pid))
            assert escrow == sum(p["left"])  # each untaken share is in its own envelope
            found, shares, _ = self.run(self.packets_store.find_packet(p["sender"], PacketId(pid)))
            taken = [s for s in shares if s.opener_id is not None]
            assert len({s.opener_id for s in taken}) == len(taken)  # nobody twice
            assert {s.opener_id: s.amount for s in taken} == p["opened"]
            assert sum(s.amount for s in taken) + found.refunded + sum(p["left"]) == p["amount"]
        reconciled = self.run(self.wallet.reconcile())
        assert reconciled.ok, reconciled.mismatches


async def _escrow(db: Any, pid: int) -> int:
    return int(
        await db.fetchval(
            "SELECT coalesce(sum(a.balance), 0) FROM red_packet_shares s"
            " JOIN wallet_accounts a ON a.id = s.account_id WHERE s.packet_id=$1",
            pid,
        )
    )


Packets.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRedPacketModel = Packets.TestCase


class PacketsOnPostgres(Packets):
    backend = "postgres"

    @precondition(lambda self: bool(self.packets))
    @rule(
        pick=st.integers(0, 10**6),
        who=st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=PEOPLE, unique=True),
    )
    def open_together(self, pick: int, who: list[int]) -> None:
        # mostly a packet with shares left, so that several of the batch open it
        live = sorted(pid for pid, p in self.packets.items() if p["left"]) or sorted(self.packets)
        pid = live[pick % len(live)]
        users = [self.users[w] for w in who]
        now = Instant(self.now)
        seen = self.run(self.packets_store.look_many(users, PacketId(pid), now))
        go = {u: w for u, w in seen.openers.items() if not isinstance(w, MicroletterError)}
        answers: dict[UserId, Answer] = {
            u: w for u, w in seen.openers.items() if isinstance(w, MicroletterError)
        }
        heard: list[UserId] = []
        if go:
            outcome = self.run(self.packets_store.open_many(go, seen, now, announce=True))
            answers.update(outcome.value)
            heard = [e.user_id for e in outcome.entries]
        assert set(answers) == set(users)
        for user in users:  # the batch's order is the order of its shares
            answer = answers[user]
            if isinstance(answer, MicroletterError):
                self.refused(pid, user, answer)
            else:
                self.opened(pid, user, answer["amount"])
        assert sorted(heard) == sorted(u for u in users if isinstance(answers[u], dict))


def test_red_packet_model_on_postgres() -> None:
    services.postgres_server()  # skips (or fails, if services are required) without it
    run_state_machine_as_test(
        PacketsOnPostgres,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
