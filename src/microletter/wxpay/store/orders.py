"""Orders and refunds (units of work, both databases).

Paying is one unit of work: the payer's payment token is spent, the order row locked and
moved from NOTPAY to SUCCESS by a guarded UPDATE, the money posted (payer's wallet →
the merchant's settlement account) and the notification scheduled, so all of it commits
or none. A refund locks the order too, so two refunds of one order are counted one
after the other and never add up past its amount.

Lock order (PostgreSQL): the idempotency key's row, the payment token's row, the order,
then the wallet accounts in id order (the wallet's own order, with the order in place of
the conversation).
"""

from __future__ import annotations

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.ports import Reader, Row, Tx
from microletter.storage import schedule_job
from microletter.wallet import (
    SETTLEMENT,
    InsufficientFunds,
    Posting,
    account,
    post,
    run_once,
    spend_token,
    wallet_of,
)
from microletter.wxpay.errors import (
    WxPayNotPayer,
    WxPayOrderClosed,
    WxPayOrderNotFound,
    WxPayOrderNotPaid,
    WxPayOrderPaid,
    WxPayOutTradeNoUsed,
    WxPayParamInvalid,
    WxPayRefundExceeds,
    WxPayRefundMismatch,
    WxPayRefundNotFound,
    WxPaySettlementShort,
)
from microletter.wxpay.rules import (
    JSAPI,
    PAGE,
    PAID,
    NewOrder,
    Order,
    Refund,
    State,
    check_payable,
    state_at,
)

NOTIFY_JOB = "wxpay.notify"
REFUND_NOTIFY_JOB = "wxpay.refund_notify"
ORDER_COLS = (
    "id, account_id, out_trade_no, trade_type, body, detail, attach, total_fee, fee_type,"
    " notify_url, openid, product_id, device_info, sign_type, prepay_id, code, state,"
    " created_at, expires_at, payer_id, paid_at, pay_tx, closed_at, refunded_fee,"
    " notified_at, notify_error"
)
REFUND_COLS = (
    "id, order_id, account_id, out_refund_no, refund_fee, refund_desc, status, created_at,"
    " refund_tx, notify_url, notified_at, notify_error"
)
Result = dict[str, JsonValue]


async def create_order(
    tx: Tx, account_id: UserId, new: NewOrder, prepay_id: str, code: str | None, now: Instant
) -> tuple[Order, bool]:
    """A new order, or the one this out_trade_no made before if it asked for the same
    (True if new). OUT_TRADE_NO_USED for the same number with other terms; ORDERPAID or
    ORDERCLOSED if that order is paid or closed."""
    made = await tx.execute(
        f"INSERT INTO wxpay_orders ({ORDER_COLS}, client_ip, request_hash) VALUES"
        " ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,NULL,NULL,"
        " NULL,NULL,0,NULL,NULL,$20,$21) ON CONFLICT (account_id, out_trade_no) DO NOTHING",
        tx.new_id(now),
        account_id,
        new.out_trade_no,
        new.trade_type,
        new.body,
        new.detail,
        new.attach,
        new.total_fee,
        new.fee_type,
        new.notify_url,
        new.openid,
        new.product_id,
        new.device_info,
        new.sign_type,
        prepay_id,
        code,
        State.NOTPAY,
        now,
        new.expires_at,
        new.client_ip,
        new.request_hash(),
    )
    row = await tx.fetchrow(
        f"SELECT {ORDER_COLS}, request_hash FROM wxpay_orders"
        " WHERE account_id=$1 AND out_trade_no=$2",
        account_id,
        new.out_trade_no,
    )
    assert row is not None  # inserted, or the conflict that stopped the insert
    order = _order(row)
    if made:
        return order, True
    state = state_at(order, now)
    if state in PAID:
        raise WxPayOrderPaid(out_trade_no=order.out_trade_no)
    if state == State.CLOSED:
        raise WxPayOrderClosed(out_trade_no=order.out_trade_no)
    if row[26] != new.request_hash():
        raise WxPayOutTradeNoUsed(out_trade_no=order.out_trade_no)
    return order, False


async def order(
    db: Reader, account_id: UserId, out_trade_no: str | None, order_id: int | None
) -> Order:
    """A merchant's order by its out_trade_no or by our id (from its transaction_id)."""
    if order_id is not None:
        row = await db.fetchrow(
            f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE id=$1 AND account_id=$2",
            order_id,
            account_id,
        )
    else:
        row = await db.fetchrow(
            f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE account_id=$1 AND out_trade_no=$2",
            account_id,
            out_trade_no,
        )
    if row is None:
        raise WxPayOrderNotFound(out_trade_no=out_trade_no)
    return _order(row)


