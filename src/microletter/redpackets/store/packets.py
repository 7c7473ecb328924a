"""Red packets' units of work (ports.Tx, ports.Reader), the same on both databases:
sending, opening (the hot path), telling the sender, expiry, and reading a packet.

Sending is one transaction: the payment token spent, the amount moved from the sender's
wallet into one escrow account per share (the packet's envelopes), its card posted in
the conversation, its shares written (decided now, in the order they will be taken), its
expiry scheduled; once per (sender, idempotency key).

Opening (hundreds of members in the same second):
1. one read, without locks, answers the common refusals (not a member, already opened,
   every share taken, expired), so the many who come too late write nothing (`look`: on
   PostgreSQL before the transaction, one round trip; on SQLite inside the writer's job,
   which then needs no savepoint: every refusal comes before the first write);
2. the opener's row in `red_packet_opens` (packet, opener) is inserted: a second open of
   the same member waits for the first one's COMMIT on PostgreSQL and then inserts
   nothing (AlreadyOpened); on SQLite the single writer runs them one after the other;
3. one UPDATE claims the first untaken share (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
   concurrent opens take different shares without waiting for each other; 2 and 3 are
   one statement there), and its money moves from the share's own escrow account to the
   opener's wallet (`post`: one statement on PostgreSQL). No row is common to
   two opens of a packet (not the packet, not an escrow balance, not the sender's log),
   so on PostgreSQL they commit side by side, in the server's group commits, instead of
   queueing behind one row lock and one fsync each; on SQLite the single writer commits
   them in groups;
4. the opener gets a note that only they see; the sender hears of it from a job
   (`ANNOUNCE_JOB`, one per packet and `ANNOUNCE_MS` window) that names everyone who
   opened since the last one: one combined note for a burst, not a log row per open.

The action batches the opens of one packet that arrive together: on PostgreSQL
`look_many` for all their refusals, then `open_many`, the same steps for all of them in
one transaction of four round trips; on SQLite `open_together`, one job of the writer
whose statements do not grow with the number of openers (docs/wallet.md). `open_packet`
is the single open (when a batch meets a race it cannot take apart, or when a refusal
that committed facts promised did not come).

Lock order (PostgreSQL): the idempotency key's row, the payment token's row, the
conversation, accounts in id order (sending); the opener's row (a batch's in id order),
its share(s), accounts in id order, the openers' logs at commit (opening); a job's row,
shares in index order, accounts in id order, the sender's log (expiry, announcements).
"""

from dataclasses import dataclass

from microletter.core.errors import MicroletterError, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import Draft
from microletter.core.models import ConversationKind, Instant, JsonValue, MessageKind
from microletter.ports import Reader, Row, Tx
from microletter.redpackets.errors import (
    AlreadyOpened,
    Exhausted,
    NotForYou,
    RedPacketExpired,
    RedPacketNotFound,
)
from microletter.redpackets.rules import (
    ACCOUNT_KIND,
    Opening,
    PacketId,
    RedPacket,
    Request,
    Status,
    check_place,
    may_open,
)
from microletter.storage import (
    checks_first,
    post_audience_note,
    post_audience_notes,
    post_message,
    schedule_job,
)
from microletter.wallet import (
    USER,
    AccountId,
    InsufficientFunds,
    Posting,
    Result,
    new_accounts,
    post,
    post_many,
    run_once,
    spend_token,
    wallet_of,
)

EXPIRY_JOB = "redpackets.expiry"
ANNOUNCE_JOB = "redpackets.announce"
ANNOUNCE_MS = 1000  # the sender's note on opens comes this long after a burst's first
# An open's transaction takes its time at its start; a window's note waits this much
# longer, so that the opens of the window have committed when it looks.
ANNOUNCE_GRACE_MS = 1000
COLS = (
    "p.id, p.conversation_id, p.seq, p.sender_id, p.kind, p.amount, p.shares, p.greeting,"
    " p.recipient_id, p.status, p.created_at, p.expires_at, p.finished_at, p.refunded"
)
# how many shares are taken (index 14 of a packet's row, after COLS)
TAKEN = (
    "(SELECT count(*) FROM red_packet_shares s WHERE s.packet_id=p.id AND s.opener_id IS NOT NULL)"
)


