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
        self._dirty_seqs: dict[ConversationId, bool] = {}
        self._dirty_heads: dict[UserId, bool] = {}
        self._dirty_reads: dict[tuple[ConversationId, UserId], int] = {}
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
        for table in self._tables():
            table.clear()

    def _tables(self) -> tuple[dict[Any, Any], ...]:
        return (
            self._conversations,
            self._seqs,
            self._heads,
            self._relations,
            self._dirty_seqs,
            self._dirty_heads,
            self._dirty_reads,
        )

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
                [(seq, c, u) for (c, u), seq in self._dirty_reads.items()],
            )
        for table in (self._dirty_seqs, self._dirty_heads, self._dirty_reads):
            table.clear()
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
        for (c, uid), seq in self._dirty_reads.items():  # not yet written back
            if c == cid and uid in roster and roster[uid].last_read_seq < seq:
                roster[uid] = dataclasses.replace(roster[uid], last_read_seq=seq)
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
        self._set(self._dirty_seqs, cid, True)

    def read_up_to(self, cid: ConversationId, uid: UserId, seq: int) -> None:
        """Move a member's read position forward (written back at flush)."""
        roster = self.state(cid).members
        member = roster.get(uid)
        if member is None or member.last_read_seq >= seq:
            return
        self._set(roster, uid, dataclasses.replace(member, last_read_seq=seq))
        self._set(self._dirty_reads, (cid, uid), seq)

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
        for uid, event in pairs:
            seq = heads[uid] + 1
            self._set(heads, uid, seq)
            self._set(self._dirty_heads, uid, True)
            entries.append(LogEntry(uid, seq, event))
            rows.append((uid, seq, *event_row(event), now))
        self.conn.executemany(
            "INSERT INTO user_log (user_id, seq, kind, conversation_id, ref_seq, payload,"
            " created_at) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        return entries
