"""The wallet's facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.storage import Facade, reads, writes, writes_value
from microletter.wallet.store import funding, ledger, once, payments, transfers

__all__ = ["WalletStore"]


class WalletStore(Facade):
    # the ledger
    transaction = reads(ledger.transaction)
    find_account = reads(ledger.find_account)
    balance = reads(ledger.balance)
    accounts = reads(ledger.accounts)
    accounts_by_id = reads(ledger.accounts_by_id)
    statement = reads(ledger.statement)
    reconcile = reads(ledger.reconcile)
    # payment passwords and tokens
    pay_password = reads(payments.pay_password)
    set_pay_password = writes_value(payments.set_pay_password)
    begin_attempt = writes_value(payments.begin_attempt)
    end_attempt = writes_value(payments.end_attempt)
    forget_tokens = writes_value(payments.forget_tokens)
    forget_keys = writes_value(once.forget_keys)
    # operators and transfers
    adjust = writes_value(transfers.adjust)
    send_transfer = writes(transfers.send_transfer)
    settle_transfer = writes(transfers.settle_transfer)
    transfer = reads(transfers.transfer)
    # top-ups and withdrawals (the built-in provider)
    request_funding = writes_value(funding.request_funding)
    decide_funding = writes_value(funding.decide_funding)
    funding_request = reads(funding.funding_request)
    funding_requests = reads(funding.funding_requests)
