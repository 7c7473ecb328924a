"""Sends batched on PostgreSQL: the plain messages that arrive at a process while its
previous batches are in the database go together, in one transaction of five round trips
whatever their number, as the SQLite writer's group commit does.

Theory of operation. `SendBatcher.post` queues a send and, unless one is already
scheduled, a flush at the end of this turn of the event loop; a flush starts a batch of
everything queued (up to `MAX_BATCH`) while fewer than `IN_FLIGHT` batches are running,
and the end of a batch flushes again. A batch is one READ COMMITTED transaction:

1. BEGIN;
2. `_LOCK_MANY`: the batch's conversations locked in ascending id order (`FOR UPDATE`,
   waiting like any write), each with its members, whether its row is the version the
   statement's snapshot saw (else, as in `PgTx.lock_conversation`, what it read is read
   again, now under the lock), and per send the seq of an earlier message with its
   `client_msg_id` and, in a direct conversation, the sender's relation to the peer;
3. in Python, per send in arrival order: the same rules as `post_message`
   (`messages.check_post`), a refused send is answered with its error and writes
   nothing; the next seq of its conversation; a repeat of a `client_msg_id` (stored, or
   earlier in the batch) gets the original;
4. `_INSERT_MANY`: every message, each conversation's `last_seq` and each sender's read
   position, in one statement; the message indexes' statements (`MessageIndex.posted`,
   which only runs statements) deferred and sent once per statement with `executemany`;
5. the members' update logs, all at once, by `PgTx.write_log`; COMMIT.

Every send is acknowledged only after its batch committed. Conversations are locked
before users, each in ascending id order, as every write does (engine.py), so batches of
several processes cannot wait for each other in a circle; a deadlock or serialization
failure is retried as a whole. Only plain sends come here (no media, no mentions, no
forwarded blobs: `is_batchable`); the rest run `post_message` as their own transaction.
Any other failure of a batch (a bug, a conflict that the locks should have made
impossible) is not guessed at: each of its sends is then run alone, as before.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from microletter.core.contacts import Relation
from microletter.core.errors import (
    ConversationNotFound,
    MicroletterError,
    NotMember,
    Unavailable,
)
from microletter.core.events import Outcome
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.kinds import carried_media
from microletter.core.limits import Limits
from microletter.core.media import media_kind_of
from microletter.core.messages import Draft
from microletter.core.models import Conversation, Instant, Member, Message, MessageKind
from microletter.ports import Tx
from microletter.storage.messages import check_post, diffuse, post_message
from microletter.storage.postgres.engine import RETRIES, RETRYABLE, Engine, is_gone
from microletter.storage.postgres.tx import PgTx
from microletter.storage.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    MESSAGE_COLS,
    conversation_of,
    member_of,
    message_of,
    to_json,
)

log = logging.getLogger(__name__)

MAX_BATCH = 256  # sends in one transaction
IN_FLIGHT = 2  # batches of one process in the database at once

# $1, $2, $3: per send its conversation, sender and client_msg_id. Per conversation (in
# id order, locked): its row, its members, whether they are as of the locked version,
# and per send of the batch in it: (its place in the batch, the seq of a stored message
# with its client_msg_id, and in a direct conversation the peer and the five facts of
# the sender's relation to them, as RELATION_SQL).
_LOCK_MANY = f"""
WITH b AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])
    WITH ORDINALITY AS b(cid, sender, cmid, ord)
)
SELECT {CONVERSATION_COLS},
  ARRAY(SELECT ROW({MEMBER_COLS}) FROM members m WHERE m.conversation_id = c.id),
  c.xmin = (SELECT s.xmin FROM conversations s WHERE s.id = c.id),
  ARRAY(SELECT ROW(b.ord,
      (SELECT g.seq FROM messages g WHERE g.conversation_id = c.id
         AND g.sender_id = b.sender AND g.client_msg_id = b.cmid),
      CASE WHEN c.kind = 'direct' THEN ARRAY[p.id,
        EXISTS(SELECT 1 FROM contacts WHERE user_id=b.sender AND peer_id=p.id)::int,
        EXISTS(SELECT 1 FROM blocks WHERE user_id=b.sender AND blocked_id=p.id)::int,
        EXISTS(SELECT 1 FROM blocks WHERE user_id=p.id AND blocked_id=b.sender)::int,
        EXISTS(SELECT 1 FROM contact_requests WHERE from_id=b.sender AND to_id=p.id
               AND status='pending')::int,
        EXISTS(SELECT 1 FROM contact_requests WHERE from_id=p.id AND to_id=b.sender
               AND status='pending')::int] END)
    FROM b CROSS JOIN LATERAL (
      SELECT COALESCE((SELECT o.user_id FROM members o WHERE o.conversation_id = c.id
                       AND o.user_id <> b.sender LIMIT 1), b.sender) AS id) p
    WHERE b.cid = c.id)
