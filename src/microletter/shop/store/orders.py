"""Checkout and the order's life (units of work, both databases).

Checkout is one unit of work: the idempotency key, the payment token, the cart, the
buyer's chosen window (checked), the buyer's conversation with the shop (the order's
contact button), the order, its lines and its first card (a service notice: in that
conversation for a follower of the shop, else in the buyer's service notifications), then,
last, what other checkouts wait for: a place in the delivery window, the stock of every
line (guarded UPDATEs, in variant id order) and the money (the buyer's wallet → the shop's
pending account, and a cover premium → the cover pool). Anything refused rolls all of it
back: no order without its payment, no payment without its order and its stock. Taking the
shared rows last keeps their row locks on PostgreSQL for the last few round trips of the
transaction, not for all of them.

Lock order (PostgreSQL), the same for a checkout and for every later change of an order:
the key's row, the token's row, the buyer's cart lines (checkout) or the order (a change),
the conversation, the card's conversation (the buyer's service conversation, for a
non-follower), the window's place, the variants in id order, then the wallet accounts in
id order (`post`), then the users' logs at commit. So a change posts its card (the order
as it will be) before it touches the places, the stock or the money: one buyer's checkout
at one shop racing a refund of their order at another cannot wait in a circle
(tests/contract/test_shop_lock_order.py). A job (the window's close) starts with its own
row, then the window's orders (in id order), then each buyer's conversation, in buyer
order, for their cards.
"""

from __future__ import annotations

from dataclasses import replace

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant, JsonValue, MessageKind
from microletter.platform import Notice, Source, open_conversation, send_notice
from microletter.ports import Reader, Tx
from microletter.shop.errors import (
    CartEmpty,
    DeliveryMissing,
    NotOrderBuyer,
    OrderStateInvalid,
    OutOfStock,
    RefundExceedsBalance,
    ReturnNotGoods,
    ShopNotFound,
)
from microletter.shop.rules import (
    CLAIMS,
    COVER_POOL,
    DIGITAL,
    OPEN,
    PAGE,
    PENDING,
    REFUNDS,
    RETURNED_JOB,
    RETURNS_STOCK,
    SETTLE_JOB,
    SETTLES,
    CartLine,
    Delivery,
    Order,
    OrderId,
    OrderLine,
    Shop,
    ShopId,
    Status,
    WindowId,
    card_data,
    check_prices,
    check_transition,
    event_of,
    kind_of,
)
from microletter.shop.rules.windows import Opening, check_choice
from microletter.shop.store.carts import cart, empty_cart
from microletter.shop.store.delivery import find_window, free_place, take_place
from microletter.shop.store.rows import ORDER_COLS, load_order, orders_of_rows, shop_of
from microletter.storage import cancel_job, schedule_job
from microletter.wallet import (
    SETTLEMENT,
    SYSTEM_OWNER,
    USER,
    Posting,
    Result,
    TransactionId,
    account,
    accounts_of,
    balance_of,
    post,
    run_once,
    spend_token,
    wallet_of,
)

WINDOW_JOB = "shop.window_closed"
CLOSE_PAGE = 200  # orders told per run of a window's close job


