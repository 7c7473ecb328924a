"""The PostgreSQL side of a unit of work: `PgReader` for reads, `PgTx` for one write
transaction, with the locks it takes and the update-log entries it appends, which are
written last, in one statement.

Log entries are collected while the write runs and written at the end (`write_log`): the
users' counter rows are locked in ascending id order, bumped, and the rows inserted, all
in one round trip. Taking every user lock at one place, in one order, is what keeps
writes that touch overlapping sets of users from deadlocking each other. Notes for some
members (storage/notes.py), which always come with log entries, ride in that statement.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from microletter.core.contacts import Relation
from microletter.core.conversations import direct_key
from microletter.core.errors import ConversationNotFound
from microletter.core.events import Event, LogEntry, MessagePosted
from microletter.core.ids import ConversationId, IdGenerator, MessageId, UserId
from microletter.core.limits import Limits
from microletter.core.messages import Draft
from microletter.core.models import Conversation, Instant, Member, Message
from microletter.ports import MessageIndex, Row
from microletter.storage.codec import event_row
from microletter.storage.postgres.conn import Conn
from microletter.storage.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    RELATION_SQL,
    conversation_of,
    member_of,
    to_json,
)

# Lock the users in id order, bump each one's head by its count, insert the rows with
# consecutive seqs in the order they were appended; return each user's old head.
_WRITE_LOG = """
WITH r AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
    WITH ORDINALITY AS r(user_id, kind, conversation_id, ref_seq, payload, ord)
), n AS (
  SELECT user_id, count(*) AS n FROM r GROUP BY user_id
), locked AS MATERIALIZED (
  SELECT u.id FROM users u WHERE u.id IN (SELECT user_id FROM n) ORDER BY u.id FOR UPDATE
), bumped AS (
  UPDATE users u SET log_seq = u.log_seq + n.n FROM n
  WHERE u.id = n.user_id AND u.id IN (SELECT id FROM locked)
  RETURNING u.id, u.log_seq - n.n AS base
), ins AS (
  INSERT INTO user_log (user_id, seq, kind, conversation_id, ref_seq, payload, created_at)
  SELECT r.user_id, b.base + row_number() OVER (PARTITION BY r.user_id ORDER BY r.ord),
         r.kind, r.conversation_id, r.ref_seq, r.payload, $6
  FROM r JOIN bumped b ON b.id = r.user_id
)
SELECT id, base FROM bumped
"""
# The same, with the transaction's notes (storage/notes.py) written in that round trip.
_NOTES = """INSERT INTO notes (user_id, id, conversation_id, after_seq, audience, data,
  created_at) SELECT * FROM unnest({}::bigint[], {}::bigint[], {}::bigint[], {}::bigint[],
  {}::text[], {}::text[], {}::bigint[])"""
_WRITE_LOG_AND_NOTES = _WRITE_LOG.replace(
    "\n)\nSELECT id, base FROM bumped",
    "\n), noted AS (" + _NOTES.format(*(f"${i}" for i in range(7, 14))) + ")\n"
    "SELECT id, base FROM bumped",
)


# Lock without waiting (SKIP LOCKED) and read the members in the same statement. The
# members come from the statement's snapshot, so they are only used if the locked row is
# the version that snapshot saw (same xmin): every change of members also updates the
# conversation row, so then nothing changed in between. Otherwise they are read again.
# With $2 (a sender) and a direct conversation, the sender's relation to the other member
# comes along too (contacts and blocks are not under the conversation's lock, so a read
# in this statement is as good as one after it).
_LOCK_AND_READ = f"""
SELECT {CONVERSATION_COLS},
  ARRAY(SELECT ROW({MEMBER_COLS}) FROM members m WHERE m.conversation_id = c.id),
  c.xmin = (SELECT s.xmin FROM conversations s WHERE s.id = c.id),
  (SELECT ARRAY[p.id,
     EXISTS(SELECT 1 FROM contacts WHERE user_id=$2 AND peer_id=p.id)::int,
     EXISTS(SELECT 1 FROM blocks WHERE user_id=$2 AND blocked_id=p.id)::int,
     EXISTS(SELECT 1 FROM blocks WHERE user_id=p.id AND blocked_id=$2)::int,
     EXISTS(SELECT 1 FROM contact_requests WHERE from_id=$2 AND to_id=p.id
            AND status='pending')::int,
     EXISTS(SELECT 1 FROM contact_requests WHERE from_id=p.id AND to_id=$2
            AND status='pending')::int]
   FROM (SELECT COALESCE((SELECT o.user_id FROM members o WHERE o.conversation_id = c.id
                          AND o.user_id <> $2 LIMIT 1), $2) AS id) p
   WHERE c.kind = 'direct')
