"""Property: random checkouts (some refused: out of stock, a full window, too little
money, a changed price), replays, cancels, deliveries and refunds on the real store
(SQLite) agree with a plain reference model; after every step money and stock are
conserved: every wallet, the shop's pending account (nothing settles here: settlement is
the merchant room's job, tests/contract/test_merchant_model.py) and every variant's
stock are what the model says, the window holds exactly its live orders, and the ledger
reconciles."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from microletter.core.errors import MicroletterError
from microletter.core.ids import UserId
from microletter.shop.errors import (
    NotShopStaff,
    OrderStateInvalid,
    OutOfStock,
    PriceChanged,
    WindowFull,
)
from microletter.shop.rules import (
    BUYER,
    OWNER,
    PENDING,
    Delivery,
    NewVariant,
    OrderId,
    VariantId,
)
from microletter.shop.rules.windows import NewWindow
from microletter.shop.store import ShopStore
from microletter.wallet import SETTLEMENT, USER, InsufficientFunds
from tests.support.ledger import LedgerMachine
from tests.support.shopmodel import DAY, NOW, OPERATOR, funded_people, open_shop

CAPACITY = 4
BUYERS = 3
# The reference model's transitions: action -> (from, to), independent of rules/.
MOVES = {
    "pack": ({"paid"}, "packed"),
    "dispatch": ({"packed"}, "out_for_delivery"),
    "deliver": ({"out_for_delivery"}, "delivered"),
    "fail": ({"out_for_delivery"}, "packed"),
    "cancel": ({"paid", "packed"}, "cancelled"),
    "refund": ({"delivered", "fulfilled"}, "refunded"),
}
OPEN = {"paid", "packed", "out_for_delivery"}
SETTLED = {"delivered", "fulfilled"}


class Shopping(LedgerMachine):
    prefix = "shop-model-"

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW  # the shop's clock stands still: windows are read on this day
        self.shop_store = ShopStore(self.store.db)
        dev, self.sid = open_shop(self, "Tea", NOW)
        zone = self.run(
            self.shop_store.add_zone(
                self.sid, "All", ["200001"], [NewWindow(600, 720, CAPACITY)], NOW
            )
        )
        self.window = zone.windows[0]
        goods = self.run(
            self.shop_store.add_product(
                dev, self.sid, None, "Tea", "", "physical", [], None,
                [NewVariant("A", "", 300, 4), NewVariant("B", "", 1000, 2)], NOW,
            )
        )  # fmt: skip
        digital = self.run(
            self.shop_store.add_product(
                dev, self.sid, None, "Guide", "", "digital", [], None,
                [NewVariant("G", "", 250, 3)], NOW,
            )
        )  # fmt: skip
        self.variants = [v.id for v in goods.variants] + [digital.variants[0].id]
        self.digital = {digital.variants[0].id}
        self.prices = {v.id: v.price for v in (*goods.variants, *digital.variants)}
        self.stock = {v.id: v.stock for v in (*goods.variants, *digital.variants)}
        self.initial_stock = dict(self.stock)
        self.balances = funded_people(self, "b", BUYERS, 1500, NOW)
        self.buyers = list(self.balances)
        self.funded = sum(self.balances.values())
        # orders: id -> (buyer, status, total, lines, physical)
        self.orders: dict[int, tuple[UserId, str, int, dict[VariantId, int], bool]] = {}
        self.done: list[tuple[UserId, str, str, dict[str, Any]]] = []

    def checkout(self, buyer: UserId, total: int | None, key: str) -> Any:
        delivery = Delivery("200001", "1 Road", "", "", self.window.id, DAY)
        return self.run(
            self.shop_store.checkout(
                buyer, self.sid, total, delivery, "CNY", key, "fp", self.token(buyer), NOW
            )
        )

    @rule(
        who=st.integers(0, BUYERS - 1),
        picks=st.dictionaries(st.integers(0, 2), st.integers(1, 3), min_size=1, max_size=3),
        reprice=st.sampled_from([None, 100, 350, 1000]),
    )
    def buy(self, who: int, picks: dict[int, int], reprice: int | None) -> None:
        buyer = self.buyers[who]
        lines = {self.variants[i]: q for i, q in picks.items()}
        for vid, q in lines.items():
            self.run(self.shop_store.set_line(buyer, self.sid, vid, q, NOW))
        total: int | None = None
        if reprice is not None:  # the clerk changes a price after the cart was filled
            changed = next(iter(lines))
            self.run(self.shop_store.update_variant(self.sid, changed, reprice, None))
            moved = self.prices[changed] != reprice
            self.prices[changed] = reprice
            if moved:
                try:
                    self.checkout(buyer, None, self.key())
                except PriceChanged as refused:
                    total = int(refused.details["total"])
                else:
                    raise AssertionError("a changed price went through unconfirmed")
        due = sum(self.prices[v] * q for v, q in lines.items())
        physical = any(v not in self.digital for v in lines)
        key = self.key()
        expected: type[MicroletterError] | None = None
        if physical and self.live_in_window() >= CAPACITY:
            expected = WindowFull
        elif any(self.stock[v] < q for v, q in lines.items()):
            expected = OutOfStock
        elif self.balances[buyer] < due:
            expected = InsufficientFunds
        try:
            outcome = self.checkout(buyer, total, key)
        except (WindowFull, OutOfStock, InsufficientFunds) as refused:
            assert type(refused) is expected, (refused, expected)
            for vid in lines:  # leave the cart empty for the next step
                self.run(self.shop_store.set_line(buyer, self.sid, vid, 0, NOW))
            return
        assert expected is None, expected
        result, made = outcome.value
        # the order checkout hands back without reading it is the one it wrote
        assert made == self.run(self.shop_store.order(OrderId(int(result["order_id"]))))
        self.balances[buyer] -= due
        for v, q in lines.items():
            self.stock[v] -= q
        status = "paid" if physical else "fulfilled"
        self.orders[int(result["order_id"])] = (buyer, status, due, lines, physical)
        self.done.append((buyer, key, "fp", result))

    def live_in_window(self) -> int:
        return sum(
            1 for _, s, _, _, p in self.orders.values() if p and s in OPEN | SETTLED | {"refunded"}
        )

    @precondition(lambda self: bool(self.done))
    @rule(pick=st.integers(0, 10**6))
    def replay(self, pick: int) -> None:
        """The same key again: the first result, nothing moved (even with the cart empty
        and the token spent)."""
        buyer, key, fp, result = self.done[pick % len(self.done)]
        outcome = self.run(
            self.shop_store.checkout(buyer, self.sid, None, None, "CNY", key, fp, "spent", NOW)
        )
        assert outcome.value == (result, None) and not outcome.entries

    @precondition(lambda self: bool(self.orders))
    @rule(
        pick=st.integers(0, 10**6),
        action=st.sampled_from(sorted(MOVES)),
        as_buyer=st.booleans(),
    )
    def act(self, pick: int, action: str, as_buyer: bool) -> None:
        oid = sorted(self.orders)[pick % len(self.orders)]
        buyer, status, total, lines, physical = self.orders[oid]
        roles = [BUYER] if as_buyer else [OWNER]
        sources, target = MOVES[action]
        allowed = action == "cancel" if as_buyer else True
        if as_buyer and action == "cancel":
            sources = {"paid"}
        try:
            self.run(
                self.shop_store.change_order(
                    OrderId(oid), action, roles, buyer if as_buyer else OPERATOR, "CNY", NOW
                )
            )
        except NotShopStaff:
            assert not allowed
            return
        except OrderStateInvalid:
            assert allowed and status not in sources
            return
        assert allowed and status in sources, (action, status, roles)
        if action == "cancel":
            self.balances[buyer] += total
            for v, q in lines.items():
                self.stock[v] += q
        if action == "refund":
            self.balances[buyer] += total
        self.orders[oid] = (buyer, target, total, lines, physical)

    @invariant()
    def money_and_stock_are_conserved(self) -> None:
        for b in self.buyers:
            assert self.run(self.wallet.balance(USER, b)) == self.balances[b]
        pending = sum(t for _, s, t, _, _ in self.orders.values() if s in OPEN | SETTLED)
        assert self.run(self.wallet.balance(PENDING, self.sid)) == pending
        assert self.run(self.wallet.balance(SETTLEMENT, self.sid)) == 0
        assert sum(self.balances.values()) + pending == self.funded
        products = self.run(self.shop_store.products(self.sid, True))
        stock = {v.id: v.stock for p in products for v in p.variants}
        assert stock == self.stock
        sold: dict[VariantId, int] = dict.fromkeys(self.stock, 0)
        for _, s, _, lines, _ in self.orders.values():
            if s != "cancelled":
                for v, q in lines.items():
                    sold[v] += q
        assert {v: stock[v] + sold[v] for v in stock} == self.initial_stock
        taken = self.run(self.shop_store.taken([self.window.id])).get((self.window.id, DAY), 0)
        assert taken == self.live_in_window() <= CAPACITY
        reconciled = self.run(self.wallet.reconcile())
        assert reconciled.ok, reconciled.mismatches


Shopping.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_orders_conserve_money_and_stock = Shopping.TestCase
