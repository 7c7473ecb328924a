"""The books room's errors, in the one error tree (core/errors.py). Each leaves nothing
behind: a refused purchase moves no money and records nothing.

InvalidInput                          invalid_input
├── ChapterTextInvalid                books.chapter_text_invalid
└── SpendingLimitInvalid              books.spending_limit_invalid
Forbidden                             forbidden
├── ChapterLocked                     books.chapter_locked
└── ReadingSessionInvalid             books.session_invalid
NotFound                              not_found
├── WorkNotFound                      books.work_not_found
├── ChapterNotFound                   books.chapter_not_found
├── PurchaseNotFound                  books.purchase_not_found
└── RefundRequestNotFound             books.refund_request_not_found
Conflict                              conflict
├── ChapterAlreadyBought              books.chapter_already_bought
├── WorkAlreadyBought                 books.work_already_bought
├── ChapterFree                       books.chapter_free
├── WorkNotForSale                    books.work_not_for_sale
├── PriceChanged                      books.price_changed
├── SpendingLimitReached              books.spending_limit_reached
├── PurchaseRefundExceedsBalance      books.refund_exceeds_balance
├── PurchaseAlreadyRefunded           books.purchase_refunded
└── RefundAlreadyRequested            books.refund_already_requested
"""

from __future__ import annotations

from microletter.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class ChapterTextInvalid(InvalidInput):
    code = "books.chapter_text_invalid"
    hint = "A chapter has a title (1-100 characters) and text (1 to 100,000 characters)."


class SpendingLimitInvalid(InvalidInput):
    code = "books.spending_limit_invalid"
    hint = "A spending limit is a whole number of minor units, 0 or more."


class ChapterLocked(Forbidden):
    code = "books.chapter_locked"
    hint = "This chapter is paid: buy it, or the whole work, to read it."


class ReadingSessionInvalid(Forbidden):
    code = "books.session_invalid"
    hint = "The reading session is not yours, or it expired: enter the payment password again."


class WorkNotFound(NotFound):
    code = "books.work_not_found"
    hint = "There is no such work."


class ChapterNotFound(NotFound):
    code = "books.chapter_not_found"
    hint = "The work has no such chapter (yet)."


class PurchaseNotFound(NotFound):
    code = "books.purchase_not_found"
    hint = "There is no such purchase in this shop."


class ChapterAlreadyBought(Conflict):
    code = "books.chapter_already_bought"
    hint = "You already own this chapter (or the whole work): nothing was charged."


class WorkAlreadyBought(Conflict):
    code = "books.work_already_bought"
    hint = "You already own the whole work: nothing was charged."


class ChapterFree(Conflict):
    code = "books.chapter_free"
    hint = "This chapter is free to read: nothing to buy."


class WorkNotForSale(Conflict):
    code = "books.work_not_for_sale"
    hint = "The whole work has no price: buy its chapters one by one."


class PriceChanged(Conflict):
    code = "books.price_changed"
    hint = "The price changed since you saw it: confirm the new `price`."


class SpendingLimitReached(Conflict):
    code = "books.spending_limit_reached"
    hint = "This purchase would pass the reading session's spending limit: nothing was charged."


class PurchaseRefundExceedsBalance(Conflict):
    code = "books.refund_exceeds_balance"
    hint = (
        "This purchase was settled and the merchant's balance is lower than the refund:"
        " refund it when new sales have settled."
    )


class RefundRequestNotFound(NotFound):
    code = "books.refund_request_not_found"
    hint = "Nobody asked for a refund of this purchase (or it was answered already)."


class PurchaseAlreadyRefunded(Conflict):
    code = "books.purchase_refunded"
    hint = "This purchase was refunded already: its money is back in your wallet."


class RefundAlreadyRequested(Conflict):
    code = "books.refund_already_requested"
    hint = "You asked for a refund of this purchase already; the shop answers each request once."
