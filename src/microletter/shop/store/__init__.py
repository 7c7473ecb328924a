"""The shop's facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.shop.store import carts, catalog, delivery, orders
from microletter.storage import Facade, reads, writes, writes_value

__all__ = ["ShopStore"]


class ShopStore(Facade):
    # shops, staff, the catalog
    save_shop = writes_value(catalog.save_shop)
    shop = reads(catalog.shop)
    shops_of_staff = reads(catalog.shops_of_staff)
    set_staff = writes_value(catalog.set_staff)
    staff = reads(catalog.staff)
    role_of = reads(catalog.role_of)
    add_category = writes_value(catalog.add_category)
    categories = reads(catalog.categories)
    add_product = writes_value(catalog.add_product)
    update_variant = writes_value(catalog.update_variant)
    set_active = writes_value(catalog.set_active)
    edit_product = writes_value(catalog.edit_product)
    add_variant = writes_value(catalog.add_variant)
    rename_category = writes_value(catalog.rename_category)
    delete_category = writes_value(catalog.delete_category)
    delete_product = writes_value(catalog.delete_product)
    product = reads(catalog.product)
    products = reads(catalog.products)
    visible_media = reads(catalog.visible_media)
    # carts
    set_line = writes_value(carts.set_line)
    cart = reads(carts.cart)
    # delivery
    add_zone = writes_value(delivery.add_zone)
    edit_zone = writes_value(delivery.edit_zone)
    delete_zone = writes_value(delivery.delete_zone)
    add_window = writes_value(delivery.add_window)
    edit_window = writes_value(delivery.edit_window)
    delete_window = writes_value(delivery.delete_window)
    zones = reads(delivery.zones)
    windows_for = reads(delivery.windows_for)
    shop_windows = reads(delivery.shop_windows)
    taken = reads(delivery.taken)
    # orders
    checkout = writes(orders.checkout)
    change_order = writes(orders.change_order)
    reschedule = writes(orders.reschedule)
    order = reads(orders.order)
    orders_of_buyer = reads(orders.orders_of_buyer)
    orders_of_shop = reads(orders.orders_of_shop)
    orders_on = reads(orders.orders_on)