async def checkout(
    tx: Tx,
    me: UserId,
    shop_id: ShopId,
    confirmed_total: int | None,
    delivery: Delivery | None,
    currency: str,
    key: str,
    fingerprint: str,
    token_hash: str,
    now: Instant,
    cover_premium: int = 0,
    settle_ms: int = 0,
) -> tuple[Result, Order | None]:
    """Buy my cart at this shop, once per (me, key): the order's id and its payment's
    transaction id, and the order made (None for a replay of `key`, whose order was
    made before). PriceChanged, OutOfStock, WindowFull, ... leave nothing behind.
    `cover_premium` > 0 buys return-shipping cover (goods only); a digital order's
    settlement is due `settle_ms` after checkout (it is fulfilled at once)."""

    async def work() -> Result:
        await spend_token(tx, me, token_hash, now)
        shop, source = await _shop(tx, shop_id)
        lines = await cart(tx, me, shop_id, lock=True)
        if not lines:
            raise CartEmpty(shop_id=shop_id)
        total = check_prices(lines, confirmed_total)
        kind = kind_of(lines)
        if cover_premium and kind == DIGITAL:
            raise ReturnNotGoods(shop_id=shop_id)
        chosen = None
        if kind != DIGITAL:
            chosen = await _choose_window(tx, shop_id, delivery, shop.time_zone, now)
        cid = await open_conversation(tx, shop_id, me, now)
        status = Status.FULFILLED if kind == DIGITAL else Status.PAID
        order = _new_order(
            oid, shop_id, me, status, kind, total, lines, cover_premium, cid, delivery, chosen, now
        )
        # What names the order is written first; the rows other checkouts wait for (the
        # window's place, the stock, the shop's pending account) are taken last, so on
        # PostgreSQL their locks are held for the few round trips before COMMIT.
        await _write_order(tx, order, lines, pay_tx, currency, shop, source, now, settle_ms)
        legs = await _legs(tx, order, now)
        if chosen is not None:
            await take_place(tx, chosen.window, chosen.day)
        await _take_stock(tx, lines)
        memo, ref = shop.name[:100], f"shop-order:{order.id}"
        await post(tx, "shop.checkout", legs, now, actor=me, memo=memo, ref=ref, tid=pay_tx)
        made.append(order)
        return ids

    # The order's and its payment's ids are chosen first, so the key's row is written
    # with its result at once (one statement, not an INSERT and a late UPDATE).
    oid, pay_tx = OrderId(tx.new_id(now)), TransactionId(tx.new_id(now))
    ids: Result = {"order_id": oid, "transaction_id": pay_tx}
    made: list[Order] = []
    result, first = await run_once(tx, me, key, fingerprint, now, work, ids)
    return result, made[0] if first else None


async def _write_order(
    tx: Tx,
    order: Order,
    lines: list[CartLine],
    pay_tx: int,
    currency: str,
    shop: Shop,
    source: Source,
    now: Instant,
    settle_ms: int,
) -> None:
    """The order, its lines, its jobs and its first card; the cart emptied."""
    await _insert_order(tx, order, pay_tx)
    await _insert_lines(tx, order.id, lines)
    if order.kind == DIGITAL:  # nothing to deliver: fulfilled at once, settled later
        await _schedule_settlement(tx, order.id, settle_ms, now)
    await empty_cart(tx, order.buyer_id, order.shop_id)
    await post_card(tx, order, order.status, currency, shop, source, now)
    if order.window_id is not None:
        await _schedule_close(tx, order, currency, now)


async def _legs(tx: Tx, order: Order, now: Instant) -> list[Posting]:
    """The payment's postings: the buyer's wallet pays the total into the shop's pending
    account, and a cover premium into the cover pool."""
    premium = order.cover_premium
    wanted: list[tuple[str, int]] = [(USER, order.buyer_id), (PENDING, order.shop_id)]
    if premium:
        wanted.append((COVER_POOL, SYSTEM_OWNER))
    found = await accounts_of(tx, wanted, now)
    legs = [Posting(found[0], -order.total - premium), Posting(found[1], order.total)]
    if premium:
        legs.append(Posting(found[2], premium))
    return legs


async def _choose_window(
    tx: Tx, shop_id: ShopId, delivery: Delivery | None, time_zone: str, now: Instant
) -> Opening:
    """The buyer's window and day, checked (its place is taken later)."""
    if delivery is None or not delivery.address:
        raise DeliveryMissing(shop_id=shop_id)
    window = await find_window(tx, shop_id, delivery.area, delivery.window_id)
    return check_choice(window, delivery.day, now, time_zone)


