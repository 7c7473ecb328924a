"""What the shop's, the merchant's and the books' state machines share: the shop's clock
(Shanghai), an official account with a shop, and buyers with money and a payment password."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.platform import PlatformStore
from microletter.platform.rules.officials import CREDENTIAL_BYTES, make_credentials
from microletter.shop.rules import ShopId
from microletter.shop.store import ShopStore
from tests.contract.conftest import new_user
from tests.support.ledger import LedgerMachine

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = Instant(int(datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI).timestamp() * 1000))
DAY = "2026-12-08"  # NOW's day in Shanghai, when delivery windows are read
OPERATOR = UserId(1)


def open_shop(machine: LedgerMachine, name: str, now: Instant) -> tuple[UserId, ShopId]:
    """An official account named `name` with a shop of the same name (Asia/Shanghai);
    its developer and the shop's id."""
    db = machine.store.db
    dev = machine.run(new_user(machine.store, "dev"))
    creds = make_credentials(os.urandom(CREDENTIAL_BYTES))
    account = machine.run(PlatformStore(db).create_account(dev.id, creds, name, "", None, 5, now))
    sid = ShopId(account.id)
    machine.run(ShopStore(db).save_shop(sid, name, "", "Asia/Shanghai", now))
    return dev.id, sid


def funded_people(
    machine: LedgerMachine, prefix: str, count: int, each: int, now: Instant
) -> dict[UserId, int]:
    """`count` new users, the i-th credited `each` × (i + 1) by the operator and given a
    payment password; their balances, in order."""
    balances: dict[UserId, int] = {}
    for i in range(count):
        who = machine.run(new_user(machine.store, f"{prefix}{i}")).id
        amount = each * (i + 1)
        machine.run(machine.wallet.adjust(OPERATOR, who, amount, "r", machine.key(), "fp", now))
        machine.run(machine.wallet.set_pay_password(who, "hash", now))
        balances[who] = amount
    return balances