async def send_packet(
    tx: Tx,
    me: UserId,
    cid: ConversationId,
    request: Request,
    shares: list[int],
    currency: str,
    key: str,
    fingerprint: str,
    token_hash: str,
    now: Instant,
    expires_in_ms: int,
) -> tuple[Result, bool]:
    """Send a red packet of `shares` (summing to `request.amount`) into `cid`; once per
    (me, key): a replay returns the first result."""

    async def work() -> Result:
        await spend_token(tx, me, token_hash, now)
        conversation = await tx.lock_conversation(cid, me)
        members = await tx.members(cid)
        if me not in members:
            raise NotMember(conversation_id=cid)
        check_place(request, me, conversation.kind, list(members))
        pid = PacketId(tx.new_id(now))
        envelopes = await new_accounts(tx, ACCOUNT_KIND, [tx.new_id(now) for _ in shares], now)
        wallet = await wallet_of(tx, me, now)
        sent = await post(
            tx,
            "redpacket.send",
            [Posting(wallet, -request.amount)]
            + [Posting(e, amount) for e, amount in zip(envelopes, shares, strict=True)],
            now,
            actor=me,
            memo=request.greeting,
            ref=f"redpacket:{pid}",
        )
        data: dict[str, JsonValue] = {
            "packet_id": pid,
            "kind": request.kind,
            "greeting": request.greeting,
            "shares": request.shares,
            "currency": currency,
            "recipient_id": request.recipient_id,
        }
        draft = Draft(cid, me, f"redpacket:{pid}", MessageKind.RED_PACKET, None, data=data)
        card = await post_message(tx, draft, now)
        expires = Instant(now + expires_in_ms)
        await tx.execute(
            "INSERT INTO red_packets (id, conversation_id, seq, sender_id, kind, amount, shares,"
            " greeting, recipient_id, status, created_at, expires_at, refunded, send_tx)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,0,$13)",
            pid,
            cid,
            card.seq,
            me,
            request.kind,
            request.amount,
            request.shares,
            request.greeting,
            request.recipient_id,
            Status.OPEN,
            now,
            expires,
            sent.id,
        )
        await tx.executemany(
            "INSERT INTO red_packet_shares (packet_id, idx, amount, account_id, refunded,"
            " announced) VALUES ($1,$2,$3,$4,false,false)",
            [
                (pid, i, amount, e)
                for i, (amount, e) in enumerate(zip(shares, envelopes, strict=True))
            ],
        )
        await schedule_job(tx, EXPIRY_JOB, f"{EXPIRY_JOB}:{pid}", {"packet_id": pid}, expires, now)
        return {"packet_id": pid, "transaction_id": sent.id, "seq": card.seq}

    return await run_once(tx, me, key, fingerprint, now, work)


# The refusals an open can know without a lock, and what it needs to proceed, in one read.
_LOOK = (
    # in TAKEN's place: 0 while a share is untaken, else all (an index lookup, not a count)
    f"SELECT {COLS}, CASE WHEN EXISTS (SELECT 1 FROM red_packet_shares s"
    " WHERE s.packet_id=p.id AND s.opener_id IS NULL AND NOT s.refunded) THEN 0"
    " ELSE p.shares END, c.kind, c.last_seq,"
    " EXISTS (SELECT 1 FROM members m WHERE m.conversation_id=p.conversation_id"
    " AND m.user_id=$2),"
    " (SELECT s.amount FROM red_packet_shares s WHERE s.packet_id=p.id AND s.opener_id=$2),"
    # the opener's wallet, read here to save a round trip (the wallet makes it if missing)
    f" (SELECT a.id FROM wallet_accounts a WHERE a.kind='{USER}' AND a.owner_id=$2)"
    " FROM red_packets p JOIN conversations c ON c.id = p.conversation_id WHERE p.id=$1"
)
_OPENER = (
    "INSERT INTO red_packet_opens (packet_id, opener_id, opened_at) VALUES ($1,$2,$3)"
    " ON CONFLICT DO NOTHING"
)
_CLAIM = (
    "UPDATE red_packet_shares SET opener_id=$2, opened_at=$3 WHERE packet_id=$1 AND idx ="
    " (SELECT idx FROM red_packet_shares WHERE packet_id=$1 AND opener_id IS NULL"
    " AND NOT refunded ORDER BY idx LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING idx, amount, account_id"
)
# PostgreSQL: the opener's row and the claim in one round trip. The claim runs only if
# the opener's row went in (a second open of mine waits for the first one's COMMIT on
# that row, then inserts nothing and claims nothing); (inserted, idx, amount, account).
_OPEN_AND_CLAIM = f"""
WITH mine AS ({_OPENER} RETURNING opener_id),
claimed AS (
  UPDATE red_packet_shares SET opener_id=$2, opened_at=$3 WHERE EXISTS (SELECT 1 FROM mine)
  AND packet_id=$1 AND idx = (SELECT idx FROM red_packet_shares WHERE packet_id=$1
  AND opener_id IS NULL AND NOT refunded ORDER BY idx LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING idx, amount, account_id
)
SELECT EXISTS (SELECT 1 FROM mine), c.idx, c.amount, c.account_id
FROM (SELECT 1) AS one LEFT JOIN claimed c ON true
"""


