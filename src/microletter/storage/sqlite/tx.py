"""The SQLite side of a unit of work: `SqliteReader` for reads, `SqliteTx` for the writer.

Theory of operation. The writer is the only writer of the database, so its `SqliteTx`
lives as long as the writer and keeps the hot state of the send path in memory instead
of reading it back for every message: each conversation's header, members and last seq;
each user's update-log head; whether two users may message each other; read positions.
A send then costs two INSERTs (the message and its log rows) instead of a dozen
statements.

- Counters (conversations.last_seq, users.log_seq) and read positions are written back
  once per batch (`flush`, just before COMMIT), so readers on other connections always
  see them consistent with the rows they count.
- Every change to the cache inside a job is journaled; when a job fails and its savepoint
  is rolled back, `rollback` undoes its cache changes too. So the cache never holds what
  the database does not.
- Units of work that change members, headers, contacts or blocks with SQL say so
  (`conversation_changed`, `relation_changed`) and the cache reads them again.
- Locks are no-ops: with one writer nothing runs between a read and the write after it.

Statements are written in PostgreSQL's dialect and translated once (storage/sql.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microletter.core.contacts import Relation
from microletter.core.errors import ConversationNotFound
from microletter.core.events import Event, LogEntry, MessagePosted
from microletter.core.ids import ConversationId, IdGenerator, MessageId, UserId
from microletter.core.limits import Limits
from microletter.core.messages import Draft
from microletter.core.models import Conversation, Instant, Member, Message
from microletter.ports import MessageIndex, Row
from microletter.storage.codec import event_row
from microletter.storage.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    RELATION_SQL,
    conversation_of,
    member_of,
    to_json,
)
from microletter.storage.sql import bind, for_sqlite

NOTE_INSERT = (
    "INSERT INTO notes (user_id, id, conversation_id, after_seq, audience, data, created_at)"
    " VALUES (?,?,?,?,?,?,?)"
)

_MISSING: Any = object()
MAX_CACHED = 100_000  # conversations or users; past this the cache starts afresh


class SqliteReader:
    """A read-only connection of a reader thread, for one read."""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        rows: list[Row] = self.conn.execute(for_sqlite(sql), bind(args)).fetchall()
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = self.conn.execute(for_sqlite(sql), bind(args)).fetchone()
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = self.conn.execute(for_sqlite(sql), bind(args)).fetchone()
        return None if row is None else row[0]


@dataclass(slots=True)
class ConversationState:
    header: Conversation  # its last_seq and member_count are stale: see `conversation`
    members: dict[UserId, Member]


class SqliteTx(SqliteReader):
    __slots__ = (
        "ids",
        "_limits",
        "_indexes",
        "_conversations",
        "_seqs",
        "_heads",
        "_relations",
        "_reads",
        "_dirty_seqs",
        "_dirty_heads",
        "_dirty_reads",
        "_journal",
        "_entries",
        "_readers",
        "_streamed",
    )

    def __init__(
        self,
        conn: sqlite3.Connection,
        ids: IdGenerator,
        limits: Limits,
        indexes: Sequence[MessageIndex],
    ) -> None:
        super().__init__(conn)
        self.ids = ids
        self._limits = limits
        self._indexes = indexes
        self._conversations: dict[ConversationId, ConversationState] = {}
        self._seqs: dict[ConversationId, int] = {}
        self._heads: dict[UserId, int] = {}
        self._relations: dict[tuple[UserId, UserId], Relation] = {}
        self._reads: dict[tuple[ConversationId, UserId], int] = {}  # newer than the members'
        # Keys to write back at flush. Not journaled: writing back a value a failed job
        # did not change again is harmless, it is the current value.
        self._dirty_seqs: set[ConversationId] = set()
        self._dirty_heads: set[UserId] = set()
        self._dirty_reads: set[tuple[ConversationId, UserId]] = set()
        self._journal: list[tuple[dict[Any, Any], Any, Any]] = []
        self._entries: list[LogEntry] = []
        # Whether each user reads large groups from their streams (all devices opted in).
        self._readers: dict[UserId, bool] = {}
        self._streamed: list[MessagePosted] = []

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def dialect(self) -> str:
        return "sqlite"

    @property
    def indexes(self) -> Sequence[MessageIndex]:
        return self._indexes

    def new_id(self, now: Instant) -> int:
        return self.ids.next(now)

    async def execute(self, sql: str, *args: Any) -> int:
        return self.conn.execute(for_sqlite(sql), bind(args)).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(for_sqlite(sql), (bind(r) for r in rows))

    async def insert_notes(self, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(NOTE_INSERT, rows)

    # --- the journal: what the writer calls around each job and batch ---

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        self._journal.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def _delete(self, table: dict[Any, Any], key: Any) -> None:
        if key in table:
            self._journal.append((table, key, table.pop(key)))

    def begin(self) -> None:
        self._journal.clear()
        self._entries = []
        self._streamed = []

    def take_entries(self) -> tuple[LogEntry, ...]:
        """The log entries the job appended."""
        entries, self._entries = tuple(self._entries), []
        return entries

    def take_streamed(self) -> tuple[MessagePosted, ...]:
        """The messages the job sent to streams."""
        streamed, self._streamed = tuple(self._streamed), []
        return streamed

    def rollback(self) -> None:
        """Undo this job's cache changes (its SQL was rolled back by the savepoint)."""
        for table, key, old in reversed(self._journal):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self._journal.clear()
        self._entries = []
        self._streamed = []

    def forget(self) -> None:
        """Drop everything: the whole transaction failed (nothing of it was committed)."""
        self._journal.clear()
        self._entries = []
        self._streamed = []
        for table in (
            self._conversations,
            self._seqs,
            self._heads,
            self._relations,
            self._reads,
            self._readers,
        ):
            table.clear()
        for keys in (self._dirty_seqs, self._dirty_heads, self._dirty_reads):
            keys.clear()

    def flush(self) -> None:
        """Write counters and read positions back; called once per batch, before COMMIT."""
        if self._dirty_seqs:
            self.conn.executemany(
                "UPDATE conversations SET last_seq=? WHERE id=?",
                # a key a rolled-back job alone made is gone from the cache: nothing to write
                [(self._seqs[c], c) for c in self._dirty_seqs if c in self._seqs],
            )
        if self._dirty_heads:
            self.conn.executemany(
                "UPDATE users SET log_seq=? WHERE id=?",
                [(self._heads[u], u) for u in self._dirty_heads if u in self._heads],
            )
        if self._dirty_reads:
            self.conn.executemany(
                "UPDATE members SET last_read_seq=max(last_read_seq, ?)"
                " WHERE conversation_id=? AND user_id=?",
                [(self._reads[key], *key) for key in self._dirty_reads if key in self._reads],
            )
        for keys in (self._dirty_seqs, self._dirty_heads, self._dirty_reads):
            keys.clear()
        self._journal.clear()
        if (
            len(self._conversations) > MAX_CACHED
            or len(self._heads) > MAX_CACHED
            or len(self._readers) > MAX_CACHED
        ):
            self.forget()

    # --- conversations ---

    def _state(self, cid: ConversationId) -> ConversationState:
        state = self._conversations.get(cid)
        return state if state is not None else self._load(cid)

    def _load(self, cid: ConversationId) -> ConversationState:
        row = self.conn.execute(
            f"SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.id=?", (cid,)
        ).fetchone()
        if row is None:
            raise ConversationNotFound(conversation_id=cid)
        header = conversation_of(row)
        rows = self.conn.execute(
            f"SELECT {MEMBER_COLS} FROM members m WHERE m.conversation_id=?"
            " ORDER BY m.joined_seq, m.user_id",
            (cid,),
        ).fetchall()
        state = ConversationState(header, {m.user_id: m for m in map(member_of, rows)})
        self._set(self._conversations, cid, state)
        if cid not in self._seqs:
            self._set(self._seqs, cid, header.last_seq)
        return state

    async def lock_conversation(
        self, cid: ConversationId, sender: UserId | None = None
    ) -> Conversation:
        return self._header(cid)

    async def lock_pair(self, a: UserId, b: UserId) -> None:
        return None

    async def lock_users(self, user_ids: Iterable[UserId]) -> None:
        return None

    async def conversation(self, cid: ConversationId) -> Conversation:
        return self._header(cid)

    def _header(self, cid: ConversationId) -> Conversation:
        state = self._state(cid)
        h = state.header
        # Built field by field: dataclasses.replace costs ~3x as much, on every send.
        return Conversation(
            h.id,
            h.kind,
            h.name,
            h.announcement,
            h.owner_id,
            self._seqs[cid],
            len(state.members),
            h.created_at,
        )

    async def members(self, cid: ConversationId) -> Mapping[UserId, Member]:
        return self._state(cid).members

    def conversation_changed(self, cid: ConversationId) -> None:
        self._delete(self._conversations, cid)  # the seq stays ours: it may be newer

    def last_seq(self, cid: ConversationId) -> int:
        self._state(cid)
        return self._seqs[cid]

    async def insert_message(
        self, draft: Draft, now: Instant, *, seen: bool = False
    ) -> Message | None:
        cid = draft.conversation_id
        message = draft.stamped(MessageId(self.ids.next(now)), self.last_seq(cid) + 1, now)
        try:
            self.conn.execute(
                "INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, kind,"
                " text, reply_to, mentions, mention_all, data, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    cid,
                    message.seq,
                    message.id,
                    message.sender_id,
                    message.client_msg_id,
                    message.kind,
                    message.text,
                    message.reply_to,
                    to_json(message.mentions) if message.mentions else None,
                    message.mention_all,
                    None if message.data is None else to_json(message.data),
                    now,
                ),
            )
        except sqlite3.IntegrityError as exc:  # the only unique key a fresh seq can hit
            if "client_msg_id" not in str(exc):
                raise
            return None
        self._set(self._seqs, cid, message.seq)
        self._dirty_seqs.add(cid)
        if seen:
            await self.read_up_to(cid, message.sender_id, message.seq)
        return message

    async def read_position(self, cid: ConversationId, uid: UserId) -> int:
        return self._position(cid, uid)

    def _position(self, cid: ConversationId, uid: UserId) -> int:
        member = self._state(cid).members.get(uid)
        if member is None:
            return -1
        return max(member.last_read_seq, self._reads.get((cid, uid), 0))

    async def read_up_to(self, cid: ConversationId, uid: UserId, seq: int) -> bool:
        if seq <= self._position(cid, uid):
            return False
        self._set(self._reads, (cid, uid), seq)
        self._dirty_reads.add((cid, uid))  # written back at flush
        return True

    # --- contacts ---

    async def relation(self, me: UserId, them: UserId) -> Relation:
        key = (me, them)
        found = self._relations.get(key)
        if found is None:
            row = self.conn.execute(for_sqlite(RELATION_SQL), (me, them)).fetchone()
            found = Relation(me, them, *(bool(x) for x in row))
            self._set(self._relations, key, found)
        return found

    def relation_changed(self, a: UserId, b: UserId) -> None:
        self._delete(self._relations, (a, b))
        self._delete(self._relations, (b, a))

    # --- the update log ---

    def append(self, targets: Iterable[tuple[UserId, Event]], now: Instant) -> None:
        """Append each event to its user's log with that user's next seq, in order."""
        pairs = targets if type(targets) is list else list(targets)
        if not pairs:
            return
        heads = self._heads
        missing = [uid for uid, _ in pairs if uid not in heads]
        if missing:
            for uid, head in self.conn.execute(
                "SELECT id, log_seq FROM users WHERE id IN (SELECT value FROM json_each(?))",
                (to_json(list(dict.fromkeys(missing))),),
            ):
                self._set(heads, UserId(uid), head)
        rows: list[tuple[Any, ...]] = []
        last: Event | None = None
        parts: tuple[Any, ...] = ()
        # `_set` inlined (once per member of every send): every head is in `heads` now.
        journal, dirty, entries = self._journal, self._dirty_heads, self._entries
        for uid, event in pairs:
            if event is not last:  # a fan-out repeats one event: describe it once
                last, parts = event, event_row(event)
            old = heads[uid]
            seq = old + 1
            journal.append((heads, uid, old))
            heads[uid] = seq
            dirty.add(uid)
            entries.append(LogEntry(uid, seq, event))
            rows.append((uid, seq, *parts, now))
        self.conn.executemany(
            "INSERT INTO user_log (user_id, seq, kind, conversation_id, ref_seq, payload,"
            " created_at) VALUES (?,?,?,?,?,?,?)",
            rows,
        )

    # --- streams ---

    async def stream_readers(self, uids: Collection[UserId]) -> frozenset[UserId]:
        readers = self._readers
        missing = [u for u in uids if u not in readers]
        if missing:
            found = {
                UserId(uid): bool(ok)
                for uid, ok in self.conn.execute(
                    "SELECT user_id, min(streams) FROM devices"
                    " WHERE user_id IN (SELECT value FROM json_each(?)) GROUP BY user_id",
                    (to_json(missing),),
                )
            }
            for uid in missing:
                self._set(readers, uid, found.get(uid, False))
        return frozenset(u for u in uids if readers[u])

    def devices_changed(self, uid: UserId) -> None:
        self._delete(self._readers, uid)

    def stream(self, event: MessagePosted) -> None:
        self._streamed.append(event)

    async def log_head(self, uid: UserId) -> int:
        # counting other jobs' appends in this batch, not yet written back
        head = self._heads.get(uid)
        if head is None:
            row = self.conn.execute("SELECT log_seq FROM users WHERE id=?", (uid,)).fetchone()
            head = 0 if row is None else int(row[0])
        return head
