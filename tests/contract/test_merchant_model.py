"""Property: random orders (goods and digital, with and without return-shipping cover),
deliveries, cancels, returns, refunds, settlements (some run twice), claims (some made
twice), operators' fundings of the pools, credit draws (some over the limit or while
drawn) and repayments, and chapter and whole-work purchases with their settlement jobs
(some run twice) and refunds, on the real stores (SQLite) agree with a plain reference
model.
After every step money is conserved (every wallet, the shop's pending and settled
money, both pools and what the credit line owes are what the model says and add up to
what was put in), nothing that must not go negative is below zero, every refusal moved
nothing, and both the ledger and the merchant room reconcile."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from microletter.books.errors import (
    ChapterAlreadyBought,
    PurchaseRefundExceedsBalance,
    WorkAlreadyBought,
)
from microletter.books.rules import ShopId as BookShop
from microletter.books.rules import WorkId
from microletter.books.store import BooksStore
from microletter.core.errors import MicroletterError
from microletter.core.ids import UserId
from microletter.merchant.errors import (
    AlreadySettled,
    ClaimExists,
    ClaimNotDue,
    CreditLineInUse,
    CreditOverLimit,
    CreditPoolShort,
    NotCovered,
    NothingOwed,
    NotSettleable,
)
from microletter.merchant.rules import CREDIT_POOL, Terms
from microletter.merchant.store import MerchantStore
from microletter.merchant.store.settlement import settle_job
from microletter.shop.errors import OrderStateInvalid, RefundExceedsBalance, ReturnNotGoods
from microletter.shop.rules import (
    BUYER,
    COVER_POOL,
    OWNER,
    PENDING,
    Delivery,
    NewVariant,
    OrderId,
)
from microletter.shop.rules.windows import NewWindow
from microletter.shop.store import ShopStore
from microletter.wallet import SETTLEMENT, SYSTEM_OWNER, USER, InsufficientFunds
from tests.support.ledger import LedgerMachine
from tests.support.shopmodel import DAY, NOW, OPERATOR, funded_people, open_shop

BUYERS = 3
TERMS = Terms(
    settle_after_ms=0, cover_premium=50, claim_amount=400, credit_share_percent=20, credit_fee=30
)
GOODS, BOOK = 700, 250  # the prices of a physical and a digital product
CHAPTER, WORK, CHAPTERS, WHOLE = 120, 500, 4, 0  # a serialized work, all chapters paid


@dataclass
class Model:
    """An order as the model sees it."""

    buyer: UserId
    status: str
    total: int
    covered: bool
    physical: bool
    settled: bool = False
    claimed: bool = False


@dataclass
class Bought:
    """A chapter (or whole-work) purchase as the model sees it."""

    reader: UserId
    chapter: int
    amount: int
    settled: bool = False
    refunded: bool = False


class Merchant(LedgerMachine):
    prefix = "merchant-model-"

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW  # payment tokens are made at the shop's time
        self.shops = ShopStore(self.store.db)
        self.merchant = MerchantStore(self.store.db)
        dev, self.sid = open_shop(self, "Tea", NOW)
        zone = self.run(
            self.shops.add_zone(self.sid, "All", ["200001"], [NewWindow(600, 720, 10_000)], NOW)
        )
        self.window = zone.windows[0]
        goods = self.run(
            self.shops.add_product(
                dev, self.sid, None, "Tea", "", "physical", [], None,
                [NewVariant("A", "", GOODS, 100_000)], NOW,
            )
        )  # fmt: skip
        book = self.run(
            self.shops.add_product(
                dev, self.sid, None, "Book", "", "digital", [], None,
                [NewVariant("B", "", BOOK, 100_000)], NOW,
            )
        )  # fmt: skip
        self.goods, self.book = goods.variants[0].id, book.variants[0].id
        self.wallets = funded_people(self, "b", BUYERS, 3000, NOW)
        self.buyers = list(self.wallets)
        self.put_in = sum(self.wallets.values())
        self.orders: dict[int, Model] = {}
        self.books = BooksStore(self.store.db)
        work = self.run(
            self.books.save_work(None, BookShop(self.sid), "Night", "", "", 0, CHAPTER, WORK, NOW)
        )
        self.wid = WorkId(work.id)
        for n in range(1, CHAPTERS + 1):
            self.run(
                self.books.publish_chapter(BookShop(self.sid), self.wid, f"C{n}", "t", "Tea", NOW)
            )
        self.bought: dict[int, Bought] = {}
        self.pending = self.balance = self.cover = self.credit = self.owed = self.sales = 0
        self.waiting: list[int] = []  # claims waiting for the cover pool, oldest first

    # --- orders ---

    @rule(
        who=st.integers(0, BUYERS - 1),
        physical=st.booleans(),
        cover=st.booleans(),
        quantity=st.integers(1, 4),
    )
    def buy(self, who: int, physical: bool, cover: bool, quantity: int) -> None:
        buyer = self.buyers[who]
        vid = self.goods if physical else self.book
        self.run(self.shops.set_line(buyer, self.sid, vid, quantity, NOW))
        total = (GOODS if physical else BOOK) * quantity
        premium = TERMS.cover_premium if cover else 0
        expected: type[MicroletterError] | None = None
        if cover and not physical:
            expected = ReturnNotGoods
        elif self.wallets[buyer] < total + premium:
            expected = InsufficientFunds
        delivery = Delivery("200001", "1 Road", "", "", self.window.id, DAY) if physical else None
        try:
            outcome = self.run(
                self.shops.checkout(
                    buyer, self.sid, None, delivery, "CNY", self.key(), "fp",
                    self.token(buyer), NOW, premium, TERMS.settle_after_ms,
                )
            )  # fmt: skip
        except (ReturnNotGoods, InsufficientFunds) as refused:
            assert type(refused) is expected, (refused, expected)
            self.run(self.shops.set_line(buyer, self.sid, vid, 0, NOW))
            return
        assert expected is None, expected
        found = outcome.value[0]["order_id"]
        assert isinstance(found, int)
        oid = found
        self.wallets[buyer] -= total + premium
        self.pending += total
        self.cover += premium
        self.orders[oid] = Model(buyer, "paid" if physical else "fulfilled", total, cover, physical)

    def pick(self, n: int) -> tuple[int, Model]:
        oid = sorted(self.orders)[n % len(self.orders)]
        return oid, self.orders[oid]

    def change(self, oid: int, action: str, as_buyer: bool = False) -> None:
        order = self.orders[oid]
        roles = [BUYER] if as_buyer else [OWNER]
        actor = order.buyer if as_buyer else OPERATOR
        self.run(
            self.shops.change_order(
                OrderId(oid), action, roles, actor, "CNY", NOW, TERMS.settle_after_ms
            )
        )

    @precondition(lambda self: any(o.status == "paid" for o in self.orders.values()))
    @rule(n=st.integers(0, 10**6))
    def deliver(self, n: int) -> None:
        paid = sorted(i for i, o in self.orders.items() if o.status == "paid")
        oid = paid[n % len(paid)]
        for action in ("pack", "dispatch", "deliver"):
            self.change(oid, action)
        self.orders[oid].status = "delivered"

    @precondition(lambda self: bool(self.orders))
    @rule(n=st.integers(0, 10**6))
    def cancel(self, n: int) -> None:
        oid, o = self.pick(n)
        try:
            self.change(oid, "cancel")
        except OrderStateInvalid:
            assert o.status not in ("paid", "packed")
            return
        assert o.status == "paid"
        self.pending -= o.total
        self.wallets[o.buyer] += o.total  # the premium bought cover: it is not returned
        o.status = "cancelled"

    @precondition(lambda self: bool(self.orders))
    @rule(n=st.integers(0, 10**6))
    def request_return(self, n: int) -> None:
        oid, o = self.pick(n)
        try:
            self.change(oid, "request_return", as_buyer=True)
        except ReturnNotGoods:
            assert not o.physical
            return
        except OrderStateInvalid:
            assert o.physical and o.status != "delivered"
            return
        assert o.physical and o.status == "delivered"
        o.status = "return_requested"

    @precondition(lambda self: bool(self.orders))
    @rule(n=st.integers(0, 10**6))
    def confirm_return(self, n: int) -> None:
        oid, o = self.pick(n)
        try:
            self.change(oid, "confirm_return")
        except OrderStateInvalid:
            assert o.status != "return_requested"
            return
        assert o.status == "return_requested"
        o.status = "returned"

    @precondition(lambda self: bool(self.orders))
    @rule(n=st.integers(0, 10**6))
    def refund(self, n: int) -> None:
        oid, o = self.pick(n)
        refundable = ("delivered", "fulfilled", "return_requested", "returned")
        try:
            self.change(oid, "refund")
        except OrderStateInvalid:
            assert o.status not in refundable
            return
        except RefundExceedsBalance:
            assert o.settled and self.balance < o.total
            return
        assert o.status in refundable
        if o.settled:
            assert self.balance >= o.total
            self.balance -= o.total
        else:
            self.pending -= o.total
        self.wallets[o.buyer] += o.total
        o.status = "refunded"

    # --- settlement ---

    @precondition(lambda self: bool(self.orders))
    @rule(n=st.integers(0, 10**6), twice=st.booleans())
    def settle(self, n: int, twice: bool) -> None:
        oid, o = self.pick(n)
        settleable = ("delivered", "fulfilled", "return_requested", "returned")
        try:
            done = self.run(self.merchant.settle(OrderId(oid), NOW))
        except AlreadySettled:
            assert o.settled
            return
        except NotSettleable:
            assert not o.settled and o.status not in settleable
            return
        assert not o.settled and o.status in settleable
        repaid = min(self.owed, o.total)
        assert (done.amount, done.repaid) == (o.total, repaid)
        self.pending -= o.total
        self.balance += o.total - repaid
        self.credit += repaid
        self.owed -= repaid
        self.sales += o.total
        o.settled = True
        if twice:  # the job run again: refused, nothing moves (the invariants check)
            try:
                self.run(self.merchant.settle(OrderId(oid), NOW))
            except AlreadySettled:
                return
            raise AssertionError("an order was settled twice")

    # --- chapter purchases ---

    def owns(self, reader: UserId, chapter: int) -> bool:
        return any(
            b.reader == reader and b.chapter == chapter and not b.refunded
            for b in self.bought.values()
        )

    @rule(who=st.integers(0, BUYERS - 1), chapter=st.integers(WHOLE, CHAPTERS))
    def buy_chapter(self, who: int, chapter: int) -> None:
        reader = self.buyers[who]
        price = WORK if chapter == WHOLE else CHAPTER
        expected: type[MicroletterError] | None = None
        if self.owns(reader, WHOLE):
            expected = WorkAlreadyBought if chapter == WHOLE else ChapterAlreadyBought
        elif chapter != WHOLE and self.owns(reader, chapter):
            expected = ChapterAlreadyBought
        elif self.wallets[reader] < price:
            expected = InsufficientFunds
        try:
            outcome = self.run(
                self.books.buy(
                    reader, self.wid, chapter, None, self.token(reader), None, self.key(),
                    "fp", NOW, TERMS.settle_after_ms,
                )
            )  # fmt: skip
        except (WorkAlreadyBought, ChapterAlreadyBought, InsufficientFunds) as refused:
            assert type(refused) is expected, (refused, expected)
            return
        assert expected is None, expected
        pid = outcome.value[0]["purchase_id"]
        assert isinstance(pid, int)
        self.wallets[reader] -= price
        self.pending += price
        self.bought[pid] = Bought(reader, chapter, price)

    async def job(self, pid: int) -> None:
        await self.store.db.write(settle_job, {"purchase_id": pid}, NOW)

    def pick_bought(self, n: int) -> tuple[int, Bought]:
        pid = sorted(self.bought)[n % len(self.bought)]
        return pid, self.bought[pid]

    @precondition(lambda self: bool(self.bought))
    @rule(n=st.integers(0, 10**6), twice=st.booleans())
    def settle_purchase(self, n: int, twice: bool) -> None:
        """The purchase's settlement job (run twice at times: it settles once)."""
        pid, b = self.pick_bought(n)
        for _ in range(2 if twice else 1):
            self.run(self.job(pid))
            if b.settled or b.refunded:
                continue  # nothing moved (the invariants check)
            repaid = min(self.owed, b.amount)
            self.pending -= b.amount
            self.balance += b.amount - repaid
            self.credit += repaid
            self.owed -= repaid
            self.sales += b.amount
            b.settled = True

    @precondition(lambda self: bool(self.bought))
    @rule(n=st.integers(0, 10**6))
    def refund_purchase(self, n: int) -> None:
        pid, b = self.pick_bought(n)
        try:
            outcome = self.run(self.books.refund(pid, OPERATOR, NOW))
        except PurchaseRefundExceedsBalance:
            assert b.settled and not b.refunded and self.balance < b.amount
            return
        found, first = outcome.value
        assert found.refunded and first == (not b.refunded)
        if not first:
            return
        if b.settled:
            assert self.balance >= b.amount
            self.balance -= b.amount
        else:
            self.pending -= b.amount
        self.wallets[b.reader] += b.amount
        b.refunded = True

    # --- cover ---

    @precondition(lambda self: bool(self.orders))
    @rule(n=st.integers(0, 10**6))
    def claim(self, n: int) -> None:
        oid, o = self.pick(n)
        try:
            found = self.run(self.merchant.file_claim(OrderId(oid), TERMS.claim_amount, NOW))
        except NotCovered:
            assert not o.covered
            return
        except ClaimExists:
            assert o.covered and o.claimed
            return
        except ClaimNotDue:
            assert o.covered and not o.claimed and o.status != "returned"
            return
        assert o.covered and not o.claimed and o.status == "returned"
        o.claimed = True
        if self.cover >= TERMS.claim_amount:
            assert found.status == "paid"
            self.pay(oid)
        else:
            assert found.status == "waiting"
            self.waiting.append(oid)

    def pay(self, oid: int) -> None:
        self.cover -= TERMS.claim_amount
        self.wallets[self.orders[oid].buyer] += TERMS.claim_amount

    @rule(pool=st.sampled_from(["cover", "credit"]), amount=st.sampled_from([100, 400, 5000]))
    def fund(self, pool: str, amount: int) -> None:
        self.run(self.merchant.fund_pool(OPERATOR, pool, amount, "top up", self.key(), "fp", NOW))
        self.put_in += amount
        if pool == "credit":
            self.credit += amount
            return
        self.cover += amount
        while self.waiting and self.cover >= TERMS.claim_amount:
            self.pay(self.waiting.pop(0))

    # --- the credit line ---

    @rule(amount=st.integers(1, 800))
    def draw(self, amount: int) -> None:
        limit = self.sales * TERMS.credit_share_percent // 100
        expected: type[MicroletterError] | None = None
        if self.owed:
            expected = CreditLineInUse
        elif amount > limit:
            expected = CreditOverLimit
        elif self.credit < amount:
            expected = CreditPoolShort
        try:
            self.run(self.merchant.draw(OPERATOR, self.sid, amount, TERMS, self.key(), "fp", NOW))
        except (CreditLineInUse, CreditOverLimit, CreditPoolShort) as refused:
            assert type(refused) is expected, (refused, expected)
            return
        assert expected is None, expected
        self.credit -= amount
        self.balance += amount
        self.owed = amount + TERMS.credit_fee

    @rule(amount=st.one_of(st.none(), st.integers(1, 600)))
    def repay(self, amount: int | None) -> None:
        take = self.owed if amount is None else amount
        expected: type[MicroletterError] | None = None
        if not self.owed or take > self.owed:
            expected = NothingOwed
        elif self.balance < take:
            expected = InsufficientFunds
        try:
            self.run(self.merchant.repay(OPERATOR, self.sid, amount, self.key(), "fp", NOW))
        except (NothingOwed, InsufficientFunds) as refused:
            assert type(refused) is expected, (refused, expected)
            return
        assert expected is None, expected
        self.balance -= take
        self.credit += take
        self.owed -= take

    # --- what must always hold ---

    @invariant()
    def money_is_conserved_and_nothing_is_below_zero(self) -> None:
        w = self.wallet
        for b in self.buyers:
            assert self.run(w.balance(USER, b)) == self.wallets[b] >= 0
        assert self.run(w.balance(PENDING, self.sid)) == self.pending >= 0
        assert self.run(w.balance(SETTLEMENT, self.sid)) == self.balance >= 0
        assert self.run(w.balance(COVER_POOL, SYSTEM_OWNER)) == self.cover >= 0
        assert self.run(w.balance(CREDIT_POOL, SYSTEM_OWNER)) == self.credit >= 0
        line = self.run(self.merchant.credit_line(self.sid, TERMS, NOW))
        assert line.owed == self.owed >= 0 and line.sales == self.sales
        held = sum(self.wallets.values()) + self.pending + self.balance + self.cover + self.credit
        assert held == self.put_in
        claims = self.run(self.merchant.claims("waiting", None, None))
        assert sorted(c.order_id for c in claims) == sorted(self.waiting)
        reconciled = self.run(w.reconcile())
        assert reconciled.ok, reconciled.mismatches
        assert self.run(self.merchant.reconcile()) == []
        for r in self.buyers:
            owned = self.run(self.books.ownership(r, self.wid))
            assert owned.whole == self.owns(r, WHOLE)
            assert set(owned.chapters) == {n for n in range(1, CHAPTERS + 1) if self.owns(r, n)}


Merchant.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_merchant_money_is_conserved = Merchant.TestCase