def _order_lines(lines: list[CartLine]) -> tuple[OrderLine, ...]:
    return tuple(
        OrderLine(
            x.variant.id,
            x.variant.product_id,
            f"{x.product_name} ({x.variant.name})" if x.variant.name else x.product_name,
            x.variant.sku,
            x.variant.price,
            x.quantity,
        )
        for x in lines
    )


def _new_order(
    oid: OrderId,
    shop_id: ShopId,
    me: UserId,
    status: str,
    kind: str,
    total: int,
    lines: list[CartLine],
    cover_premium: int,
    cid: ConversationId,
    delivery: Delivery | None,
    chosen: Opening | None,
    now: Instant,
) -> Order:
    """The order as checkout writes it (what `load_order` would read back)."""
    d = delivery if chosen is not None else None
    return Order(
        id=oid,
        shop_id=shop_id,
        buyer_id=me,
        status=status,
        kind=kind,
        total=total,
        conversation_id=cid,
        window_id=None if chosen is None else chosen.window.id,
        day=None if chosen is None else chosen.day,
        starts_at=None if chosen is None else chosen.starts_at,
        ends_at=None if chosen is None else chosen.ends_at,
        area="" if d is None else d.area,
        address="" if d is None else d.address,
        recipient="" if d is None else d.recipient,
        phone="" if d is None else d.phone,
        created_at=now,
        updated_at=now,
        lines=_order_lines(lines),
        cover_premium=cover_premium,
    )


async def _take_stock(tx: Tx, lines: list[CartLine]) -> None:
    for line in sorted(lines, key=lambda x: x.variant.id):
        took = await tx.execute(
            "UPDATE shop_variants SET stock=stock-$2 WHERE id=$1 AND stock >= $2",
            line.variant.id,
            line.quantity,
        )
        if not took:
            left = await tx.fetchval("SELECT stock FROM shop_variants WHERE id=$1", line.variant.id)
            raise OutOfStock(
                variant_id=line.variant.id, sku=line.variant.sku, available=int(left or 0)
            )


async def _schedule_settlement(tx: Tx, oid: OrderId, settle_ms: int, now: Instant) -> None:
    """The order's money moves from pending to the merchant's balance `settle_ms` from
    now: the merchant room's job (SETTLE_JOB), once per order."""
    due = Instant(now + settle_ms)
    await schedule_job(tx, SETTLE_JOB, f"{SETTLE_JOB}:{oid}", {"order_id": oid}, due, now)


async def mark_settled(tx: Tx, oid: OrderId, settled_tx: int) -> bool:
    """Record the transaction that settled the order (the merchant room's settlement),
    once: False if it was settled before."""
    return bool(
        await tx.execute(
            "UPDATE shop_orders SET release_tx=$2 WHERE id=$1 AND release_tx IS NULL",
            oid,
            settled_tx,
        )
    )


async def _insert_order(tx: Tx, o: Order, pay_tx: int) -> None:
    await tx.execute(
        "INSERT INTO shop_orders (id, shop_id, buyer_id, status, kind, total, conversation_id,"
        " window_id, day, starts_at, ends_at, area, address, recipient, phone, pay_tx,"
        " release_tx, refund_tx, created_at, updated_at, cover_premium) VALUES ($1,$2,$3,$4,$5,"
        "$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,NULL,NULL,$17,$17,$18)",
        o.id,
        o.shop_id,
        o.buyer_id,
        o.status,
        o.kind,
        o.total,
        o.conversation_id,
        o.window_id,
        o.day,
        o.starts_at,
        o.ends_at,
        o.area,
        o.address,
        o.recipient,
        o.phone,
        pay_tx,
        o.created_at,
        o.cover_premium,
    )


