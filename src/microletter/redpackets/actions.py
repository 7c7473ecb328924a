"""Red packets' actions: check the request with rules.py (amounts with the wallet's
rules), run one unit of work, publish after the commit."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.core.errors import MicroletterError, Unavailable
from microletter.core.events import Outcome
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant, Principal
from microletter.redpackets import rules
from microletter.redpackets.errors import AlreadyOpened, Exhausted
from microletter.redpackets.rules import Draw, Limits, Opening, PacketId, RedPacket
from microletter.redpackets.store import RedPacketStore
from microletter.redpackets.store.packets import ANNOUNCE_MS, Answer
from microletter.wallet import (
    PaymentTokenInvalid,
    check_amount,
    check_key,
    fingerprint,
    hash_token,
)

log = logging.getLogger(__name__)
_random = random.SystemRandom()  # a lucky split is money: no guessable generator


@dataclass(frozen=True, slots=True)
class RedPacketSettings:
    limits: Limits = field(default_factory=Limits)
    currency: str = "CNY"
    exponent: int = 2
    expiry_ms: int = 24 * 3600_000


class Settled:
    """Facts about packets that committed writes of this process showed, and that never
    stop being true: a member opened a packet, or every share of it is taken. An open
    that one of them will refuse need not queue for the writer and wait for its commit
    (on SQLite, where it would be a job of the next batch): its refusal is read from the
    committed state at once (`look` on a reader, which also puts a not-a-member refusal
    first, as the writer would). Bounded: past `LIMIT` packets it starts afresh."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._opened: dict[PacketId, set[UserId]] = {}
        self._taken: dict[PacketId, int] = {}
        self._empty: set[PacketId] = set()

    def refuses(self, pid: PacketId, me: UserId) -> bool:
        """Whether an open of `pid` by `me` is certain to be refused."""
        return pid in self._empty or me in self._opened.get(pid, ())

    def opened(self, pid: PacketId, me: UserId, shares: int) -> None:
        """`me` took a share of `pid` (committed); `shares` of them in all."""
        if len(self._opened) > self.LIMIT:
            self.clear()
        mine = self._opened.setdefault(pid, set())
        if me not in mine:  # each member takes at most one share
            mine.add(me)
            self._taken[pid] = taken = self._taken.get(pid, 0) + 1
            if taken >= shares:
                self._empty.add(pid)

    def refused(self, pid: PacketId, me: UserId, refusal: MicroletterError) -> None:
        if isinstance(refusal, Exhausted):
            if len(self._empty) > self.LIMIT:
                self.clear()
            self._empty.add(pid)
        elif isinstance(refusal, AlreadyOpened):
            if len(self._opened) > self.LIMIT:
                self.clear()
            self._opened.setdefault(pid, set()).add(me)

    def clear(self) -> None:
        self._opened.clear()
        self._taken.clear()
        self._empty.clear()


@dataclass
class RedPackets:
    """The room as app.py builds it. `draw` picks a lucky share (tests pass their own)."""

    ctx: Context
    store: RedPacketStore
    settings: RedPacketSettings
    draw: Draw = _random.randint
    # (packet, window) whose note to the sender a committed open of this process
    # scheduled: later opens of the window skip asking again (a round trip saved)
    announced: set[tuple[int, int]] = field(default_factory=set)
    # PostgreSQL: the opens of each packet waiting for the batch in flight to end, and
    # the tasks that run a packet's batches one after the other (see `open_packet`)
    waiting: dict[PacketId, list[tuple[UserId, asyncio.Future[Opened]]]] = field(
        default_factory=dict
    )
    batching: set[asyncio.Task[None]] = field(default_factory=set)
    # SQLite: what committed opens and refusals told this process (see `Settled`)
    settled: Settled = field(default_factory=Settled)

    @property
    def read_first(self) -> bool:
        return self.store.db.dialect == "postgresql"


@dataclass(frozen=True, slots=True)
class View:
    """A packet as one person sees it: the shares' amounts and openers only if they
    may see who got how much (the sender, and those who opened it)."""

    packet: RedPacket
    shares: list[Opening]
    sees_all: bool
    mine: Opening | None
    best: int | None


async def send(
    room: RedPackets,
    me: Principal,
    cid: ConversationId,
    kind: object,
    amount: object,
    shares: object,
    greeting: str,
    recipient_id: int | None,
    key: str,
    payment_token: str | None,
) -> tuple[View, bool]:
    """Send a red packet into a group or a one-to-one chat; (the packet as I see it, and
    False if this was a replay of `key`)."""
    s = room.settings
    minor = check_amount(amount, s.limits.max_amount)
    request = rules.check_request(kind, minor, shares, greeting, recipient_id, s.limits)
    key = check_key(key)
    if not payment_token:
        raise PaymentTokenInvalid()
    split = rules.split(request, s.limits.max_share, room.draw)
    fp = fingerprint(
        "redpacket",
        {
            "cid": cid,
            "kind": request.kind,
            "amount": request.amount,
            "shares": request.shares,
            "greeting": request.greeting,
            "recipient": request.recipient_id,
        },
    )
    outcome = await room.store.send_packet(
        me.user_id,
        cid,
        request,
        split,
        s.currency,
        key,
        fp,
        hash_token(payment_token),
        room.ctx.clock(),
        s.expiry_ms,
    )
    await room.ctx.publish(outcome)
    result, first = outcome.value
    pid = result["packet_id"]
    assert isinstance(pid, int)  # our own result, written by the store
    return await packet(room, me, PacketId(pid)), first


