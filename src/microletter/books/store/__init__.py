"""The books room's facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.books.store import ebooks, purchases, refunds, rows, sales, works
from microletter.books.store import shelf as shelves
from microletter.storage import Facade, reads, writes, writes_value

__all__ = ["BooksStore"]


class BooksStore(Facade):
    # works and chapters
    save_work = writes_value(works.save_work)
    publish_chapter = writes(works.publish_chapter)
    work = reads(works.work)
    works_of_shop = reads(works.works_of_shop)
    headings = reads(works.headings)
    chapter = reads(works.chapter)
    # buying
    open_session = writes_value(purchases.open_session)
    buy = writes(purchases.buy)
    session_left = reads(purchases.session_left)
    forget_sessions = writes_value(purchases.forget_sessions)
    # the shop's side: its purchases, refunds
    purchase = reads(rows.load_purchase)
    purchases_of_shop = reads(sales.purchases_of_shop)
    sales_of_shop = reads(sales.sales_of_shop)
    refund = writes(sales.refund)
    # readers' refund requests
    ask_refund = writes_value(refunds.ask_refund)
    decline_refund = writes_value(refunds.decline_refund)
    refund_requests = reads(refunds.requests_for)
    purchases_of_reader = reads(refunds.purchases_of_reader)
    # shelves
    shelve = writes(shelves.shelve)
    unshelve = writes(shelves.unshelve)
    save_progress = writes(shelves.save_progress)
    progress = reads(shelves.progress)
    shelf = reads(shelves.shelf)
    ownership = reads(shelves.ownership)
    # e-books
    bought_files = reads(ebooks.bought_files)