async def _insert_lines(tx: Tx, oid: OrderId, lines: list[CartLine]) -> None:
    await tx.executemany(
        "INSERT INTO shop_order_lines (order_id, line, variant_id, product_id, name, sku, price,"
        " quantity) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        [
            (
                oid,
                n,
                x.variant.id,
                x.variant.product_id,
                f"{x.product_name} ({x.variant.name})" if x.variant.name else x.product_name,
                x.variant.sku,
                x.variant.price,
                x.quantity,
            )
            for n, x in enumerate(lines)
        ],
    )


async def post_card(
    tx: Tx,
    order: Order,
    event: str,
    currency: str,
    shop: Shop,
    source: Source,
    now: Instant,
    ref: str = "",
) -> None:
    """An `order` card from the shop's account (`source`), through the platform's
    service notifications: in the buyer's conversation with the shop if they follow it,
    else in their service notifications (unless they muted the shop there). A new message
    for every change (the earlier cards are never edited); `ref` names a card that must be
    posted at most once."""
    data = card_data(order, event, currency, shop.name, shop.time_zone)
    ref = ref or f"order:{order.id}:{tx.new_id(now)}"
    await send_notice(tx, Notice(order.buyer_id, source, MessageKind.ORDER, data, ref), now)


async def _shop(tx: Tx, shop_id: ShopId) -> tuple[Shop, Source]:
    """The shop, and its account as its cards' sender (what `platform.account_source`
    reads: the account's name and avatar as they are now), in one statement."""
    row = await tx.fetchrow(
        "SELECT s.id, s.name, s.description, s.time_zone, s.created_at, a.name, a.avatar"
        " FROM shops s LEFT JOIN oa_accounts a ON a.id=s.id WHERE s.id=$1",
        shop_id,
    )
    if row is None:
        raise ShopNotFound(shop_id=shop_id)
    return shop_of(row), Source("account", shop_id, shop_id, row[5] or "", row[6])


async def _schedule_close(tx: Tx, order: Order, currency: str, now: Instant) -> None:
    """The window's close job for the order's window and day: one per (window, day,
    close time), made by its first order and found by the rest (a key that exists makes
    nothing), so a checkout writes no job row of its own and the scheduler runs one job
    per window and day, not one per order. The close time is in the key: a window re-timed
    (only while it has nothing to deliver) gets a job at its new close."""
    assert order.ends_at is not None and order.window_id is not None  # a delivered order
    payload: dict[str, JsonValue] = {
        "window_id": order.window_id,
        "day": order.day,
        "ends_at": order.ends_at,
        "currency": currency,
    }
    key = f"{WINDOW_JOB}:{order.window_id}:{order.day}:{order.ends_at}"
    await schedule_job(tx, WINDOW_JOB, key, payload, order.ends_at, now)