@dataclass(frozen=True, slots=True)
class Look:
    """What an open needs from its read: the packet, where the opener's note goes (the
    conversation's last seq) and the opener's wallet (None: not made yet)."""

    packet: RedPacket
    last_seq: int
    wallet: AccountId | None


async def look(db: Reader, me: UserId, pid: PacketId, now: Instant) -> Look:
    """The read of an open, which answers the refusals an open can know without a lock:
    RedPacketNotFound, NotMember, NotForYou, AlreadyOpened (with the amount),
    RedPacketExpired, Exhausted. On PostgreSQL it runs before the open's transaction
    (one round trip for the many who come too late, instead of BEGIN, the read and
    ROLLBACK); READ COMMITTED, it would see nothing more inside it."""
    row = await db.fetchrow(_LOOK, pid, me)
    if row is None:
        raise RedPacketNotFound(packet_id=pid)
    packet = _packet_of(row)
    kind, last_seq, member, mine = ConversationKind(row[15]), int(row[16]), row[17], row[18]
    if not member:
        raise NotMember(conversation_id=packet.conversation_id)
    if not may_open(packet, me, kind):
        raise NotForYou(packet_id=pid)
    if mine is not None:
        raise AlreadyOpened(packet_id=pid, amount=int(mine))
    _check_open(packet, now)
    return Look(packet, last_seq, None if row[19] is None else AccountId(row[19]))


async def look_each(
    db: Reader, openers: list[UserId], pid: PacketId, now: Instant
) -> dict[UserId, Look | MicroletterError]:
    """`look` for each of `openers`, in one read (on SQLite one hand-off to a reader
    thread for all of them): their refusal, or what their open needs."""
    found: dict[UserId, Look | MicroletterError] = {}
    for me in openers:
        try:
            found[me] = await look(db, me, pid, now)
        except MicroletterError as refusal:
            found[me] = refusal
    return found


@checks_first  # every refusal comes from the read, before the first write (on SQLite)
async def open_packet(
    tx: Tx,
    me: UserId,
    pid: PacketId,
    now: Instant,
    *,
    announce: bool = True,
    seen: Look | None = None,
) -> dict[str, JsonValue]:
    """Take the first untaken share of a packet for `me`: {packet_id, conversation_id,
    idx, amount, finished, scheduled}. AlreadyOpened (with the amount), Exhausted,
    RedPacketExpired, NotMember, NotForYou, RedPacketNotFound: and nothing changed.
    `announce` False: the sender's note of this `window` is known to be scheduled
    (a committed open of this process made it), so this open need not ask again.
    `seen`: `look` ran just before, outside this transaction (PostgreSQL); the claim
    below re-checks what may have changed since (my row, an untaken share)."""
    found = seen or await look(tx, me, pid, now)
    packet, last_seq, wallet = found.packet, found.last_seq, found.wallet
    _check_open(packet, now)
    first, share = await _claim(tx, pid, me, now)
    if not first:  # another open of mine got here first (and has committed now)
        amount = await tx.fetchval(
            "SELECT amount FROM red_packet_shares WHERE packet_id=$1 AND opener_id=$2", pid, me
        )
        raise _late(
            tx, AlreadyOpened(packet_id=pid, amount=None if amount is None else int(amount))
        )
    if share is None:  # the last share went since the read (or the packet expired)
        raise _late(tx, Exhausted(packet_id=pid))
    idx, amount, envelope = int(share[0]), int(share[1]), AccountId(share[2])
    try:
        await post(
            tx,
            "redpacket.open",
            [Posting(envelope, -amount), Posting(wallet or await wallet_of(tx, me, now), amount)],
            now,
            actor=me,
            memo=packet.greeting,
            ref=f"redpacket:{pid}",
        )
    except InsufficientFunds as exc:  # the expiry refunded this share meanwhile: all undone
        raise _late(tx, exc) from None
    finished = idx == packet.shares - 1  # the last share (taken in order, but for races)
    cid = packet.conversation_id
    note: dict[str, JsonValue] = {
        "action": "redpacket.opened",
        "actor": me,
        "sender_id": packet.sender_id,
        "packet_id": pid,
        "seq": packet.seq,
        "openers": [me],
        "finished": finished,
    }
    await post_audience_note(tx, cid, [me], note, now, after_seq=last_seq)
    scheduled = announce and me != packet.sender_id
    if scheduled:  # the sender hears of it with the others of this window
        await _schedule_announce(tx, pid, now)
    return {
        "packet_id": pid,
        "conversation_id": cid,
        "idx": idx,
        "amount": amount,
        "finished": finished,
        "scheduled": scheduled,
        "shares": packet.shares,
    }


