"""The write context of the SQLite writer thread, with what it keeps in memory.

Theory of operation. The writer thread is the only writer of the database, so it can
keep the hot state of the send path in memory instead of reading it back for every
message: each conversation's header, members and last seq; each user's update-log head;
whether two users may message each other. A send then costs two INSERTs (the message and
its log rows) instead of a dozen statements.

- Counters (conversations.last_seq, users.log_seq) and read positions are written back
  once per batch (`flush`, just before COMMIT), so readers on other connections always
  see them consistent with the rows they count.
- Every change to the cache inside a job is journaled; when a job fails and its savepoint
  is rolled back, `rollback` undoes its cache changes too. So the cache never holds what
  the database does not.
- Write functions that change members, headers, contacts or blocks with SQL call
  `refresh`/`drop_relations` so the cache follows.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from microletter.core.contacts import Relation
from microletter.core.events import Event, LogEntry
from microletter.core.ids import ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Conversation, Instant, Member
from microletter.storage.codec import event_row
from microletter.storage.sqlite.members import load_conversation, members
from microletter.storage.sqlite.relations import relation
from microletter.storage.sqlite.rows import placeholders

_MISSING: Any = object()
MAX_CACHED = 100_000  # conversations or users; past this the cache starts afresh


@dataclass(slots=True)
class ConversationState:
    header: Conversation  # its last_seq and member_count are stale: see `conversation`
    members: dict[UserId, Member]


class WriteTx:
    def __init__(self, conn: sqlite3.Connection, ids: IdGenerator, limits: Limits) -> None:
        self.conn = conn
        self.ids = ids
        self.limits = limits
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

    # --- the journal ---

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        self._journal.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def _delete(self, table: dict[Any, Any], key: Any) -> None:
        if key in table:
            self._journal.append((table, key, table.pop(key)))

    def begin(self) -> None:
        self._journal.clear()

    def rollback(self) -> None:
        """Undo this job's cache changes (its SQL was rolled back by the savepoint)."""
        for table, key, old in reversed(self._journal):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self._journal.clear()

    def forget(self) -> None:
        """Drop everything: the whole transaction failed (nothing of it was committed)."""
        self._journal.clear()
        for table in (self._conversations, self._seqs, self._heads, self._relations, self._reads):
            table.clear()
        for keys in (self._dirty_seqs, self._dirty_heads, self._dirty_reads):
            keys.clear()

    def flush(self) -> None:
        """Write counters and read positions back; called once per batch, before COMMIT."""
        if self._dirty_seqs:
            self.conn.executemany(
                "UPDATE conversations SET last_seq=? WHERE id=?",
                [(self._seqs[c], c) for c in self._dirty_seqs],
            )
        if self._dirty_heads:
            self.conn.executemany(
                "UPDATE users SET log_seq=? WHERE id=?",
                [(self._heads[u], u) for u in self._dirty_heads],
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
        if len(self._conversations) > MAX_CACHED or len(self._heads) > MAX_CACHED:
            self.forget()

    # --- ids ---

    def new_id(self, now: Instant) -> int:
        return self.ids.next(now)

    # --- conversations ---

    def state(self, cid: ConversationId) -> ConversationState:
        """A conversation's header and members (ConversationNotFound if there is none)."""
        state = self._conversations.get(cid)
        if state is None:
            state = self._load(cid)
        return state

    def _load(self, cid: ConversationId) -> ConversationState:
        header = load_conversation(self.conn, cid)
        roster = {m.user_id: m for m in members(self.conn, cid)}
        state = ConversationState(header, roster)
        self._set(self._conversations, cid, state)
        if cid not in self._seqs:
            self._set(self._seqs, cid, header.last_seq)
        return state

    def refresh(self, cid: ConversationId) -> ConversationState:
        """Re-read header and members after SQL changed them (the seq stays ours)."""
        return self._load(cid)

    def conversation(self, cid: ConversationId) -> Conversation:
        state = self.state(cid)
        return dataclasses.replace(
            state.header, last_seq=self._seqs[cid], member_count=len(state.members)
        )

    def next_seq(self, cid: ConversationId) -> int:
        return self.last_seq(cid) + 1

    def last_seq(self, cid: ConversationId) -> int:
        self.state(cid)
        return self._seqs[cid]

    def took_seq(self, cid: ConversationId, seq: int) -> None:
        self._set(self._seqs, cid, seq)
        self._dirty_seqs.add(cid)

    def read_position(self, cid: ConversationId, uid: UserId) -> int:
        """A member's read position (-1 if not a member)."""
        member = self.state(cid).members.get(uid)
        if member is None:
            return -1
        return max(member.last_read_seq, self._reads.get((cid, uid), 0))

    def read_up_to(self, cid: ConversationId, uid: UserId, seq: int) -> None:
        """Move a member's read position forward (written back at flush)."""
        if seq <= self.read_position(cid, uid):
            return
        self._set(self._reads, (cid, uid), seq)
        self._dirty_reads.add((cid, uid))

    # --- contacts ---

    def relation(self, me: UserId, them: UserId) -> Relation:
        key = (me, them)
        found = self._relations.get(key)
        if found is None:
            found = relation(self.conn, me, them)
            self._set(self._relations, key, found)
        return found

    def drop_relation(self, a: UserId, b: UserId) -> None:
        """Contacts, requests or blocks between a and b changed."""
        self._delete(self._relations, (a, b))
        self._delete(self._relations, (b, a))

    # --- the update log ---

    def log_head(self, uid: UserId) -> int:
        """The last seq of a user's log, counting appends not yet written back."""
        head = self._heads.get(uid)
        if head is None:
            row = self.conn.execute("SELECT log_seq FROM users WHERE id=?", (uid,)).fetchone()
            head = 0 if row is None else int(row[0])
        return head

    def append(self, targets: Iterable[tuple[UserId, Event]], now: Instant) -> list[LogEntry]:
        """Append each event to its user's log with that user's next seq, in order."""
        pairs = list(targets)
        if not pairs:
            return []
        heads = self._heads
        missing = list({uid for uid, _ in pairs if uid not in heads})
        if missing:
            for uid, head in self.conn.execute(
                f"SELECT id, log_seq FROM users WHERE id IN ({placeholders(len(missing))})",
                missing,
            ):
                self._set(heads, UserId(uid), head)
        entries: list[LogEntry] = []
        rows: list[tuple[Any, ...]] = []
        last: Event | None = None
        parts: tuple[Any, ...] = ()
        for uid, event in pairs:
            if event is not last:  # a fan-out repeats one event: describe it once
                last, parts = event, event_row(event)
            seq = heads[uid] + 1
            self._set(heads, uid, seq)
            self._dirty_heads.add(uid)
            entries.append(LogEntry(uid, seq, event))
            rows.append((uid, seq, *parts, now))
        self.conn.executemany(
            "INSERT INTO user_log (user_id, seq, kind, conversation_id, ref_seq, payload,"
            " created_at) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        return entries
