"""Operators' credits and debits, and transfers in one-to-one chats (units of work, both
databases).

A transfer is three things committed together: its money moved from the sender's wallet
to escrow, its card posted in the conversation, and its refund scheduled for when it
expires. Accepting moves the money from escrow to the recipient, returning (or the
refund) back to the sender; each is a guarded UPDATE of the transfer's status from
`pending`, so exactly one of them happens, and each posts a system note both see.

Lock order (PostgreSQL): the idempotency key's row, the payment token's row, the
transfer's job, the conversation, the wallet accounts in id order, then the users' logs
at commit (the expiry job starts with its own row, so it never waits in a circle with an
accept).
"""

from __future__ import annotations

from microletter.core.errors import NotMember
from microletter.core.events import MessagePosted
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import Draft
from microletter.core.models import ConversationKind, Instant, JsonValue, MessageKind
from microletter.ports import Reader, Row, Tx
from microletter.storage import cancel_job, post_message, post_note, schedule_job
from microletter.wallet.errors import (
    NotTransferRecipient,
    TransferNotAllowed,
    TransferNotFound,
    TransferSettled,
)
from microletter.wallet.rules import (
    ESCROW,
    FUNDING,
    SYSTEM_OWNER,
    Posting,
    Transfer,
    TransferId,
    TransferStatus,
)
from microletter.wallet.store.ledger import account, post, wallet_of
from microletter.wallet.store.once import Result, run_once
from microletter.wallet.store.payments import spend_token

EXPIRY_JOB = "wallet.transfer_expiry"
TRANSFER_COLS = (
    "id, conversation_id, seq, sender_id, recipient_id, amount, note, status,"
    " created_at, expires_at, settled_at"
)
SETTLED = {
    "accept": (TransferStatus.ACCEPTED, "transfer.accepted"),
    "return": (TransferStatus.RETURNED, "transfer.returned"),
    "refund": (TransferStatus.REFUNDED, "transfer.refunded"),
}


async def adjust(
    tx: Tx,
    operator: UserId,
    user: UserId,
    amount: int,
    reason: str,
    key: str,
    fingerprint: str,
    now: Instant,
) -> tuple[Result, bool]:
    """An operator's credit (`amount` > 0: from funding to the wallet) or debit (< 0: back
    to funding; InsufficientFunds beyond the balance), once per (operator, key)."""

    async def work() -> Result:
        funding = await account(tx, FUNDING, SYSTEM_OWNER, now)
        wallet = await wallet_of(tx, user, now)
        kind = "credit" if amount > 0 else "debit"
        moved = await post(
            tx,
            kind,
            [Posting(funding, -amount), Posting(wallet, amount)],
            now,
            actor=operator,
            memo=reason,
            ref=f"user:{user}",
        )
        return {"transaction_id": moved.id}

    return await run_once(tx, operator, key, fingerprint, now, work)


async def send_transfer(
    tx: Tx,
    me: UserId,
    cid: ConversationId,
    amount: int,
    note: str,
    currency: str,
    key: str,
    fingerprint: str,
    token_hash: str,
    now: Instant,
    expires_in_ms: int,
) -> tuple[Result, bool]:
    """Send `amount` to the other member of a direct conversation: escrowed until they
    accept or return it, refunded by the scheduler at expiry. Once per (me, key)."""

    async def work() -> Result:
        await spend_token(tx, me, token_hash, now)
        conversation = await tx.lock_conversation(cid, me)
        members = await tx.members(cid)
        if me not in members:
            raise NotMember(conversation_id=cid)
        peers = [u for u in members if u != me]
        if conversation.kind is not ConversationKind.DIRECT or len(peers) != 1:
            raise TransferNotAllowed(conversation_id=cid)
        tid = TransferId(tx.new_id(now))
        sent = await post(
            tx,
            "transfer.send",
            [
                Posting(await wallet_of(tx, me, now), -amount),
                Posting(await account(tx, ESCROW, SYSTEM_OWNER, now), amount),
            ],
            now,
            actor=me,
            memo=note,
            ref=f"transfer:{tid}",
        )
        data: dict[str, JsonValue] = {
            "transfer_id": tid,
            "amount": amount,
            "currency": currency,
            "note": note,
            "recipient_id": peers[0],
        }
        draft = Draft(cid, me, f"transfer:{tid}", MessageKind.TRANSFER, None, data=data)
        card = await post_message(tx, draft, now)
        expires = Instant(now + expires_in_ms)
        await tx.execute(
            f"INSERT INTO wallet_transfers ({TRANSFER_COLS}, send_tx)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,NULL,$11)",
            tid,
            cid,
            card.seq,
            me,
            peers[0],
            amount,
            note,
            TransferStatus.PENDING,
            now,
            expires,
            sent.id,
        )
        await schedule_job(tx, EXPIRY_JOB, _job_key(tid), {"transfer_id": tid}, expires, now)
        return {"transfer_id": tid, "transaction_id": sent.id}

    return await run_once(tx, me, key, fingerprint, now, work)