FROM conversations c WHERE c.id = $1 FOR UPDATE SKIP LOCKED
"""


# Insert the message unless (conversation, sender, client_msg_id) exists; if it was
# inserted, move the conversation's last seq to it. One round trip.
_INSERT = """
WITH ins AS (
  INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, kind, text,
                        reply_to, mentions, mention_all, data, created_at)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
  ON CONFLICT ON CONSTRAINT messages_once DO NOTHING RETURNING seq
), bump AS (
  UPDATE conversations SET last_seq = ins.seq FROM ins WHERE id = $1
), seen AS (  -- sending implies having read everything before (not for notes: $13)
  UPDATE members SET last_read_seq = ins.seq FROM ins
  WHERE conversation_id = $1 AND user_id = $4 AND $13 AND last_read_seq < ins.seq
)
SELECT seq FROM ins
"""


class PgReader:
    """A pooled connection, for one read (or one snapshot transaction)."""

    __slots__ = ("conn",)

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        # asyncpg's Records are Rows; the list is not re-typed without a copy
        return cast(list[Row], await self.conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = await self.conn.fetchrow(sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchval(sql, *args)


class PgTx(PgReader):
    __slots__ = (
        "ids",
        "_limits",
        "_indexes",
        "_log",
        "_notes",
        "_now",
        "_members",
        "_seqs",
        "_relations",
        "_streamed",
    )

    def __init__(
        self, conn: Conn, ids: IdGenerator, limits: Limits, indexes: Sequence[MessageIndex]
    ) -> None:
        super().__init__(conn)
        self.ids = ids
        self._limits = limits
        self._indexes = indexes
        self._log: list[tuple[UserId, Event]] = []
        self._notes: list[Sequence[Any]] = []
        self._now = Instant(0)
        self._members: dict[ConversationId, dict[UserId, Member]] = {}
        self._seqs: dict[ConversationId, int] = {}
        self._relations: dict[tuple[UserId, UserId], Relation] = {}  # read with a lock
        self._streamed: list[MessagePosted] = []

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def dialect(self) -> str:
        return "postgresql"

    @property
    def indexes(self) -> Sequence[MessageIndex]:
        return self._indexes

    def new_id(self, now: Instant) -> int:
        return self.ids.next(now)

    async def execute(self, sql: str, *args: Any) -> int:
        status: str = await self.conn.execute(sql, *args)
        # "INSERT 0 3", "UPDATE 2", "DELETE 0", "SELECT 1": the count is the last word
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, list(rows))

    # --- conversations ---

    async def lock_conversation(
        self, cid: ConversationId, sender: UserId | None = None
    ) -> Conversation:
        """Lock the conversation's row until COMMIT, and read its members (and, for a
        `sender` in a direct conversation, their relation to the peer), in one round trip
        when nobody else holds the lock."""
        row = await self.fetchrow(_LOCK_AND_READ, cid, sender)
        if row is None:  # it does not exist, or someone holds the lock: wait for it
            row = await self.fetchrow(
                f"SELECT {CONVERSATION_COLS}, NULL, false, NULL FROM conversations c"
                " WHERE c.id=$1 FOR UPDATE",
                cid,
            )
            if row is None:
                raise ConversationNotFound(conversation_id=cid)
        conversation = conversation_of(row)
        self._seqs[cid] = conversation.last_seq
        if row[9]:  # locked without waiting, and not changed since the members were read
            self._members[cid] = {m.user_id: m for m in (member_of(r) for r in row[8])}
        else:
            self.conversation_changed(cid)
        if sender is not None and row[10] is not None:
            peer, *facts = row[10]
            self._relations[(sender, UserId(peer))] = Relation(
                sender, UserId(peer), *(bool(f) for f in facts)
            )
        return conversation

    async def conversation(self, cid: ConversationId) -> Conversation:
        row = await self.fetchrow(
            f"SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.id=$1", cid
        )
        if row is None:
            raise ConversationNotFound(conversation_id=cid)
        return conversation_of(row)

    async def members(self, cid: ConversationId) -> Mapping[UserId, Member]:
        found = self._members.get(cid)
        if found is None:
            rows = await self.conn.fetch(
                f"SELECT {MEMBER_COLS} FROM members m WHERE m.conversation_id=$1"
                " ORDER BY m.joined_seq, m.user_id",
                cid,
            )
            found = self._members[cid] = {m.user_id: m for m in map(member_of, rows)}
        return found

    def conversation_changed(self, cid: ConversationId) -> None:
        self._members.pop(cid, None)

    def last_seq(self, cid: ConversationId) -> int:
        return self._seqs[cid]

    async def insert_message(
        self, draft: Draft, now: Instant, *, seen: bool = False
    ) -> Message | None:
        cid = draft.conversation_id
        message = draft.stamped(MessageId(self.ids.next(now)), self._seqs[cid] + 1, now)
        row = await self.fetchrow(
            _INSERT,
            cid,
            message.seq,
            message.id,
            message.sender_id,
            message.client_msg_id,
            message.kind.value,
            message.text,
            message.reply_to,
            to_json(message.mentions) if message.mentions else None,
            message.mention_all,
            None if message.data is None else to_json(message.data),
            now,
            seen,
        )
        if row is None:
            return None
        self._seqs[cid] = message.seq
        return message

    async def read_position(self, cid: ConversationId, uid: UserId) -> int:
        value = await self.conn.fetchval(
            "SELECT last_read_seq FROM members WHERE conversation_id=$1 AND user_id=$2",
            cid,
            uid,
        )
        return -1 if value is None else int(value)

    async def read_up_to(self, cid: ConversationId, uid: UserId, seq: int) -> bool:
        # One conditional UPDATE: two devices moving it at once cannot both win.
        row = await self.conn.fetchrow(
            "UPDATE members SET last_read_seq=$3 WHERE conversation_id=$1 AND user_id=$2"
            " AND last_read_seq < $3 RETURNING user_id",
            cid,
            uid,
            seq,
        )
        return row is not None

    # --- users ---

    async def lock_pair(self, a: UserId, b: UserId) -> None:
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", direct_key(a, b)
        )

    async def lock_users(self, user_ids: Iterable[UserId]) -> None:
        await self.conn.execute(
            "SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
            sorted(set(user_ids)),
        )

    async def relation(self, me: UserId, them: UserId) -> Relation:
        found = self._relations.pop((me, them), None)  # once: later writes may change it
        if found is not None:
            return found
        row = await self.conn.fetchrow(RELATION_SQL, me, them)
        assert row is not None  # a SELECT without FROM always returns its one row
        return Relation(me, them, *(bool(x) for x in row))

    def relation_changed(self, a: UserId, b: UserId) -> None:
        self._relations.pop((a, b), None)
        self._relations.pop((b, a), None)

    # --- the update log ---

    def append(self, targets: Iterable[tuple[UserId, Event]], now: Instant) -> None:
        """Queue each event for its user's log; they get their seqs in `write_log`."""
        self._log.extend(targets)
        self._now = now

    async def log_head(self, uid: UserId) -> int:
        value = await self.conn.fetchval("SELECT log_seq FROM users WHERE id=$1", uid)
        return 0 if value is None else int(value)

    # --- streams ---

    async def stream_readers(self, uids: Collection[UserId]) -> frozenset[UserId]:
        rows = await self.conn.fetch(
            "SELECT user_id FROM devices WHERE user_id = ANY($1::bigint[])"
            " GROUP BY user_id HAVING bool_and(streams)",
            list(uids),
        )
        return frozenset(UserId(r[0]) for r in rows)

    def devices_changed(self, uid: UserId) -> None:
        return None  # read afresh each time

    def stream(self, event: MessagePosted) -> None:
        self._streamed.append(event)

    def marks(self) -> tuple[int, int]:
        """How many log entries and streamed messages are queued: a batch of sends
        (sends.py) tells each send's own by the marks before and after it."""
        return len(self._log), len(self._streamed)

    def take_streamed(self) -> tuple[MessagePosted, ...]:
        streamed, self._streamed = tuple(self._streamed), []
        return streamed

    async def insert_notes(self, rows: Sequence[Sequence[Any]]) -> None:
        """Queued: written with the log, in its round trip (`write_log`)."""
        self._notes.extend(rows)

    async def write_log(self) -> tuple[LogEntry, ...]:
        notes: Sequence[list[Any]] = [list(c) for c in zip(*self._notes, strict=True)]
        self._notes.clear()
        if not self._log:
            if notes:
                await self.conn.execute(_NOTES.format(*(f"${i}" for i in range(1, 8))), *notes)
            return ()
        rows = [(uid, *event_row(event)) for uid, event in self._log]
        columns: Sequence[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
        sql = _WRITE_LOG_AND_NOTES if notes else _WRITE_LOG
        heads = {r[0]: r[1] for r in await self.conn.fetch(sql, *columns, self._now, *notes)}
        entries = []
        for uid, event in self._log:
            heads[uid] += 1
            entries.append(LogEntry(uid, heads[uid], event))
        self._log.clear()
        return tuple(entries)
