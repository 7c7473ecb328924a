"""The merchant API's facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.storage import Facade, reads, writes_value
from microletter.wxpay.store import merchants, orders

__all__ = ["WxPayStore"]


class WxPayStore(Facade):
    # merchants and their request nonces
    merchant_of = reads(merchants.merchant_of)
    merchant_by_mch_id = reads(merchants.merchant_by_mch_id)
    issue_key = writes_value(merchants.issue_key)
    remember_nonce = writes_value(merchants.remember_nonce)
    forget_nonces = writes_value(merchants.forget_nonces)
    # orders and refunds
    create_order = writes_value(orders.create_order)
    order = reads(orders.order)
    order_by_id = reads(orders.order_by_id)
    order_to_pay = reads(orders.order_to_pay)
    close_order = writes_value(orders.close_order)
    pay_order = writes_value(orders.pay_order)
    refund = writes_value(orders.refund)
    refunds_of = reads(orders.refunds_of)
    refund_by = reads(orders.refund_by)
    refund_by_id = reads(orders.refund_by_id)
    orders_page = reads(orders.orders_page)
    refunds_page = reads(orders.refunds_page)