FROM conversations c WHERE c.id IN (SELECT cid FROM b) ORDER BY c.id FOR UPDATE OF c
"""

# Every message of the batch (a conflict is impossible under the locks, and counted);
# each conversation's last seq; each sender's read position (sending implies having read
# everything before).
_INSERT_MANY = """
WITH ins AS (
  INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, kind, text,
                        reply_to, mention_all, data, created_at)
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
                       $6::text[], $7::text[], $8::bigint[], $9::bool[], $10::text[],
                       $11::bigint[])
  ON CONFLICT ON CONSTRAINT messages_once DO NOTHING
  RETURNING conversation_id, seq, sender_id
), bump AS (
  UPDATE conversations c SET last_seq = t.seq
  FROM (SELECT conversation_id, max(seq) AS seq FROM ins GROUP BY conversation_id) t
  WHERE c.id = t.conversation_id
), seen AS (
  UPDATE members m SET last_read_seq = t.seq
  FROM (SELECT conversation_id, sender_id, max(seq) AS seq FROM ins
        GROUP BY conversation_id, sender_id) t
  WHERE m.conversation_id = t.conversation_id AND m.user_id = t.sender_id
    AND m.last_read_seq < t.seq
)
SELECT count(*) FROM ins
"""

_ORIGINALS = f"""
SELECT {MESSAGE_COLS} FROM messages g
WHERE (g.conversation_id, g.seq) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
"""


def is_batchable(draft: Draft) -> bool:
    """A plain message: no blob to hold or carry, no mention to mark."""
    return (
        draft.kind is not MessageKind.SYSTEM
        and draft.media_id is None
        and media_kind_of(draft.kind) is None
        and not draft.mentions
        and not draft.mention_all
        and not carried_media(draft.kind, draft.data)
    )


class _Broken(Exception):
    """A batch met what its locks should have made impossible: run its sends alone."""


@dataclass(slots=True)
class _Send:
    draft: Draft
    now: Instant
    done: asyncio.Future[Outcome[Message]]
    # Filled while the batch runs (and reset when it is retried):
    value: Message | MicroletterError | None = None
    stored_seq: int | None = None  # the seq of an earlier message with its client_msg_id
    relation: Relation | None = None
    log: tuple[int, int] = (0, 0)  # its entries in the transaction's log
    streamed: tuple[int, int] = (0, 0)


@dataclass(slots=True)
class _Place:
    """A locked conversation as the batch sees it."""

    conversation: Conversation
    members: dict[UserId, Member]
    seq: int  # its last seq, moved by each message of the batch


class SendBatcher:
    """The process's batches of plain sends (the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: list[_Send] = []
        self._scheduled = False
        self._running: set[asyncio.Task[None]] = set()
        self._last: asyncio.Future[None] | None = None  # the newest batch's end
        self.batches = 0  # committed batches and sends in them (for tests, metrics)
        self.batched = 0

    def post(self, draft: Draft, now: Instant) -> asyncio.Future[Outcome[Message]]:
        loop = asyncio.get_running_loop()
        send = _Send(draft, now, loop.create_future())
        self._queue.append(send)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return send.done

    def start_queued(self) -> asyncio.Future[None] | None:
        """Start what is queued now, before another write of this process, and return
        what that write waits for (the end of the newest batch, if one runs): a write
        asked for after sends sees them committed, as when the pool served writes in the
        order asked (a client that sends and then marks read without waiting finds its
        messages there). It costs such a write at most one batch's time."""
        self._flush(at_once=True)
        last = self._last
        return None if last is None or last.done() else last

    def _flush(self, at_once: bool = False) -> None:
        self._scheduled = False
        loop = asyncio.get_running_loop()
        while self._queue and (at_once or len(self._running) < IN_FLIGHT):
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._last = ended = loop.create_future()
            task = loop.create_task(self._run(batch, ended))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._queue and not self._scheduled:
            self._flush()

    async def _run(self, batch: list[_Send], ended: asyncio.Future[None]) -> None:
        try:
            outcomes = await self._attempt(batch)
        except Unavailable as exc:
            for send in batch:
                _settle(send, exc)
            return
        except asyncio.CancelledError:  # the loop is closing: nobody is left waiting
            for send in batch:
                _settle(send, Unavailable("The server is stopping; retry."))
            raise
        except Exception as exc:  # noqa: BLE001  # each send then runs alone, as before
            log.warning("store.batch_failed", extra={"error": repr(exc), "sends": len(batch)})
            await asyncio.gather(*(self._alone(send) for send in batch))
            return
        finally:
            if not ended.done():
                ended.set_result(None)
        for send, outcome in zip(batch, outcomes, strict=True):
            _settle(send, outcome)

    async def _alone(self, send: _Send) -> None:
        try:
            outcome = await self._engine.write(post_message, (send.draft, send.now), {})
        except Exception as exc:  # noqa: BLE001  # handed to the caller
            _settle(send, exc)
        else:
            _settle(send, outcome)

    async def _attempt(self, batch: list[_Send]) -> list[Outcome[Message] | MicroletterError]:
        engine = self._engine
        for attempt in range(RETRIES):
            try:
                if not engine.writable():
                    raise Unavailable("This node is reconnecting to the database; retry.")
                async with asyncio.timeout(engine.timeout):
                    conn = await engine.pool.acquire()
                try:
                    async with conn.transaction():
                        tx = PgTx(conn, engine.ids, engine.limits, engine.indexes)
                        await _post_many(tx, batch)
                        entries = await tx.write_log()
                    streamed = tx.take_streamed()
                finally:
                    await engine.pool.release(conn)
            except RETRYABLE:
                engine.retries += 1
                log.info("store.write_retried", extra={"attempt": attempt + 1})
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311
                continue
            except Exception as exc:
                if is_gone(exc):
                    log.warning("store.unavailable", extra={"error": repr(exc)})
                    raise Unavailable("The database is unavailable; retry.") from None
                raise
            self.batches += 1
            self.batched += len(batch)
            return [_outcome(send, entries, streamed) for send in batch]
        raise Unavailable("The database is too busy; retry.")