async def _claim(
    tx: Tx, pid: PacketId, me: UserId, now: Instant
) -> tuple[bool, tuple[int, int, int] | None]:
    """Insert my opener's row and claim the first untaken share: (whether my row went
    in, the share's (idx, amount, account) or None)."""
    if tx.dialect == "postgresql":
        row = await tx.fetchrow(_OPEN_AND_CLAIM, pid, me, now)
        assert row is not None  # a SELECT of one row
        return bool(row[0]), None if row[1] is None else (row[1], row[2], row[3])
    if not await tx.execute(_OPENER, pid, me, now):
        return False, None
    share = await tx.fetchrow(_CLAIM, pid, me, now)
    return True, None if share is None else (share[0], share[1], share[2])


# PostgreSQL, a batch of opens of one packet (`look_many`, `open_many`): what `_LOOK`
# reads, for each opener of the batch (a row each, the packet's columns repeated).
_LOOK_MANY = (
    f"SELECT {COLS}, CASE WHEN EXISTS (SELECT 1 FROM red_packet_shares s"
    " WHERE s.packet_id=p.id AND s.opener_id IS NULL AND NOT s.refunded) THEN 0"
    " ELSE p.shares END, c.kind, c.last_seq,"
    " EXISTS (SELECT 1 FROM members m WHERE m.conversation_id=p.conversation_id"
    " AND m.user_id=o.u),"
    " (SELECT s.amount FROM red_packet_shares s WHERE s.packet_id=p.id AND s.opener_id=o.u),"
    f" (SELECT a.id FROM wallet_accounts a WHERE a.kind='{USER}' AND a.owner_id=o.u), o.u"
    " FROM red_packets p JOIN conversations c ON c.id = p.conversation_id"
    " CROSS JOIN unnest($2::bigint[]) WITH ORDINALITY AS o(u, ord) WHERE p.id=$1 ORDER BY o.ord"
)
# The openers' rows (in id order: two batches that share an opener wait for each other
# in one order, never in a circle) and one untaken share for each opener whose row went
# in, in the batch's order: (opener, idx, amount, account) for every row inserted, the
# share's columns NULL where no share was left for it.
_OPEN_AND_CLAIM_MANY = """
WITH mine AS (
  INSERT INTO red_packet_opens (packet_id, opener_id, opened_at)
  SELECT $1, o.u, $3 FROM unnest($2::bigint[]) AS o(u) ORDER BY o.u
  ON CONFLICT DO NOTHING RETURNING opener_id
), ranked AS (
  SELECT m.opener_id, row_number() OVER (ORDER BY o.ord) AS rn
  FROM mine m JOIN unnest($2::bigint[]) WITH ORDINALITY AS o(u, ord) ON o.u = m.opener_id
), free AS (
  SELECT f.idx, row_number() OVER (ORDER BY f.idx) AS rn FROM (
    SELECT idx FROM red_packet_shares WHERE packet_id=$1 AND opener_id IS NULL
    AND NOT refunded ORDER BY idx LIMIT (SELECT count(*) FROM mine) FOR UPDATE SKIP LOCKED
  ) f
), claimed AS (
  UPDATE red_packet_shares s SET opener_id = r.opener_id, opened_at = $3
  FROM free f JOIN ranked r ON r.rn = f.rn
  WHERE s.packet_id = $1 AND s.idx = f.idx
  RETURNING s.opener_id, s.idx, s.amount, s.account_id
)
SELECT m.opener_id, c.idx, c.amount, c.account_id
FROM mine m LEFT JOIN claimed c ON c.opener_id = m.opener_id
"""

