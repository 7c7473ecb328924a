"""The merchant room's facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.merchant.store import cover, credit, reconcile, settlement
from microletter.storage import Facade, reads, writes_value

__all__ = ["MerchantStore"]


class MerchantStore(Facade):
    # settlement
    settle = writes_value(settlement.settle)
    settlements = reads(settlement.settlements)
    withdraw = writes_value(settlement.withdraw)
    # the credit line
    credit_line = reads(credit.credit_line)
    draw = writes_value(credit.draw)
    repay = writes_value(credit.repay)
    # cover and the pools
    file_claim = writes_value(cover.file_claim)
    pay_waiting = writes_value(cover.pay_waiting)
    fund_pool = writes_value(cover.fund_pool)
    claim = reads(cover.claim)
    claims = reads(cover.claims)
    # checks
    reconcile = reads(reconcile.reconcile)