def _settle(send: _Send, result: Outcome[Message] | BaseException) -> None:
    if send.done.done():  # its caller went away
        return
    if isinstance(result, BaseException):
        send.done.set_exception(result)
    else:
        send.done.set_result(result)


def _outcome(
    send: _Send, entries: Sequence[Any], streamed: Sequence[Any]
) -> Outcome[Message] | MicroletterError:
    if isinstance(send.value, MicroletterError):
        return send.value
    assert send.value is not None
    return Outcome(
        send.value, tuple(entries[slice(*send.log)]), tuple(streamed[slice(*send.streamed)])
    )


async def _post_many(tx: PgTx, batch: list[_Send]) -> None:
    """Steps 2 to 4 of the module's docstring, in `tx`; each send's value (a Message or
    its error) and its slices of the log and of the streamed messages on it."""
    for send in batch:  # a retried batch starts afresh
        send.value, send.stored_seq, send.relation = None, None, None
        send.log = send.streamed = (0, 0)
    places = await _lock(tx, batch)
    new: list[_Send] = []
    first: dict[tuple[ConversationId, UserId, str], _Send] = {}
    for send in batch:
        d = send.draft
        earlier = first.setdefault((d.conversation_id, d.sender_id, d.client_msg_id), send)
        if earlier is not send and isinstance(earlier.value, Message):
            send.value = earlier.value  # a repeat within the batch: the original
            continue
        place = places.get(d.conversation_id)
        try:
            _check(send, place, tx.limits)
        except MicroletterError as error:
            send.value = error
            continue
        if place is not None and send.stored_seq is None:
            place.seq += 1
            send.value = d.stamped(MessageId(tx.new_id(send.now)), place.seq, send.now)
            new.append(send)
    await _originals(tx, batch)
    await _insert(tx, [cast(Message, s.value) for s in new])
    for send in new:
        log_at, stream_at = tx.marks()
        place = places[send.draft.conversation_id]
        message = cast(Message, send.value)
        await diffuse(tx, place.conversation, place.members, message, send.now)
        log_end, stream_end = tx.marks()
        send.log, send.streamed = (log_at, log_end), (stream_at, stream_end)