# One opener's answer in a batch: what open_packet returns, or its refusal.
Answer = dict[str, JsonValue] | MicroletterError


@dataclass(frozen=True, slots=True)
class Looks:
    """`look` for a batch of openers: the packet (None: not found), the conversation's
    last seq, and for each opener their refusal or their wallet (None: not made yet)."""

    packet: RedPacket | None
    last_seq: int
    openers: dict[UserId, MicroletterError | AccountId | None]


async def look_many(db: Reader, openers: list[UserId], pid: PacketId, now: Instant) -> Looks:
    """`look` for several openers of one packet in one read (PostgreSQL)."""
    rows = await db.fetch(_LOOK_MANY, pid, openers)
    if not rows:
        return Looks(None, 0, {u: RedPacketNotFound(packet_id=pid) for u in openers})
    packet = _packet_of(rows[0])
    kind, last_seq = ConversationKind(rows[0][15]), int(rows[0][16])
    found: dict[UserId, MicroletterError | AccountId | None] = {}
    for row in rows:
        me = UserId(row[20])
        refusal = _refusal(packet, me, kind, now, member=row[17], mine=row[18])
        if refusal is not None:
            found[me] = refusal
        else:
            found[me] = None if row[19] is None else AccountId(row[19])
    return Looks(packet, last_seq, found)


async def open_many(
    tx: Tx, openers: dict[UserId, AccountId | None], seen: Looks, now: Instant, *, announce: bool
) -> dict[UserId, Answer]:
    """`open_packet` for several members (distinct, each with their wallet if known) of
    the packet `seen` (their `look_many` found no refusal), in one transaction of a few
    round trips whatever their number (PostgreSQL): the openers' rows and their shares
    in one statement, the money in one (`post_many`), their notes with the log. A member
    whose row was already there (an open of theirs elsewhere got in first) gets
    AlreadyOpened; one who came after the last share, Exhausted (their row taken back).
    Anything raised rolls all of them back."""
    packet = seen.packet
    assert packet is not None  # the caller passes only openers of a packet found
    pid = packet.id
    rows = await tx.fetch(_OPEN_AND_CLAIM_MANY, pid, list(openers), now)
    answers: dict[UserId, Answer] = {}
    taken = {UserId(r[0]): r for r in rows}
    left_out = [u for u, r in taken.items() if r[1] is None]
    if left_out:  # no share left for them: they did not open it
        await tx.execute(
            "DELETE FROM red_packet_opens WHERE packet_id=$1 AND opener_id = ANY($2::bigint[])",
            pid,
            left_out,
        )
        answers.update((u, Exhausted(packet_id=pid)) for u in left_out)
    late = [u for u in openers if u not in taken]
    if late:  # another open of theirs got there first (and has committed now)
        had = await tx.fetch(
            "SELECT opener_id, amount FROM red_packet_shares WHERE packet_id=$1"
            " AND opener_id = ANY($2::bigint[])",
            pid,
            late,
        )
        amounts = {UserId(r[0]): int(r[1]) for r in had}
        answers.update((u, AlreadyOpened(packet_id=pid, amount=amounts.get(u))) for u in late)
    won = [(u, int(r[1]), int(r[2]), AccountId(r[3])) for u, r in taken.items() if r[1] is not None]
    moves = []
    for u, _, amount, envelope in won:
        wallet = openers[u] or await wallet_of(tx, u, now)
        moves.append(([Posting(envelope, -amount), Posting(wallet, amount)], u))
    if moves:
        await post_many(
            tx, "redpacket.open", moves, now, memo=packet.greeting, ref=f"redpacket:{pid}"
        )
    cid = packet.conversation_id
    for u, idx, amount, _ in won:
        finished = idx == packet.shares - 1
        note: dict[str, JsonValue] = {
            "action": "redpacket.opened",
            "actor": u,
            "sender_id": packet.sender_id,
            "packet_id": pid,
            "seq": packet.seq,
            "openers": [u],
            "finished": finished,
        }
        await post_audience_note(tx, cid, [u], note, now, after_seq=seen.last_seq)
        answers[u] = {
            "packet_id": pid,
            "conversation_id": cid,
            "idx": idx,
            "amount": amount,
            "finished": finished,
            "scheduled": False,
            "shares": packet.shares,
        }
    if announce and any(u != packet.sender_id for u, *_ in won):
        await _schedule_announce(tx, pid, now)
        for u, *_ in won:
            answer = answers[u]
            if isinstance(answer, dict):
                answer["scheduled"] = u != packet.sender_id
    return answers


