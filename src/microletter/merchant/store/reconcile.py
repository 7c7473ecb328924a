"""Reconcile the merchant room's rows against the ledger (a read, one snapshot): every
shop's pending account holds exactly its paid, unsettled, unrefunded orders and chapter
purchases; the cover pool is premiums + fundings - paid claims; the credit pool is
fundings - draws + repayments; every line owes its draws and fees less its repayments;
and every settled order's (and purchase's) settlement row names the transaction that
settled it. The ledger's own checks (wallet.reconcile_ledger) prove the balances are the
sums of their postings."""

from __future__ import annotations

from microletter.merchant.rules import COVER, CREDIT, CREDIT_POOL, ORDER, PAID, PURCHASE, Finding
from microletter.ports import Reader
from microletter.shop import COVER_POOL, PENDING
from microletter.storage import snapshot
from microletter.wallet import SYSTEM_OWNER, balance_of

OUT_OF_PENDING = ("cancelled", "refunded")


@snapshot
async def reconcile(db: Reader) -> list[Finding]:
    found: list[Finding] = []
    for r in await db.fetch(
        "SELECT a.owner_id, a.balance, COALESCE(o.held, 0) + COALESCE(p.held, 0)"
        " FROM wallet_accounts a LEFT JOIN"
        " (SELECT shop_id, sum(total) AS held FROM shop_orders WHERE release_tx IS NULL"
        " AND NOT (status = ANY($2::text[])) GROUP BY shop_id) o ON o.shop_id = a.owner_id"
        " LEFT JOIN (SELECT shop_id, sum(amount) AS held FROM books_purchases"
        " WHERE release_tx IS NULL AND refund_tx IS NULL GROUP BY shop_id) p"
        " ON p.shop_id = a.owner_id"
        " WHERE a.kind=$1 AND a.balance <> COALESCE(o.held, 0) + COALESCE(p.held, 0)",
        PENDING,
        list(OUT_OF_PENDING),
    ):
        found.append(Finding("pending", int(r[0]), int(r[2]), int(r[1])))
    premiums = await db.fetchval("SELECT COALESCE(sum(cover_premium), 0) FROM shop_orders")
    claimed = await db.fetchval(
        "SELECT COALESCE(sum(amount), 0) FROM merchant_claims WHERE status=$1", PAID
    )
    cover = int(premiums) + await _funded(db, COVER) - int(claimed)
    if (held := await balance_of(db, COVER_POOL, SYSTEM_OWNER)) != cover:
        found.append(Finding("cover_pool", 0, cover, held))
    drawn = await db.fetchval("SELECT COALESCE(sum(amount), 0) FROM merchant_draws")
    repaid = await db.fetchval("SELECT COALESCE(sum(amount), 0) FROM merchant_repayments")
    credit = await _funded(db, CREDIT) - int(drawn) + int(repaid)
    if (held := await balance_of(db, CREDIT_POOL, SYSTEM_OWNER)) != credit:
        found.append(Finding("credit_pool", 0, credit, held))
    for r in await db.fetch(
        "SELECT l.shop_id, l.owed, COALESCE(d.owes, 0) - COALESCE(p.paid, 0) FROM merchant_lines l"
        " LEFT JOIN (SELECT shop_id, sum(amount + fee) AS owes FROM merchant_draws"
        " GROUP BY shop_id) d ON d.shop_id = l.shop_id"
        " LEFT JOIN (SELECT shop_id, sum(amount) AS paid FROM merchant_repayments"
        " GROUP BY shop_id) p ON p.shop_id = l.shop_id"
        " WHERE l.owed <> COALESCE(d.owes, 0) - COALESCE(p.paid, 0) OR l.owed < 0"
    ):
        found.append(Finding("credit_line", int(r[0]), int(r[2]), int(r[1])))
    for r in await db.fetch(
        "SELECT o.id, o.total, COALESCE(s.amount, -1) FROM shop_orders o"
        " LEFT JOIN merchant_settlements s ON s.order_id = o.id AND s.kind = $1"
        " WHERE (o.release_tx IS NULL) <> (s.order_id IS NULL)"
        " OR o.release_tx <> s.transaction_id OR o.total <> s.amount",
        ORDER,
    ):
        found.append(Finding("settlement", int(r[0]), int(r[1]), int(r[2])))
    for r in await db.fetch(
        "SELECT p.id, p.amount, COALESCE(s.amount, -1) FROM books_purchases p"
        " LEFT JOIN merchant_settlements s ON s.order_id = p.id AND s.kind = $1"
        " WHERE (p.release_tx IS NULL) <> (s.order_id IS NULL)"
        " OR p.release_tx <> s.transaction_id OR p.amount <> s.amount",
        PURCHASE,
    ):
        found.append(Finding("settlement", int(r[0]), int(r[1]), int(r[2])))
    return found


async def _funded(db: Reader, pool: str) -> int:
    total = await db.fetchval(
        "SELECT COALESCE(sum(amount), 0) FROM merchant_pool_fundings WHERE pool=$1", pool
    )
    return int(total)
