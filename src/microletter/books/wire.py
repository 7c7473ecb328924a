"""The books room's request and reply bodies (msgspec). Prices and limits are ints of
minor units; a price or limit is decoded as whatever JSON it is and judged by the rules
(a float gets `wallet.amount_invalid` or `books.spending_limit_invalid`)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

from microletter.core.media import Media

Short = Annotated[str, Meta(max_length=300)]
Text = Annotated[str, Meta(max_length=4000)]
ChapterText = Annotated[str, Meta(max_length=400_000)]  # the rules cap it in characters
Key = Annotated[str, Meta(max_length=200)]


class CurrencyWire(Struct):
    code: str
    exponent: int


class WorkBody(Struct, forbid_unknown_fields=True):
    title: Short
    chapter_price: Any
    free_chapters: Any = 0
    work_price: Any = None
    author: Short = ""
    description: Text = ""


class WorkWire(Struct):
    id: int
    shop_id: int
    title: str
    author: str
    description: str
    free_chapters: int
    chapter_price: int
    work_price: int | None
    chapters: int
    updated_at: int


class WorkReply(Struct):
    work: WorkWire
    currency: CurrencyWire


class WorksReply(Struct):
    works: list[WorkWire]
    currency: CurrencyWire


class ChapterBody(Struct, forbid_unknown_fields=True):
    title: Short
    text: ChapterText


class HeadingWire(Struct):
    number: int
    title: str
    chars: int
    published_at: int
    free: bool
    owned: bool


class HeadingReply(Struct):
    chapter: HeadingWire


class ProgressWire(Struct):
    chapter: int
    position: int
    auto_purchase: bool
    spending_limit: int
    updated_at: int


class OfferWire(Struct):
    next_chapter: int | None
    chapter_price: int
    work_price: int | None


class WorkViewReply(Struct):
    work: WorkWire
    chapters: list[HeadingWire]
    owns_work: bool
    on_shelf: bool
    progress: ProgressWire | None
    readable: int
    offer: OfferWire
    currency: CurrencyWire


class ChapterReply(Struct):
    work_id: int
    number: int
    title: str
    text: str
    published_at: int
    chapters: int
    offer: OfferWire
    currency: CurrencyWire
    position: int | None = None  # where I left it (per mille), from any of my devices


class SessionBody(Struct, forbid_unknown_fields=True):
    payment_token: Short
    spending_limit: Any


class SessionReply(Struct):
    session: str
    expires_at: int
    spending_limit: int
    spent: int


class SessionQuery(Struct, forbid_unknown_fields=True):
    session: Short


class PurchaseBody(Struct, forbid_unknown_fields=True):
    idempotency_key: Key
    payment_token: Short | None = None
    session: Short | None = None
    price: Any = None


class PurchaseReply(Struct):
    purchase_id: int
    transaction_id: int
    amount: int
    chapter: int
    replayed: bool
    currency: CurrencyWire


class ProgressBody(Struct, forbid_unknown_fields=True):
    chapter: Any = None
    position: Any = None
    auto_purchase: bool | None = None
    spending_limit: Any = None


class ProgressReply(Struct):
    progress: ProgressWire


class ShelfItem(Struct):
    work: WorkWire
    progress: ProgressWire


class ShelfReply(Struct):
    works: list[ShelfItem]
    currency: CurrencyWire


class EbookWire(Struct):
    product_id: int
    shop_id: int
    name: str
    format: str | None
    file: Media


class EbooksReply(Struct):
    ebooks: list[EbookWire]


class RefundRequestWire(Struct):
    """A reader's request that the shop refund a purchase: `state` open, granted (the
    purchase was refunded) or declined."""

    state: str
    reason: str
    created_at: int
    declined_at: int | None


class PurchaseWire(Struct):
    """A purchase as the shop's staff see it: `status` pending (its money waits in the
    shop's pending account), settled (in the merchant's balance) or refunded."""

    id: int
    user_id: int
    work_id: int
    chapter: int  # 0: the whole work
    amount: int
    status: str
    created_at: int
    refund_request: RefundRequestWire | None = None  # the reader's, if they asked


class PurchasesQuery(Struct, forbid_unknown_fields=True):
    before: Annotated[int, Meta(ge=1, le=2**62)] | None = None


class PurchasesReply(Struct):
    purchases: list[PurchaseWire]
    currency: CurrencyWire


class RefundReply(Struct):
    purchase: PurchaseWire
    replayed: bool  # it had been refunded before: nothing moved now
    currency: CurrencyWire


class RefundRequestBody(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(max_length=2000)] = ""  # the rules cap it in characters


class RefundRequestReply(Struct):
    refund_request: RefundRequestWire


class MyPurchaseWire(Struct):
    """One of my purchases: the work's title, what I bought, and my refund request."""

    id: int
    shop_id: int
    work_id: int
    title: str
    chapter: int  # 0: the whole work
    amount: int
    status: str  # bought, or refunded
    created_at: int
    refund_request: RefundRequestWire | None


class MyPurchasesReply(Struct):
    purchases: list[MyPurchaseWire]
    currency: CurrencyWire


class WorkSalesWire(Struct):
    work_id: int
    purchases: int  # not refunded
    amount: int  # what they brought, minor units
    refunded: int  # purchases refunded


class WorkSalesReply(Struct):
    sales: list[WorkSalesWire]
    currency: CurrencyWire