# SQLite, a batch of opens of one packet in one job of the writer (`open_together`): the
# packet, then what each opener's refusal depends on, for all of them in one statement.
# SQLite's own (json_each: PostgreSQL's batch reads before its transaction, `look_many`).
_PACKET = (
    f"SELECT {COLS}, CASE WHEN EXISTS (SELECT 1 FROM red_packet_shares s"
    " WHERE s.packet_id=p.id AND s.opener_id IS NULL AND NOT s.refunded) THEN 0"
    " ELSE p.shares END, c.kind, c.last_seq"
    " FROM red_packets p JOIN conversations c ON c.id = p.conversation_id WHERE p.id=?"
)
_EACH = (
    "SELECT o.value, EXISTS (SELECT 1 FROM members m WHERE m.conversation_id=?2"
    " AND m.user_id=o.value),"
    " (SELECT s.amount FROM red_packet_shares s WHERE s.packet_id=?1 AND s.opener_id=o.value),"
    f" (SELECT a.id FROM wallet_accounts a WHERE a.kind='{USER}' AND a.owner_id=o.value)"
    " FROM json_each(?3) AS o ORDER BY o.key"
)


@checks_first  # every refusal is an answer, not raised; what raises fails the batch
async def open_together(
    tx: Tx, openers: list[UserId], pid: PacketId, now: Instant, *, announce: bool
) -> dict[UserId, Answer]:
    """SQLite: `open_packet` for several members (distinct) of one packet in one unit
    of work whose statements do not grow with their number: the read (`_PACKET`,
    `_EACH`), the openers' rows, their shares, the money (`post_many`), the notes and the
    update log, each one statement. The shares go in the openers' order; an opener
    refused (the same checks, in the same order, as `look`) gets the refusal as the
    answer and changes nothing."""
    row = await tx.fetchrow(_PACKET, pid)
    if row is None:
        return {u: RedPacketNotFound(packet_id=pid) for u in openers}
    packet = _packet_of(row)
    kind, last_seq = ConversationKind(row[15]), int(row[16])
    cid = packet.conversation_id
    answers: dict[UserId, Answer] = {}
    go: list[tuple[UserId, AccountId | None]] = []
    for r in await tx.fetch(_EACH, pid, cid, [int(u) for u in openers]):
        me = UserId(r[0])
        refusal = _refusal(packet, me, kind, now, member=r[1], mine=r[2])
        if refusal is not None:
            answers[me] = refusal
            continue
        go.append((me, None if r[3] is None else AccountId(r[3])))
    free = await tx.fetch(
        "SELECT idx, amount, account_id FROM red_packet_shares WHERE packet_id=$1"
        " AND opener_id IS NULL AND NOT refunded ORDER BY idx LIMIT $2",
        pid,
        len(go),
    )
    won = [
        (me, int(f[0]), int(f[1]), AccountId(f[2]), wallet)
        for (me, wallet), f in zip(go, free, strict=False)
    ]
    answers.update((me, Exhausted(packet_id=pid)) for me, _ in go[len(won) :])
    if not won:
        return answers
    await tx.executemany(
        "INSERT INTO red_packet_opens (packet_id, opener_id, opened_at) VALUES ($1,$2,$3)",
        [(pid, me, now) for me, *_ in won],
    )
    await tx.executemany(
        "UPDATE red_packet_shares SET opener_id=$3, opened_at=$4 WHERE packet_id=$1 AND idx=$2",
        [(pid, idx, me, now) for me, idx, *_ in won],
    )
    moves = [
        (
            [Posting(envelope, -amount), Posting(wallet or await wallet_of(tx, me, now), amount)],
            me,
        )
        for me, _, amount, envelope, wallet in won
    ]
    try:
        await post_many(
            tx, "redpacket.open", moves, now, memo=packet.greeting, ref=f"redpacket:{pid}"
        )
    except InsufficientFunds as exc:  # an envelope holds its share until it is taken
        raise _late(tx, exc) from None
    scheduled = announce and any(me != packet.sender_id for me, *_ in won)
    notes = []
    for me, idx, amount, *_ in won:
        finished = idx == packet.shares - 1  # the last share (the writer takes them in order)
        notes.append(
            (
                [me],
                {
                    "action": "redpacket.opened",
                    "actor": me,
                    "sender_id": packet.sender_id,
                    "packet_id": pid,
                    "seq": packet.seq,
                    "openers": [me],
                    "finished": finished,
                },
            )
        )
        answers[me] = {
            "packet_id": pid,
            "conversation_id": cid,
            "idx": idx,
            "amount": amount,
            "finished": finished,
            "scheduled": scheduled and me != packet.sender_id,
            "shares": packet.shares,
        }
    await post_audience_notes(tx, cid, notes, now, after_seq=last_seq)
    if scheduled:  # the sender hears of them with the others of this window
        await _schedule_announce(tx, pid, now)
    return answers