@dataclass(frozen=True, slots=True)
class Opened:
    packet_id: PacketId
    conversation_id: ConversationId
    amount: int
    finished: bool


async def open_packet(room: RedPackets, me: Principal, pid: PacketId) -> Opened:
    """Take my share of a packet (the hot path: one read, one claim, the money, my note;
    see store/packets.py). The opens of one packet are batched: while a batch of the
    packet is in the database, the opens that arrive wait and then go together
    (`_open_batches`): on PostgreSQL in one read and one transaction of a few round
    trips, on SQLite in one job of the writer, committed in its group commit. On SQLite
    an open that committed facts say will be refused (`Settled`) is answered from a read
    of what is committed, without waiting for the writer."""
    if not room.read_first and room.settled.refuses(pid, me.user_id):
        # refused for sure: why, from what is committed, without waiting for the writer
        await room.store.look(me.user_id, pid, room.ctx.clock())  # raises the refusal
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Opened] = loop.create_future()
    queue = room.waiting.get(pid)
    if queue is None:  # nothing of this packet in flight here: a batch starts next turn
        queue = room.waiting[pid] = []
        task = loop.create_task(_open_batches(room, pid))
        room.batching.add(task)
        task.add_done_callback(room.batching.discard)
    queue.append((me.user_id, future))
    return await future


MAX_BATCH = 128  # opens in one transaction


async def _open_batches(room: RedPackets, pid: PacketId) -> None:
    """Run the batches of `pid`'s waiting opens one after the other until none wait (a
    member's second open waits for the next batch, where it is refused)."""
    try:
        while queue := room.waiting.get(pid):
            batch: dict[UserId, asyncio.Future[Opened]] = {}
            rest = []
            for uid, future in queue:
                if uid in batch or len(batch) >= MAX_BATCH:
                    rest.append((uid, future))
                else:
                    batch[uid] = future
            room.waiting[pid] = rest
            if not room.read_first:  # SQLite: see `Settled`
                batch = _refuse_settled(room, pid, batch)
            if batch:
                await _open_batch(room, pid, batch)
    finally:
        for _, future in room.waiting.pop(pid, []):  # only if cancelled (shutdown)
            if not future.done():
                future.set_exception(Unavailable("The server is shutting down; retry."))


def _refuse_settled(
    room: RedPackets, pid: PacketId, batch: dict[UserId, asyncio.Future[Opened]]
) -> dict[UserId, asyncio.Future[Opened]]:
    """The opens of `batch` that committed facts say will be refused (they queued while
    the batch that took the last share was being committed) get their refusal from one
    read, at once, instead of from the writer after one more commit; the rest go on."""
    settled, rest, refused = room.settled, {}, {}
    for uid, future in batch.items():
        if settled.refuses(pid, uid):
            refused[uid] = future
        else:
            rest[uid] = future
    if refused:
        task = asyncio.get_running_loop().create_task(_refuse(room, pid, refused))
        room.batching.add(task)
        task.add_done_callback(room.batching.discard)
    return rest


async def _refuse(
    room: RedPackets, pid: PacketId, batch: dict[UserId, asyncio.Future[Opened]]
) -> None:
    try:
        found = await room.store.look_each(list(batch), pid, room.ctx.clock())
    except Exception as exc:  # noqa: BLE001  # handed to the waiting openers
        found = dict.fromkeys(batch, exc)  # type: ignore[arg-type]  # raised to each
    for uid, future in batch.items():
        answer = found[uid]
        if future.done():  # the opener went away
            continue
        if isinstance(answer, BaseException):
            future.set_exception(answer)
        else:  # not refused after all (the facts say it cannot be): the writer decides
            task = asyncio.get_running_loop().create_task(_answer_alone(room, uid, pid, future))
            room.batching.add(task)
            task.add_done_callback(room.batching.discard)