async def change_order(
    tx: Tx,
    oid: OrderId,
    action: str,
    roles: list[str],
    actor: UserId,
    currency: str,
    now: Instant,
    settle_ms: int = 0,
) -> Order:
    """Move the order by `action` (rules.TRANSITIONS) for someone with `roles` towards
    it, with what the action does to the money, the stock and the window's place (a
    delivery schedules the settlement `settle_ms` later)."""
    order = await load_order(tx, oid, lock=True)
    step = check_transition(order, action, roles)
    shop, source = await _shop(tx, order.shop_id)
    ref = f"shop-order:{order.id}"
    # Checkout's lock order: the conversation, the card's conversation (for a
    # non-follower, their service conversation), then the window's place, the stock and
    # the money. The card goes first, as at checkout, with the order as it will be: a
    # card posted after the money would lock the service conversation after the wallet,
    # and a checkout of the same buyer at another shop locks them the other way round
    # (tests/contract/test_shop_lock_order.py).
    await open_conversation(tx, order.shop_id, order.buyer_id, now)
    after = replace(order, status=step.target, updated_at=now)
    event = event_of(action, step.target)
    await post_card(tx, after, event, currency, shop, source, now)
    if action in RETURNS_STOCK:
        if order.window_id is not None and order.day is not None:
            await free_place(tx, order.window_id, order.day)
        for line in sorted(order.lines, key=lambda x: x.variant_id):
            await tx.execute(
                "UPDATE shop_variants SET stock=stock+$2 WHERE id=$1",
                line.variant_id,
                line.quantity,
            )
        moved = await _refund(tx, order, PENDING, actor, ref, now)
        await tx.execute("UPDATE shop_orders SET refund_tx=$2 WHERE id=$1", order.id, moved)
    if action in SETTLES:
        await _schedule_settlement(tx, order.id, settle_ms, now)
    if action in REFUNDS:
        moved = await _refund_paid(tx, order, actor, ref, now)
        await tx.execute("UPDATE shop_orders SET refund_tx=$2 WHERE id=$1", order.id, moved)
    if action in CLAIMS and order.covered:
        key = f"{RETURNED_JOB}:{order.id}"
        await schedule_job(tx, RETURNED_JOB, key, {"order_id": order.id}, now, now)
    changed = await tx.execute(
        "UPDATE shop_orders SET status=$2, updated_at=$3 WHERE id=$1 AND status=$4",
        order.id,
        step.target,
        now,
        order.status,
    )
    if not changed:  # the row is locked: only a bug gets here
        raise OrderStateInvalid(order_id=order.id, status=order.status, action=action)
    return after


async def _refund_paid(tx: Tx, order: Order, actor: UserId, ref: str, now: Instant) -> int:
    """A refund of a paid order: from pending before its settlement (which no longer
    runs), from the merchant's settlement account after it, never below zero."""
    if not order.settled:
        await cancel_job(tx, f"{SETTLE_JOB}:{order.id}", now)
        return await _refund(tx, order, PENDING, actor, ref, now)
    held = await balance_of(tx, SETTLEMENT, order.shop_id)
    if held < order.total:
        raise RefundExceedsBalance(order_id=order.id, balance=held, total=order.total)
    return await _refund(tx, order, SETTLEMENT, actor, ref, now)


async def _refund(tx: Tx, order: Order, source: str, actor: UserId, ref: str, now: Instant) -> int:
    moved = await post(
        tx,
        "shop.refund",
        [
            Posting(await account(tx, source, order.shop_id, now), -order.total),
            Posting(await wallet_of(tx, order.buyer_id, now), order.total),
        ],
        now,
        actor=actor,
        ref=ref,
    )
    return moved.id


async def reschedule(
    tx: Tx, me: UserId, oid: OrderId, window_id: int, day: str, currency: str, now: Instant
) -> Order:
    """The buyer picks a new window for an order not yet delivered (after a missed
    window or a failed delivery): a place in the new one, the old one's freed."""
    order = await load_order(tx, oid, lock=True)
    if order.buyer_id != me:
        raise NotOrderBuyer(order_id=oid)
    if order.status not in OPEN or order.status == Status.OUT_FOR_DELIVERY:
        raise OrderStateInvalid(order_id=oid, status=order.status, action="reschedule")
    shop, source = await _shop(tx, order.shop_id)
    window = await find_window(tx, order.shop_id, order.area, WindowId(window_id))
    chosen = check_choice(window, day, now, shop.time_zone)
    await open_conversation(tx, order.shop_id, order.buyer_id, now)  # locked before the places
    after = replace(
        order,
        window_id=window.id,
        day=chosen.day,
        starts_at=chosen.starts_at,
        ends_at=chosen.ends_at,
        updated_at=now,
    )
    # the card before the places, as at checkout (the module's lock order)
    await post_card(tx, after, "rescheduled", currency, shop, source, now)
    if order.window_id is not None and order.day is not None:
        await free_place(tx, order.window_id, order.day)
    await take_place(tx, window, chosen.day)
    await tx.execute(
        "UPDATE shop_orders SET window_id=$2, day=$3, starts_at=$4, ends_at=$5, updated_at=$6"
        " WHERE id=$1",
        oid,
        window.id,
        chosen.day,
        chosen.starts_at,
        chosen.ends_at,
        now,
    )
    await _schedule_close(tx, after, currency, now)
    return after


