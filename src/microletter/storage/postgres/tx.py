"""The write context of one PostgreSQL transaction: its connection, the locks it takes and
the update-log entries it appends, which are written last, in one statement.

Log entries are collected while the write runs and written at the end (`write_log`): the
users' counter rows are locked in ascending id order, bumped, and the rows inserted, all
in one round trip. Taking every user lock at one place, in one order, is what keeps
writes that touch overlapping sets of users from deadlocking each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from microletter.core.contacts import Relation
from microletter.core.conversations import direct_key
from microletter.core.errors import ConversationNotFound
from microletter.core.events import Event, LogEntry
from microletter.core.ids import ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Conversation, Instant, Member
from microletter.storage.codec import event_row
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.members import load_members, relation
from microletter.storage.rows import CONVERSATION_COLS, MEMBER_COLS, conversation_of, member_of

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


class PgTx:
    def __init__(self, conn: Conn, ids: IdGenerator, limits: Limits) -> None:
        self.conn = conn
        self.ids = ids
        self.limits = limits
        self._log: list[tuple[UserId, Event]] = []
        self._now = Instant(0)
        self._members: dict[ConversationId, dict[UserId, Member]] = {}
        self._seqs: dict[ConversationId, int] = {}
        self._relations: dict[tuple[UserId, UserId], Relation] = {}  # read with a lock

    def new_id(self, now: Instant) -> int:
        return self.ids.next(now)

    # --- reads inside the transaction ---

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.conn.fetchrow(sql, *args)
        return row

    async def lock_conversation(
        self, cid: ConversationId, sender: UserId | None = None
    ) -> Conversation:
        """Lock the conversation's row until COMMIT (seqs and members change under it),
        and read its members (and, for a `sender` in a direct conversation, their relation
        to the peer), in one round trip when nobody else holds the lock."""
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
            self.changed(cid)
        if sender is not None and row[10] is not None:
            peer, *facts = row[10]
            self._relations[(sender, UserId(peer))] = Relation(
                sender, UserId(peer), *(bool(f) for f in facts)
            )
        return conversation

    async def conversation(self, cid: ConversationId) -> Conversation:
        """The header as this transaction left it (the row must be locked)."""
        row = await self.fetchrow(
            f"SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.id=$1", cid
        )
        if row is None:
            raise ConversationNotFound(conversation_id=cid)
        return conversation_of(row)

    def last_seq(self, cid: ConversationId) -> int:
        """The conversation's last seq (locked by `lock_conversation` in this transaction)."""
        return self._seqs[cid]

    def took_seq(self, cid: ConversationId, seq: int) -> None:
        self._seqs[cid] = seq

    async def lock_pair(self, a: UserId, b: UserId) -> None:
        """Serialize the writes about one pair of users (requests, contacts, blocks)."""
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", direct_key(a, b)
        )

    async def members(self, cid: ConversationId) -> dict[UserId, Member]:
        """The members (read once per transaction; call `changed` after changing them)."""
        found = self._members.get(cid)
        if found is None:
            found = {m.user_id: m for m in await load_members(self.conn, cid)}
            self._members[cid] = found
        return found

    def changed(self, cid: ConversationId) -> None:
        self._members.pop(cid, None)

    async def relation(self, me: UserId, them: UserId) -> Relation:
        found = self._relations.pop((me, them), None)  # once: later writes may change it
        return found if found is not None else await relation(self.conn, me, them)

    async def lock_users(self, user_ids: Iterable[UserId]) -> None:
        """Lock these users' rows now, in id order (for a write that changes a user row
        and then appends to the logs of exactly these users)."""
        await self.conn.execute(
            "SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
            sorted(set(user_ids)),
        )

    # --- the update log ---

    def append(self, targets: Iterable[tuple[UserId, Event]], now: Instant) -> None:
        """Queue each event for its user's log; they get their seqs in `write_log`."""
        self._log.extend(targets)
        self._now = now

    async def write_log(self) -> list[LogEntry]:
        if not self._log:
            return []
        rows = [(uid, *event_row(event)) for uid, event in self._log]
        columns: Sequence[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
        heads = {r[0]: r[1] for r in await self.conn.fetch(_WRITE_LOG, *columns, self._now)}
        entries = []
        for uid, event in self._log:
            heads[uid] += 1
            entries.append(LogEntry(uid, heads[uid], event))
        self._log.clear()
        return entries