async def _open_batch(
    room: RedPackets, pid: PacketId, batch: dict[UserId, asyncio.Future[Opened]]
) -> None:
    now = room.ctx.clock()
    window = (pid, now // ANNOUNCE_MS)
    answers: dict[UserId, Answer] = {}
    done: Outcome[dict[UserId, Answer]] | None = None
    try:
        if not room.read_first:  # SQLite: all of it in one job of the writer
            done = await _open_together(room, pid, batch, now, window, answers)
        else:
            await _open_looked(room, pid, batch, now, window, answers)
    except MicroletterError as exc:
        if isinstance(exc, Unavailable):
            answers = dict.fromkeys(batch, exc)
        else:  # a race the batch could not take apart (an expiry): each on its own
            answers = {}
            await asyncio.gather(*(_answer_alone(room, uid, pid, f) for uid, f in batch.items()))
    except Exception as exc:  # noqa: BLE001  # a bug: every waiter fails with it
        answers = dict.fromkeys(batch, exc)  # type: ignore[arg-type]  # raised as a 500
    for uid, answer in answers.items():
        future = batch[uid]
        if future.done():  # the opener went away
            continue
        if isinstance(answer, BaseException):
            future.set_exception(answer)
        else:
            future.set_result(_opened(answer))
    if done is not None:
        # After the answers: each opener's reply and note then leave in one write of
        # their socket (both queue before its outbox flushes, on the loop's next turn).
        try:
            await room.ctx.publish(done)
        except Exception as exc:  # noqa: BLE001  # the openers have their answers; the
            # notes are in their logs, which their devices read when they catch up
            log.warning("redpackets.publish_failed", extra={"error": repr(exc)})


async def _open_looked(
    room: RedPackets,
    pid: PacketId,
    batch: dict[UserId, asyncio.Future[Opened]],
    now: Instant,
    window: tuple[int, int],
    answers: dict[UserId, Answer],
) -> None:
    """PostgreSQL: the batch's refusals from one read, then the rest in one transaction."""
    seen = await room.store.look_many(list(batch), pid, now)
    go = {}
    for uid, found in seen.openers.items():
        if isinstance(found, MicroletterError):
            answers[uid] = found
        else:
            go[uid] = found
    if go:
        outcome = await room.store.open_many(go, seen, now, announce=window not in room.announced)
        if any(isinstance(a, dict) and a["scheduled"] for a in outcome.value.values()):
            _announced(room, window)
        await room.ctx.publish(outcome)
        answers.update(outcome.value)


async def _open_together(
    room: RedPackets,
    pid: PacketId,
    batch: dict[UserId, asyncio.Future[Opened]],
    now: Instant,
    window: tuple[int, int],
    answers: dict[UserId, Answer],
) -> Outcome[dict[UserId, Answer]]:
    """SQLite: the batch in one job of the writer; what it answers is committed, so it
    also tells `room.settled` which later opens will be refused. The caller publishes
    the outcome, once it has answered the openers."""
    outcome = await room.store.open_together(
        list(batch), pid, now, announce=window not in room.announced
    )
    settled = room.settled
    for uid, answer in outcome.value.items():
        if isinstance(answer, MicroletterError):
            settled.refused(pid, uid, answer)
        else:
            if answer["scheduled"]:
                _announced(room, window)
            shares = answer["shares"]
            assert isinstance(shares, int)  # our own result, written by the store
            settled.opened(pid, uid, shares)
    answers.update(outcome.value)
    return outcome


async def _answer_alone(
    room: RedPackets, uid: UserId, pid: PacketId, future: asyncio.Future[Opened]
) -> None:
    try:
        result = await _open_one(room, uid, pid)
    except Exception as exc:  # noqa: BLE001  # handed to the waiting opener
        if not future.done():
            future.set_exception(exc)
    else:
        if not future.done():
            future.set_result(result)


def _announced(room: RedPackets, window: tuple[int, int]) -> None:
    if len(room.announced) > 10_000:
        room.announced.clear()
    room.announced.add(window)


def _opened(v: dict[str, object]) -> Opened:
    amount, cid, pid = v["amount"], v["conversation_id"], v["packet_id"]
    assert isinstance(amount, int) and isinstance(cid, int) and isinstance(pid, int)
    return Opened(PacketId(pid), ConversationId(cid), amount, bool(v["finished"]))


async def _open_one(room: RedPackets, me: UserId, pid: PacketId) -> Opened:
    """One open in its own unit of work (SQLite: one job of the writer's batch)."""
    now = room.ctx.clock()
    window = (pid, now // ANNOUNCE_MS)
    settled = room.settled
    if settled.refuses(pid, me):  # refused for sure: read why from what is committed
        await room.store.look(me, pid, now)  # raises the refusal
    # PostgreSQL: refusals from a read, without a transaction (one round trip, not
    # three); SQLite's writer reads in the open itself, where it costs a function call.
    seen = await room.store.look(me, pid, now) if room.read_first else None
    try:
        outcome = await room.store.open_packet(
            me, pid, now, announce=window not in room.announced, seen=seen
        )
    except MicroletterError as refusal:  # raised after its batch committed
        settled.refused(pid, me, refusal)
        raise
    value = outcome.value
    if value["scheduled"]:
        _announced(room, window)
    shares = value["shares"]
    assert isinstance(shares, int)  # our own result, written by the store
    settled.opened(pid, me, shares)
    await room.ctx.publish(outcome)
    return _opened(value)


async def packet(room: RedPackets, me: Principal, pid: PacketId) -> View:
    """A packet of one of my conversations; who got how much if I sent or opened it."""
    found, shares, sees_all = await room.store.find_packet(me.user_id, pid)
    mine = next((s for s in shares if s.opener_id == me.user_id), None)
    taken = [s for s in shares if s.opener_id is not None]
    best = rules.best_luck(shares) if found.status == rules.Status.FINISHED else None
    return View(found, taken if sees_all else [], sees_all, mine, best)