async def window_closed(tx: Tx, payload: dict[str, JsonValue], now: Instant) -> None:
    """The scheduler's job at a window's close: every order of that window and day still
    not delivered is told to its buyer, who is offered a new window (the card's
    `window_missed`). The orders are locked in id order (a job starts with its own row,
    then the orders), their cards posted in buyer order; up to CLOSE_PAGE orders per run,
    the rest by a follow-up job. Each
    order's card has a fixed ref, so it is posted once however often a window's close
    runs (a job of an earlier version, keyed per order, runs the same close)."""
    window_id, day = payload.get("window_id"), payload.get("day")
    after = payload.get("after", 0)
    assert isinstance(window_id, int) and isinstance(day, str) and isinstance(after, int)
    rows = await tx.fetch(
        f"SELECT {ORDER_COLS} FROM shop_orders o WHERE o.window_id=$1 AND o.day=$2"
        " AND o.id > $3 AND o.status IN ($4,$5,$6) AND o.ends_at <= $7"
        " ORDER BY o.id LIMIT $8 FOR UPDATE",
        window_id,
        day,
        after,
        *OPEN,
        now,
        CLOSE_PAGE,
    )
    missed = await orders_of_rows(tx, rows)
    if not missed:
        return
    shop, source = await _shop(tx, missed[0].shop_id)
    currency = str(payload.get("currency", ""))
    # the cards in buyer order: each buyer's card locks one conversation of theirs, so two
    # windows closing at once lock the conversations they share in the same order
    for order in sorted(missed, key=lambda o: (o.buyer_id, o.id)):
        ref = f"order:{order.id}:missed:{window_id}:{day}"
        await post_card(tx, order, "window_missed", currency, shop, source, now, ref=ref)
    if len(missed) == CLOSE_PAGE:  # more: the next page in a job of its own
        last = missed[-1].id
        rest: dict[str, JsonValue] = {**payload, "after": last}
        await schedule_job(
            tx, WINDOW_JOB, f"{WINDOW_JOB}:{window_id}:{day}:>{last}", rest, now, now
        )


# --- reads ---


async def order(db: Reader, oid: OrderId) -> Order:
    return await load_order(db, oid)


async def orders_of_buyer(db: Reader, me: UserId, before: int | None) -> list[Order]:
    rows = await db.fetch(
        f"SELECT {ORDER_COLS} FROM shop_orders o WHERE o.buyer_id=$1 AND o.id < $2"
        " ORDER BY o.id DESC LIMIT $3",
        me,
        before if before is not None else 1 << 62,
        PAGE,
    )
    return await orders_of_rows(db, rows)


async def orders_of_shop(
    db: Reader, shop_id: ShopId, status: str | None, before: int | None
) -> list[Order]:
    rows = await db.fetch(
        f"SELECT {ORDER_COLS} FROM shop_orders o WHERE o.shop_id=$1 AND o.id < $2"
        " AND ($3::text IS NULL OR o.status=$3) ORDER BY o.id DESC LIMIT $4",
        shop_id,
        before if before is not None else 1 << 62,
        status,
        PAGE,
    )
    return await orders_of_rows(db, rows)


async def orders_on(db: Reader, shop_id: ShopId, day: str) -> list[Order]:
    """The shop's orders to deliver in windows of a local day (not cancelled)."""
    rows = await db.fetch(
        f"SELECT {ORDER_COLS} FROM shop_orders o WHERE o.shop_id=$1 AND o.day=$2"
        " AND o.status <> $3 ORDER BY o.starts_at, o.id",
        shop_id,
        day,
        Status.CANCELLED,
    )
    return await orders_of_rows(db, rows)