async def settle_transfer(
    tx: Tx,
    me: UserId,
    tid: TransferId,
    action: str,
    key: str,
    fingerprint: str,
    now: Instant,
) -> tuple[Result, bool]:
    """The recipient accepts (`accept`) or returns (`return`) a pending transfer, once
    per (me, key). TransferSettled if it was settled already."""

    async def work() -> Result:
        found = await transfer(tx, me, tid)
        if found.recipient_id != me:
            raise NotTransferRecipient(transfer_id=tid)
        return await _settle(tx, found, action, me, now)

    return await run_once(tx, me, key, fingerprint, now, work)


async def expire_transfer(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The scheduler's job: refund a transfer still pending at its expiry."""
    raw = payload["transfer_id"]
    assert isinstance(raw, int)  # written by send_transfer
    row = await tx.fetchrow(f"SELECT {TRANSFER_COLS} FROM wallet_transfers WHERE id=$1", raw)
    if row is None:
        return
    found = _transfer_of(row)
    if found.status == TransferStatus.PENDING:
        await _settle(tx, found, "refund", found.sender_id, now)


async def _settle(tx: Tx, found: Transfer, action: str, actor: UserId, now: Instant) -> Result:
    status, note_action = SETTLED[action]
    cid = found.conversation_id
    if action != "refund":  # the job's row before the conversation, as the job itself does
        await cancel_job(tx, _job_key(found.id), now)
    await tx.lock_conversation(cid)
    changed = await tx.execute(
        "UPDATE wallet_transfers SET status=$2, settled_at=$3 WHERE id=$1 AND status=$4",
        found.id,
        status,
        now,
        TransferStatus.PENDING,
    )
    if not changed:
        raise TransferSettled(transfer_id=found.id)
    to = found.recipient_id if action == "accept" else found.sender_id
    moved = await post(
        tx,
        f"transfer.{action}",
        [
            Posting(await account(tx, ESCROW, SYSTEM_OWNER, now), -found.amount),
            Posting(await wallet_of(tx, to, now), found.amount),
        ],
        now,
        actor=None if action == "refund" else actor,
        memo=found.note,
        ref=f"transfer:{found.id}",
    )
    await tx.execute("UPDATE wallet_transfers SET settle_tx=$2 WHERE id=$1", found.id, moved.id)
    note = await post_note(
        tx,
        cid,
        actor,
        {
            "action": note_action,
            "actor": actor,
            "transfer_id": found.id,
            "amount": found.amount,
            "sender_id": found.sender_id,
            "recipient_id": found.recipient_id,
            "seq": found.seq,
        },
        now,
    )
    members = await tx.members(cid)
    tx.append([(m, MessagePosted(note)) for m in members], now)
    return {"transfer_id": found.id, "transaction_id": moved.id}


async def transfer(db: Reader, me: UserId | None, tid: TransferId) -> Transfer:
    """A transfer its sender or recipient may see (`me` None: anyone's, for operators)."""
    row = await db.fetchrow(f"SELECT {TRANSFER_COLS} FROM wallet_transfers WHERE id=$1", tid)
    if row is None:
        raise TransferNotFound(transfer_id=tid)
    found = _transfer_of(row)
    if me is not None and me not in (found.sender_id, found.recipient_id):
        raise TransferNotFound(transfer_id=tid)
    return found


def _job_key(tid: TransferId) -> str:
    return f"{EXPIRY_JOB}:{tid}"


def _transfer_of(r: Row) -> Transfer:
    return Transfer(
        id=TransferId(r[0]),
        conversation_id=ConversationId(r[1]),
        seq=int(r[2]),
        sender_id=UserId(r[3]),
        recipient_id=UserId(r[4]),
        amount=int(r[5]),
        note=r[6],
        status=r[7],
        created_at=Instant(r[8]),
        expires_at=Instant(r[9]),
        settled_at=None if r[10] is None else Instant(r[10]),
    )
