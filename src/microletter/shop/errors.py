"""The shop's errors, in the one error tree (core/errors.py). Each leaves nothing behind:
no order without its payment, no payment without its order.

InvalidInput                          invalid_input
├── TimeZoneInvalid                   shop.time_zone_invalid
├── WindowInvalid                     shop.window_invalid
├── QuantityInvalid                   shop.quantity_invalid
├── CartEmpty                         shop.cart_empty
├── DeliveryMissing                   shop.delivery_missing
└── ReturnNotGoods                    shop.return_not_goods
Forbidden                             forbidden
├── NotShopStaff                      shop.not_staff
└── NotOrderBuyer                     shop.not_buyer
NotFound                              not_found
├── ShopNotFound                      shop.not_found
├── CategoryNotFound                  shop.category_not_found
├── ProductNotFound                   shop.product_not_found
├── VariantNotFound                   shop.variant_not_found
├── OrderNotFound                     shop.order_not_found
├── ZoneNotServed                     shop.zone_not_served
├── ZoneNotFound                      shop.zone_not_found
└── DeliveryWindowNotFound            shop.window_not_found
Conflict                              conflict
├── SkuTaken                          shop.sku_taken
├── AreaTaken                         shop.area_taken
├── OutOfStock                        shop.out_of_stock
├── WindowFull                        shop.window_full
├── WindowClosed                      shop.window_closed
├── PriceChanged                      shop.price_changed
├── OrderStateInvalid                 shop.order_state
├── WindowHasOrders                   shop.window_has_orders
└── RefundExceedsBalance              shop.refund_exceeds_balance
"""

from __future__ import annotations

from microletter.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class TimeZoneInvalid(InvalidInput):
    code = "shop.time_zone_invalid"
    hint = "A time zone is an IANA name such as Asia/Shanghai."


class WindowInvalid(InvalidInput):
    code = "shop.window_invalid"
    hint = 'A delivery window is {"start": "HH:MM", "end": "HH:MM", "capacity": n}.'


class QuantityInvalid(InvalidInput):
    code = "shop.quantity_invalid"
    hint = "A quantity is a whole number from 0 to 99."


class CartEmpty(InvalidInput):
    code = "shop.cart_empty"
    hint = "The cart is empty."


class DeliveryMissing(InvalidInput):
    code = "shop.delivery_missing"
    hint = "Goods are delivered: give an area, an address, a window and its day."


class ReturnNotGoods(InvalidInput):
    code = "shop.return_not_goods"
    hint = "Only goods are returned or covered; a digital item is refunded by the shop."


class NotShopStaff(Forbidden):
    code = "shop.not_staff"
    hint = "Only the shop's owner and its staff (in their role) may do this."


class NotOrderBuyer(Forbidden):
    code = "shop.not_buyer"
    hint = "Only the order's buyer may do this."


class ShopNotFound(NotFound):
    code = "shop.not_found"
    hint = "No such shop."


class CategoryNotFound(NotFound):
    code = "shop.category_not_found"
    hint = "No such category in this shop."


class ProductNotFound(NotFound):
    code = "shop.product_not_found"
    hint = "No such product in this shop."


class VariantNotFound(NotFound):
    code = "shop.variant_not_found"
    hint = "No such variant (SKU) in this shop."


class OrderNotFound(NotFound):
    code = "shop.order_not_found"
    hint = "No such order."


class ZoneNotServed(NotFound):
    code = "shop.zone_not_served"
    hint = "The shop does not deliver to this postal code or district."


class ZoneNotFound(NotFound):
    code = "shop.zone_not_found"
    hint = "No such delivery zone in this shop."


class DeliveryWindowNotFound(NotFound):
    code = "shop.window_not_found"
    hint = "No such delivery window in this zone."


class SkuTaken(Conflict):
    code = "shop.sku_taken"
    hint = "Another variant of this shop has this SKU."


class AreaTaken(Conflict):
    code = "shop.area_taken"
    hint = "Another zone of this shop serves this postal code or district."


class OutOfStock(Conflict):
    code = "shop.out_of_stock"
    hint = "Not enough left in stock."


class WindowFull(Conflict):
    code = "shop.window_full"
    hint = "This delivery window is full: pick another."


class WindowClosed(Conflict):
    code = "shop.window_closed"
    hint = "This delivery window has started or passed: pick a later one."


class PriceChanged(Conflict):
    code = "shop.price_changed"
    hint = "A price changed since the cart was filled: confirm the new total."


class OrderStateInvalid(Conflict):
    code = "shop.order_state"
    hint = "The order is not in a state that allows this."


class WindowHasOrders(Conflict):
    code = "shop.window_has_orders"
    hint = (
        "Orders still to be delivered are booked in this window: deliver, reschedule or"
        " cancel them first (its capacity can still be changed)."
    )


class RefundExceedsBalance(Conflict):
    code = "shop.refund_exceeds_balance"
    hint = (
        "This order was settled and the merchant's balance is lower than the refund:"
        " refund it when new sales have settled."
    )
