"""Serialized works and e-books, a feature room (docs/commerce.md, "Books"): a shop's
works whose chapters are published over time, the first N free, each later one (or the
whole work) bought from the wallet; readers' bookshelves with their progress synced to
their devices; reading sessions (the payment password once, then auto-purchase up to a
spending limit); a new chapter's notices; and the e-books readers bought as the shop's
digital products.

rules.py and errors.py (pure), store/ (units of work: works, purchases, shelf, notices,
ebooks; `BooksStore`), actions.py, routes.py and wire.py. It stands on the shop room (a
work is a shop's; its staff keep it) and on the wallet (the reader's wallet → the shop's
pending account, one ledger transaction per purchase; its settlement is the merchant
room's job, which uses this door's `load_purchase` and `mark_purchase_settled`), each
through its door, and on the platform's (`open_conversation`) for notices. app.py builds
it, mounts its routes and registers its scheduler job.
"""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.actions.scheduler import JobKind
from microletter.books.actions import BooksRoom, sweep
from microletter.books.errors import PurchaseNotFound
from microletter.books.routes import routers
from microletter.books.rules import Purchase
from microletter.books.store import BooksStore
from microletter.books.store.notices import NOTICE_JOB, send_notices
from microletter.books.store.rows import load_purchase
from microletter.books.store.sales import mark_purchase_settled
from microletter.gateway.api import Router
from microletter.shop import ShopRoom

__all__ = [
    "JOBS",
    "BooksRoom",
    "Purchase",
    "PurchaseNotFound",
    "load_purchase",
    "mark_purchase_settled",
    "mount",
    "open_room",
    "sweep",
]

# The scheduler's job: a new chapter's notices, a batch of readers a run.
JOBS = (JobKind(NOTICE_JOB, send_notices),)


def mount(app: web.Application, room: BooksRoom) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, shops: ShopRoom) -> BooksRoom:
    return BooksRoom(ctx, BooksStore(ctx.store.db), shops)