def _late(tx: Tx, refusal: MicroletterError) -> Exception:
    """A refusal found after the open wrote. On PostgreSQL a race with another open
    (the transaction rolls back). On SQLite the one writer ran the read just before, so
    it cannot happen: if it did, fail the writer's whole batch (open_packet is
    `checks_first`: a refusal after a write would keep that write)."""
    if tx.dialect == "postgresql":
        return refusal
    return RuntimeError(f"an open was refused after it wrote: {refusal.code}")


async def _schedule_announce(tx: Tx, pid: PacketId, now: Instant) -> None:
    """The sender hears of the opens of this window together: one job per packet and
    window (its key makes a second schedule of the same window a no-op)."""
    window = now // ANNOUNCE_MS
    await schedule_job(
        tx,
        ANNOUNCE_JOB,
        f"{ANNOUNCE_JOB}:{pid}:{window}",
        {"packet_id": pid},
        Instant((window + 1) * ANNOUNCE_MS + ANNOUNCE_GRACE_MS),
        now,
    )


def _refusal(
    packet: RedPacket,
    me: UserId,
    kind: ConversationKind,
    now: Instant,
    *,
    member: object,
    mine: int | None,
) -> MicroletterError | None:
    """Why `me` may not open `packet`, or None: the checks of an open, in their order
    (`look` and `open_together` answer the same refusal for the same facts)."""
    try:
        if not member:
            raise NotMember(conversation_id=packet.conversation_id)
        if not may_open(packet, me, kind):
            raise NotForYou(packet_id=packet.id)
        if mine is not None:
            raise AlreadyOpened(packet_id=packet.id, amount=int(mine))
        _check_open(packet, now)
    except MicroletterError as refusal:
        return refusal
    return None


def _check_open(packet: RedPacket, now: Instant) -> None:
    if packet.status == Status.REFUNDED or (
        packet.status == Status.OPEN and packet.expires_at <= now
    ):
        raise RedPacketExpired(packet_id=packet.id)
    if packet.status == Status.FINISHED or packet.opened >= packet.shares:
        raise Exhausted(packet_id=packet.id)