async def _lock(tx: PgTx, batch: list[_Send]) -> dict[ConversationId, _Place]:
    """Lock the batch's conversations and read what its sends need (step 2)."""
    places: dict[ConversationId, _Place] = {}
    wanted = batch
    while wanted:
        rows = await tx.fetch(
            _LOCK_MANY,
            [s.draft.conversation_id for s in wanted],
            [s.draft.sender_id for s in wanted],
            [s.draft.client_msg_id for s in wanted],
        )
        stale = set()
        for row in rows:
            conversation = conversation_of(row)
            if not row[9]:  # changed after the statement's snapshot: read again, locked
                stale.add(conversation.id)
                continue
            members = {m.user_id: m for m in (member_of(r) for r in row[8])}
            places[conversation.id] = _Place(conversation, members, conversation.last_seq)
            for facts in row[10]:
                send = wanted[facts[0] - 1]
                send.stored_seq = facts[1]
                if facts[2] is not None:
                    peer, *flags = facts[2]
                    send.relation = Relation(
                        send.draft.sender_id, UserId(peer), *(bool(f) for f in flags)
                    )
        wanted = [s for s in wanted if s.draft.conversation_id in stale]
    return places


def _check(send: _Send, place: _Place | None, limits: Limits) -> None:
    """`post_message`'s access and rules for one send, in its order (a repeat of a
    stored client_msg_id is checked too, then answered with the original)."""
    d = send.draft
    if place is None:
        raise ConversationNotFound(conversation_id=d.conversation_id)
    sender = place.members.get(d.sender_id)
    if sender is None:
        raise NotMember(conversation_id=d.conversation_id)
    check_post(place.conversation, sender, place.members, send.relation, d, place.seq, limits)


async def _originals(tx: PgTx, batch: list[_Send]) -> None:
    """Sends whose client_msg_id was stored get the stored message (one round trip, only
    for retries of sends that committed)."""
    repeats = [s for s in batch if s.stored_seq is not None and s.value is None]
    if not repeats:
        return
    rows = await tx.fetch(
        _ORIGINALS,
        [s.draft.conversation_id for s in repeats],
        [s.stored_seq for s in repeats],
    )
    found = {(m.conversation_id, m.seq): m for m in map(message_of, rows)}
    for send in repeats:
        send.value = found[(send.draft.conversation_id, cast(int, send.stored_seq))]


async def _insert(tx: PgTx, ms: list[Message]) -> None:
    """Step 4: the messages, the conversations' seqs and the senders' read positions,
    then the indexes' statements."""
    if not ms:
        return
    inserted = await tx.fetchval(
        _INSERT_MANY,
        [m.conversation_id for m in ms],
        [m.seq for m in ms],
        [m.id for m in ms],
        [m.sender_id for m in ms],
        [m.client_msg_id for m in ms],
        [m.kind.value for m in ms],
        [m.text for m in ms],
        [m.reply_to for m in ms],
        [m.mention_all for m in ms],
        [None if m.data is None else to_json(m.data) for m in ms],
        [m.created_at for m in ms],
    )
    if inserted != len(ms):
        raise _Broken(f"{len(ms) - inserted} of {len(ms)} messages conflicted under the locks")
    deferred = _Deferred(tx)
    for message in ms:
        for index in tx.indexes:  # in this transaction: searchable once acknowledged
            await index.posted(cast(Tx, deferred), message)
    await deferred.flush()


class _Deferred:
    """A `Tx` for the message indexes' `posted` (ports.MessageIndex: it only runs
    statements): each `execute` is kept and sent with the others of its statement in one
    `executemany`; anything else goes to the transaction, after what was kept."""

    def __init__(self, tx: PgTx) -> None:
        self._tx = tx
        self._kept: dict[str, list[Sequence[Any]]] = {}

    async def execute(self, sql: str, *args: Any) -> int:
        self._kept.setdefault(sql, []).append(args)
        return 1  # an index's statement counts one row; `posted` ignores it

    async def flush(self) -> None:
        kept, self._kept = self._kept, {}
        for sql, rows in kept.items():
            await self._tx.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._tx, name)
        return _After(self, found) if inspect.iscoroutinefunction(found) else found


class _After:
    """A method of the transaction, called after the kept statements are sent."""

    def __init__(self, deferred: _Deferred, method: Any) -> None:
        self._deferred = deferred
        self._method = method

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        await self._deferred.flush()
        return await self._method(*args, **kwargs)