async def order_by_id(db: Reader, order_id: int) -> Order:
    row = await db.fetchrow(f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE id=$1", order_id)
    if row is None:
        raise WxPayOrderNotFound()
    return _order(row)


async def order_to_pay(db: Reader, code: str | None, prepay_id: str | None) -> Order:
    """The order a pay code (NATIVE) or a prepay_id (JSAPI) names."""
    if code:
        row = await db.fetchrow(f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE code=$1", code)
    else:
        row = await db.fetchrow(
            f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE prepay_id=$1", prepay_id or ""
        )
    if row is None:
        raise WxPayOrderNotFound()
    return _order(row)


async def close_order(tx: Tx, account_id: UserId, out_trade_no: str, now: Instant) -> Order:
    """Close an unpaid order (for good: it can never be paid)."""
    found = await order(tx, account_id, out_trade_no, None)
    closed = await tx.execute(
        "UPDATE wxpay_orders SET state=$2, closed_at=$3 WHERE id=$1 AND state=$4",
        found.id,
        State.CLOSED,
        now,
        State.NOTPAY,
    )
    if not closed:
        if found.state in PAID:
            raise WxPayOrderPaid(out_trade_no=out_trade_no)
        raise WxPayOrderClosed(out_trade_no=out_trade_no)
    return await order_by_id(tx, found.id)


async def pay_order(
    tx: Tx,
    me: UserId,
    order_id: int,
    my_openid: str,
    key: str,
    fingerprint: str,
    token_hash: str,
    now: Instant,
) -> tuple[Result, bool]:
    """Pay an order from my wallet, once per (me, key): the money moves to the merchant's
    settlement account and the notification is scheduled, in this one transaction."""

    async def work() -> Result:
        await spend_token(tx, me, token_hash, now)
        row = await tx.fetchrow(
            f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE id=$1 FOR UPDATE", order_id
        )
        if row is None:
            raise WxPayOrderNotFound()
        found = _order(row)
        check_payable(found, now)
        if found.trade_type == JSAPI and found.openid != my_openid:
            raise WxPayNotPayer(out_trade_no=found.out_trade_no)
        moved = await post(
            tx,
            "wxpay.pay",
            [
                Posting(await wallet_of(tx, me, now), -found.total_fee),
                Posting(await account(tx, SETTLEMENT, found.account_id, now), found.total_fee),
            ],
            now,
            actor=me,
            memo=found.body,
            ref=f"wxpay:{found.id}",
        )
        paid = await tx.execute(
            "UPDATE wxpay_orders SET state=$2, payer_id=$3, paid_at=$4, pay_tx=$5"
            " WHERE id=$1 AND state=$6",
            found.id,
            State.SUCCESS,
            me,
            now,
            moved.id,
            State.NOTPAY,
        )
        if not paid:  # the row is locked: only a bug gets here; roll the money back
            raise WxPayOrderPaid(out_trade_no=found.out_trade_no)
        job_key = f"{NOTIFY_JOB}:{found.id}"
        await schedule_job(tx, NOTIFY_JOB, job_key, {"order_id": found.id}, now, now)
        return {"order_id": found.id, "transaction_id": moved.id}

    return await run_once(tx, me, key, fingerprint, now, work)


async def refund(
    tx: Tx,
    account_id: UserId,
    out_trade_no: str | None,
    order_id: int | None,
    out_refund_no: str,
    total_fee: int,
    refund_fee: int,
    desc: str,
    now: Instant,
    notify_url: str | None = None,
) -> tuple[Refund, bool]:
    """Refund part or all of a paid order to its payer (True if new; the same
    out_refund_no again returns the first refund). With `notify_url`, its notification
    is scheduled in the same transaction."""
    found = await order(tx, account_id, out_trade_no, order_id)
    row = await tx.fetchrow(
        f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE id=$1 FOR UPDATE", found.id
    )
    assert row is not None  # found just above; orders are never deleted
    found = _order(row)
    earlier = await tx.fetchrow(
        f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE account_id=$1 AND out_refund_no=$2",
        account_id,
        out_refund_no,
    )
    if earlier is not None:
        before = _refund(earlier)
        if before.order_id != found.id or before.refund_fee != refund_fee:
            raise WxPayRefundMismatch(out_refund_no=out_refund_no)
        return before, False
    if found.state not in PAID or found.payer_id is None:
        raise WxPayOrderNotPaid(out_trade_no=found.out_trade_no)
    if total_fee != found.total_fee:
        raise WxPayParamInvalid(
            "total_fee is not the order's amount.", field="total_fee", total_fee=found.total_fee
        )
    if found.refunded_fee + refund_fee > found.total_fee:
        raise WxPayRefundExceeds(refundable=found.total_fee - found.refunded_fee)
    try:
        moved = await post(
            tx,
            "wxpay.refund",
            [
                Posting(await account(tx, SETTLEMENT, account_id, now), -refund_fee),
                Posting(await wallet_of(tx, found.payer_id, now), refund_fee),
            ],
            now,
            actor=account_id,
            memo=desc or found.body,
            ref=f"wxpay:{found.id}",
        )
    except InsufficientFunds:
        raise WxPaySettlementShort(refund_fee=refund_fee) from None
    rid = tx.new_id(now)
    await tx.execute(
        f"INSERT INTO wxpay_refunds ({REFUND_COLS})"
        " VALUES ($1,$2,$3,$4,$5,$6,'SUCCESS',$7,$8,$9,NULL,NULL)",
        rid,
        found.id,
        account_id,
        out_refund_no,
        refund_fee,
        desc,
        now,
        moved.id,
        notify_url,
    )
    if notify_url:
        job_key = f"{REFUND_NOTIFY_JOB}:{rid}"
        await schedule_job(tx, REFUND_NOTIFY_JOB, job_key, {"refund_id": rid}, now, now)
    await tx.execute(
        "UPDATE wxpay_orders SET refunded_fee = refunded_fee + $2, state=$3 WHERE id=$1",
        found.id,
        refund_fee,
        State.REFUND,
    )
    made = await tx.fetchrow(f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE id=$1", rid)
    assert made is not None
    return _refund(made), True


async def refunds_of(db: Reader, order_id: int) -> list[Refund]:
    rows = await db.fetch(
        f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE order_id=$1 ORDER BY id", order_id
    )
    return [_refund(r) for r in rows]


async def refund_by(
    db: Reader, account_id: UserId, out_refund_no: str | None, refund_row: int | None
) -> Refund:
    if refund_row is not None:
        row = await db.fetchrow(
            f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE id=$1 AND account_id=$2",
            refund_row,
            account_id,
        )
    else:
        row = await db.fetchrow(
            f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE account_id=$1 AND out_refund_no=$2",
            account_id,
            out_refund_no,
        )
    if row is None:
        raise WxPayRefundNotFound(out_refund_no=out_refund_no)
    return _refund(row)


async def refund_by_id(db: Reader, refund_row: int) -> Refund:
    row = await db.fetchrow(f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE id=$1", refund_row)
    if row is None:
        raise WxPayRefundNotFound()
    return _refund(row)


async def orders_page(db: Reader, account_id: UserId, before: int | None) -> list[Order]:
    """A merchant's orders, newest first, `PAGE` at a time."""
    rows = await db.fetch(
        f"SELECT {ORDER_COLS} FROM wxpay_orders WHERE account_id=$1 AND id < $2"
        " ORDER BY id DESC LIMIT $3",
        account_id,
        before or 2**63 - 1,
        PAGE,
    )
    return [_order(r) for r in rows]


async def refunds_page(db: Reader, account_id: UserId, before: int | None) -> list[Refund]:
    rows = await db.fetch(
        f"SELECT {REFUND_COLS} FROM wxpay_refunds WHERE account_id=$1 AND id < $2"
        " ORDER BY id DESC LIMIT $3",
        account_id,
        before or 2**63 - 1,
        PAGE,
    )
    return [_refund(r) for r in rows]


async def record_notification(tx: Tx, order_id: int, error: str | None, now: Instant) -> None:
    """The notification was acknowledged (`error` None) or given up on."""
    if error is None:
        await tx.execute(
            "UPDATE wxpay_orders SET notified_at=$2, notify_error=NULL WHERE id=$1", order_id, now
        )
    else:
        await tx.execute(
            "UPDATE wxpay_orders SET notify_error=$2 WHERE id=$1", order_id, error[:200]
        )


async def record_refund_notification(
    tx: Tx, refund_row: int, error: str | None, now: Instant
) -> None:
    """A refund's notification was acknowledged (`error` None) or given up on."""
    if error is None:
        await tx.execute(
            "UPDATE wxpay_refunds SET notified_at=$2, notify_error=NULL WHERE id=$1",
            refund_row,
            now,
        )
    else:
        await tx.execute(
            "UPDATE wxpay_refunds SET notify_error=$2 WHERE id=$1", refund_row, error[:200]
        )


def _order(r: Row) -> Order:
    return Order(
        id=int(r[0]),
        account_id=UserId(r[1]),
        out_trade_no=r[2],
        trade_type=r[3],
        body=r[4],
        detail=r[5],
        attach=r[6],
        total_fee=int(r[7]),
        fee_type=r[8],
        notify_url=r[9],
        openid=r[10],
        product_id=r[11],
        device_info=r[12],
        sign_type=r[13],
        prepay_id=r[14],
        code=r[15],
        state=r[16],
        created_at=Instant(r[17]),
        expires_at=Instant(r[18]),
        payer_id=None if r[19] is None else UserId(r[19]),
        paid_at=None if r[20] is None else Instant(r[20]),
        pay_tx=None if r[21] is None else int(r[21]),
        closed_at=None if r[22] is None else Instant(r[22]),
        refunded_fee=int(r[23]),
        notified_at=None if r[24] is None else Instant(r[24]),
        notify_error=r[25],
    )


def _refund(r: Row) -> Refund:
    return Refund(
        id=int(r[0]),
        order_id=int(r[1]),
        account_id=UserId(r[2]),
        out_refund_no=r[3],
        refund_fee=int(r[4]),
        refund_desc=r[5],
        status=r[6],
        created_at=Instant(r[7]),
        refund_tx=int(r[8]),
        notify_url=r[9],
        notified_at=None if r[10] is None else Instant(r[10]),
        notify_error=r[11],
    )