async def announce(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The scheduler's job: one note to the sender naming everyone (but the sender) who
    opened since the last such note."""
    pid = payload["packet_id"]
    assert isinstance(pid, int)  # written by open_packet
    await _announce(tx, await _find(tx, PacketId(pid)), now)


async def _announce(tx: Tx, packet: RedPacket, now: Instant) -> None:
    # SKIP LOCKED: a share an open is taking right now is for the next note; this job
    # never waits for an open (an open may wait for this job's row: no circle).
    rows = await tx.fetch(
        "UPDATE red_packet_shares SET announced=true WHERE packet_id=$1 AND idx IN"
        " (SELECT idx FROM red_packet_shares WHERE packet_id=$1 AND opener_id IS NOT NULL"
        " AND NOT announced FOR UPDATE SKIP LOCKED) RETURNING idx, opener_id",
        packet.id,
    )
    ordered = sorted(rows, key=lambda r: int(r[0]))
    openers = [UserId(r[1]) for r in ordered if r[1] != packet.sender_id]
    cid, sender = packet.conversation_id, packet.sender_id
    if not openers or not await _is_member(tx, cid, sender):
        return
    data: dict[str, JsonValue] = {
        "action": "redpacket.opened",
        "actor": openers[0],
        "sender_id": sender,
        "packet_id": packet.id,
        "seq": packet.seq,
        "openers": list(openers),
        "finished": packet.opened >= packet.shares,
    }
    await post_audience_note(tx, cid, [sender], data, now)


async def expire_packet(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The scheduler's job: refund what is left of a packet at its expiry to its sender."""
    pid = payload["packet_id"]
    assert isinstance(pid, int)  # written by send_packet
    packet = await _find(tx, PacketId(pid))
    if packet.status != Status.OPEN:
        return
    # Each untaken share, locked: an open taking one now finishes first, and then the
    # share is not untaken any more (re-checked under the lock) and stays with it.
    left = await tx.fetch(
        "SELECT idx, amount, account_id FROM red_packet_shares WHERE packet_id=$1"
        " AND opener_id IS NULL AND NOT refunded ORDER BY idx FOR UPDATE",
        pid,
    )
    total = sum(int(r[1]) for r in left)
    refund_tx = None
    if total:
        moved = await post(
            tx,
            "redpacket.refund",
            [Posting(await wallet_of(tx, packet.sender_id, now), total)]
            + [Posting(AccountId(r[2]), -int(r[1])) for r in left],
            now,
            memo=packet.greeting,
            ref=f"redpacket:{pid}",
        )
        refund_tx = moved.id
        await tx.execute(
            "UPDATE red_packet_shares SET refunded=true WHERE packet_id=$1"
            " AND idx = ANY($2::bigint[])",
            pid,
            [int(r[0]) for r in left],
        )
    await tx.execute(
        "UPDATE red_packets SET status=$2, refunded=$3, finished_at=$4, refund_tx=$5 WHERE id=$1",
        pid,
        Status.REFUNDED if total else Status.FINISHED,
        total,
        now,
        refund_tx,
    )
    await _announce(tx, packet, now)
    if total and await _is_member(tx, packet.conversation_id, packet.sender_id):
        data: dict[str, JsonValue] = {
            "action": "redpacket.refunded",
            "actor": packet.sender_id,
            "sender_id": packet.sender_id,
            "packet_id": pid,
            "seq": packet.seq,
            "amount": total,
        }
        await post_audience_note(tx, packet.conversation_id, [packet.sender_id], data, now)


async def find_packet(
    db: Reader, me: UserId, pid: PacketId
) -> tuple[RedPacket, list[Opening], bool]:
    """A packet, its shares and whether `me` may see who got how much: members of its
    conversation see the card; the sender and those who opened it see every opening."""
    packet = await _find(db, pid)
    member = await _is_member(db, packet.conversation_id, me)
    rows = await db.fetch(
        "SELECT idx, amount, opener_id, opened_at FROM red_packet_shares"
        " WHERE packet_id=$1 ORDER BY idx",
        pid,
    )
    shares = [
        Opening(
            int(r[0]),
            int(r[1]),
            None if r[2] is None else UserId(r[2]),
            None if r[3] is None else Instant(r[3]),
        )
        for r in rows
    ]
    opened = any(s.opener_id == me for s in shares)
    if not member and not opened and me != packet.sender_id:
        raise RedPacketNotFound(packet_id=pid)
    return packet, shares, opened or me == packet.sender_id


async def _is_member(db: Reader, cid: ConversationId, uid: UserId) -> bool:
    found = await db.fetchval(
        "SELECT 1 FROM members WHERE conversation_id=$1 AND user_id=$2", cid, uid
    )
    return found is not None


async def _find(db: Reader, pid: PacketId) -> RedPacket:
    row = await db.fetchrow(f"SELECT {COLS}, {TAKEN} FROM red_packets p WHERE p.id=$1", pid)
    if row is None:
        raise RedPacketNotFound(packet_id=pid)
    return _packet_of(row)


def _packet_of(r: Row) -> RedPacket:
    status, taken, shares = r[9], int(r[14]), int(r[6])
    if status == Status.OPEN and taken >= shares:
        status = Status.FINISHED  # every share taken (the row says so after the expiry)
    return RedPacket(
        id=PacketId(r[0]),
        conversation_id=ConversationId(r[1]),
        seq=int(r[2]),
        sender_id=UserId(r[3]),
        kind=r[4],
        amount=int(r[5]),
        shares=shares,
        greeting=r[7],
        recipient_id=None if r[8] is None else UserId(r[8]),
        status=status,
        opened=taken,
        created_at=Instant(r[10]),
        expires_at=Instant(r[11]),
        finished_at=None if r[12] is None else Instant(r[12]),
        refunded=int(r[13]),
    )
