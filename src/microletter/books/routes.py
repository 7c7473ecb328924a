"""The books room's /api/v1 routes: a shop's serialized works and chapters (its owner
and clerks), and for readers the works, their chapters, purchases, reading sessions,
the bookshelf with its progress, and their e-books."""

from __future__ import annotations

from microletter.books import actions
from microletter.books.actions import BooksRoom, WorkFields
from microletter.books.errors import (
    ChapterAlreadyBought,
    ChapterFree,
    ChapterLocked,
    ChapterNotFound,
    ChapterTextInvalid,
    PriceChanged,
    PurchaseAlreadyRefunded,
    PurchaseNotFound,
    PurchaseRefundExceedsBalance,
    ReadingSessionInvalid,
    RefundAlreadyRequested,
    RefundRequestNotFound,
    SpendingLimitInvalid,
    SpendingLimitReached,
    WorkAlreadyBought,
    WorkNotForSale,
    WorkNotFound,
)
from microletter.books.rules import (
    WHOLE,
    Heading,
    Offer,
    Ownership,
    Progress,
    Purchase,
    RefundRequest,
    ShopId,
    Work,
    WorkId,
)
from microletter.books.wire import (
    ChapterBody,
    ChapterReply,
    CurrencyWire,
    EbooksReply,
    EbookWire,
    HeadingReply,
    HeadingWire,
    MyPurchasesReply,
    MyPurchaseWire,
    OfferWire,
    ProgressBody,
    ProgressReply,
    ProgressWire,
    PurchaseBody,
    PurchaseReply,
    PurchasesQuery,
    PurchasesReply,
    PurchaseWire,
    RefundReply,
    RefundRequestBody,
    RefundRequestReply,
    RefundRequestWire,
    SessionBody,
    SessionQuery,
    SessionReply,
    ShelfItem,
    ShelfReply,
    WorkBody,
    WorkReply,
    WorkSalesReply,
    WorkSalesWire,
    WorksReply,
    WorkViewReply,
    WorkWire,
)
from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId
from microletter.gateway.api import Call, Router
from microletter.platform import AccountNotFound
from microletter.shop import NotShopStaff, ShopNotFound
from microletter.wallet import (
    AmountInvalid,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    PaymentTokenExpired,
    PaymentTokenInvalid,
)

STAFF = [ShopNotFound, NotShopStaff, AccountNotFound]
BUY_ERRORS = [
    WorkNotFound,
    ChapterNotFound,
    ChapterAlreadyBought,
    WorkAlreadyBought,
    ChapterFree,
    WorkNotForSale,
    PriceChanged,
    SpendingLimitReached,
    ReadingSessionInvalid,
    PaymentTokenInvalid,
    PaymentTokenExpired,
    InsufficientFunds,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    AmountInvalid,
]


def work_wire(w: Work) -> WorkWire:
    return WorkWire(
        w.id,
        w.shop_id,
        w.title,
        w.author,
        w.description,
        w.free_chapters,
        w.chapter_price,
        w.work_price,
        w.chapters,
        w.updated_at,
    )


def heading_wire(w: Work, h: Heading, owned: Ownership) -> HeadingWire:
    free = h.number <= w.free_chapters
    mine = owned.whole or h.number in owned.chapters
    return HeadingWire(h.number, h.title, h.chars, h.published_at, free, mine)


def progress_wire(p: Progress) -> ProgressWire:
    return ProgressWire(p.chapter, p.position, p.auto_purchase, p.spending_limit, p.updated_at)


def offer_wire(o: Offer) -> OfferWire:
    return OfferWire(o.next_chapter, o.chapter_price, o.work_price)


def request_wire(r: RefundRequest | None, p: Purchase) -> RefundRequestWire | None:
    if r is None:
        return None
    return RefundRequestWire(r.state(p), r.reason, r.created_at, r.declined_at)


def purchase_wire(p: Purchase, asked: RefundRequest | None = None) -> PurchaseWire:
    return PurchaseWire(
        p.id,
        p.user_id,
        p.work_id,
        p.chapter,
        p.amount,
        p.status,
        p.created_at,
        request_wire(asked, p),
    )


def routers(room: BooksRoom) -> list[Router]:
    c = room.shops.wallet.settings.currency
    currency = CurrencyWire(c.code, c.exponent)
    router = Router("/api/v1", tags=["books"])

    def fields(body: WorkBody) -> WorkFields:
        return WorkFields(
            body.title,
            body.author,
            body.description,
            body.free_chapters,
            body.chapter_price,
            body.work_price,
        )

    # --- the merchant ---

    work_errors = [*STAFF, WorkNotFound, AmountInvalid, AmountTooLarge, InvalidInput, TooLarge]

    @router.post("/shops/{shop_id}/works", status=201, errors=work_errors)
    async def post_work(call: Call, shop_id: int, body: WorkBody) -> WorkReply:
        """Add a serialized work to the shop (owner, clerk): `free_chapters` (the first N
        are free), `chapter_price` (minor units, 0 or more) and an optional `work_price`
        for the whole work, chapters to come included."""
        made = await actions.save_work(room, call.me, ShopId(UserId(shop_id)), None, fields(body))
        return WorkReply(work_wire(made), currency)

    @router.put("/shops/{shop_id}/works/{work_id}", errors=work_errors)
    async def put_work(call: Call, shop_id: int, work_id: int, body: WorkBody) -> WorkReply:
        """Change a work's title, description and prices (owner, clerk). Chapters already
        bought stay bought; a new price applies to purchases after it."""
        saved = await actions.save_work(
            room, call.me, ShopId(UserId(shop_id)), WorkId(work_id), fields(body)
        )
        return WorkReply(work_wire(saved), currency)

    @router.get("/shops/{shop_id}/works", errors=[ShopNotFound])
    async def get_shop_works(call: Call, shop_id: int) -> WorksReply:
        """The shop's serialized works, newest first."""
        found = await actions.shop_works(room, ShopId(UserId(shop_id)))
        return WorksReply([work_wire(w) for w in found], currency)

    @router.post(
        "/books/works/{work_id}/chapters",
        status=201,
        errors=[*STAFF, WorkNotFound, ChapterTextInvalid, TooLarge],
    )
    async def post_chapter(call: Call, work_id: int, body: ChapterBody) -> HeadingReply:
        """Publish the work's next chapter (owner, clerk): a `title` and its `text`
        (plain text, up to 100,000 characters; a blank line starts a paragraph). Everyone
        who bought the work or has it on their shelf gets a notice from the account."""
        found = await actions.publish_chapter(room, call.me, WorkId(work_id), body.title, body.text)
        work = await room.store.work(WorkId(work_id))
        return HeadingReply(heading_wire(work, found, Ownership(True, frozenset())))

    # --- readers ---

    @router.get("/books/works/{work_id}", errors=[WorkNotFound])
    async def get_work(call: Call, work_id: int) -> WorkViewReply:
        """A work for me: its chapters (free, owned), my progress and what I am offered
        after the last chapter I may read."""
        v = await actions.view_work(room, call.me, WorkId(work_id))
        return WorkViewReply(
            work_wire(v.work),
            [heading_wire(v.work, h, v.owned) for h in v.headings],
            v.owned.whole,
            v.progress is not None,
            None if v.progress is None else progress_wire(v.progress),
            v.readable,
            offer_wire(v.offer),
            currency,
        )

    @router.get(
        "/books/works/{work_id}/chapters/{number}",
        errors=[WorkNotFound, ChapterNotFound, ChapterLocked],
    )
    async def get_chapter(call: Call, work_id: int, number: int) -> ChapterReply:
        """A chapter's text, if it is free or mine (`books.chapter_locked` otherwise,
        with its `price` and the `work_price`), the offer at its end, and `position`:
        where I left it (per mille) if my progress, saved on any device, is in it."""
        work, ch, offer = await actions.read_chapter(room, call.me, WorkId(work_id), number)
        position = await actions.position_in(room, call.me, WorkId(work_id), number)
        return ChapterReply(
            work.id,
            ch.number,
            ch.title,
            ch.text,
            ch.published_at,
            work.chapters,
            offer_wire(offer),
            currency,
            position,
        )

    @router.post(
        "/books/works/{work_id}/sessions",
        status=201,
        errors=[WorkNotFound, PaymentTokenInvalid, PaymentTokenExpired, SpendingLimitInvalid],
    )
    async def post_session(call: Call, work_id: int, body: SessionBody) -> SessionReply:
        """Open a reading session: the payment token (`/wallet/pay-password/verify`) is
        spent once, and purchases in this work made with the session's token may spend up
        to `spending_limit` in the next two hours without the password again."""
        token, expires, limit = await actions.open_session(
            room, call.me, WorkId(work_id), body.payment_token, body.spending_limit
        )
        return SessionReply(token, expires, limit, 0)

    @router.get("/books/session", errors=[ReadingSessionInvalid])
    async def get_session(call: Call, query: SessionQuery) -> SessionReply:
        """What my reading session may still spend."""
        limit, spent = await actions.session_left(room, call.me, query.session)
        return SessionReply(query.session, 0, limit, spent)

    async def purchase(call: Call, work_id: int, chapter: int, body: PurchaseBody) -> PurchaseReply:
        b = await actions.buy(
            room,
            call.me,
            WorkId(work_id),
            chapter,
            body.price,
            body.idempotency_key,
            body.payment_token,
            body.session,
        )
        return PurchaseReply(
            b.purchase_id, b.transaction_id, b.amount, b.chapter, b.replayed, currency
        )

    @router.post("/books/works/{work_id}/chapters/{number}/purchase", status=201, errors=BUY_ERRORS)
    async def post_chapter_purchase(
        call: Call, work_id: int, number: int, body: PurchaseBody
    ) -> PurchaseReply:
        """Buy a chapter from my wallet: with a `payment_token` (one purchase) or a
        reading `session` (within its spending limit), and an `idempotency_key` (the same
        key again returns the first purchase, `replayed`). A chapter I own already is
        `books.chapter_already_bought`, and nothing is charged."""
        return await purchase(call, work_id, number, body)

    @router.post("/books/works/{work_id}/purchase", status=201, errors=BUY_ERRORS)
    async def post_work_purchase(call: Call, work_id: int, body: PurchaseBody) -> PurchaseReply:
        """Buy the whole work (its `work_price`), chapters to come included."""
        return await purchase(call, work_id, WHOLE, body)

    @router.get("/shops/{shop_id}/purchases", errors=STAFF)
    async def get_shop_purchases(call: Call, shop_id: int, query: PurchasesQuery) -> PurchasesReply:
        """The shop's chapter and whole-work purchases, newest first (owner, clerk),
        each `pending`, `settled` or `refunded`, with the reader's `refund_request` if
        they asked for one; page with `before` (an id)."""
        found = await actions.shop_purchases(room, call.me, ShopId(UserId(shop_id)), query.before)
        asked = await actions.refund_requests(room, found)
        return PurchasesReply([purchase_wire(p, asked.get(p.id)) for p in found], currency)

    @router.get("/shops/{shop_id}/work_sales", errors=STAFF)
    async def get_work_sales(call: Call, shop_id: int) -> WorkSalesReply:
        """Each of the shop's works that sold (owner, clerk): its `purchases` not refunded,
        the `amount` they brought, and how many were `refunded`."""
        found = await actions.shop_sales(room, call.me, ShopId(UserId(shop_id)))
        return WorkSalesReply([WorkSalesWire(*row) for row in found], currency)

    @router.post(
        "/books/purchases/{purchase_id}/refund",
        errors=[*STAFF, PurchaseNotFound, PurchaseRefundExceedsBalance],
    )
    async def post_purchase_refund(call: Call, purchase_id: int) -> RefundReply:
        """Refund a purchase to its reader (the shop's owner or clerk): from the shop's
        pending money before its settlement, from the merchant's balance after it
        (`books.refund_exceeds_balance` if that is lower). The reader no longer owns
        the chapter (or the work). A second refund is `replayed` and moves nothing."""
        found, first = await actions.refund_purchase(room, call.me, purchase_id)
        return RefundReply(purchase_wire(found), not first, currency)

    @router.post(
        "/books/purchases/{purchase_id}/refund_request/decline",
        errors=[*STAFF, PurchaseNotFound, RefundRequestNotFound],
    )
    async def post_refund_decline(call: Call, purchase_id: int) -> RefundRequestReply:
        """Decline the reader's open refund request (the shop's owner or clerk): nothing
        moves, and the reader sees it declined. Grant one by refunding the purchase."""
        declined = await actions.decline_refund(room, call.me, purchase_id)
        found = await room.store.purchase(purchase_id)
        return RefundRequestReply(
            RefundRequestWire(
                declined.state(found), declined.reason, declined.created_at, declined.declined_at
            )
        )

    @router.get("/books/purchases")
    async def get_my_purchases(call: Call, query: PurchasesQuery) -> MyPurchasesReply:
        """My chapter and whole-work purchases, newest first, each `bought` or
        `refunded`, with my `refund_request`; page with `before` (an id)."""
        found = await actions.my_purchases(room, call.me, query.before)
        return MyPurchasesReply(
            [
                MyPurchaseWire(
                    p.id,
                    p.shop_id,
                    p.work_id,
                    title,
                    p.chapter,
                    p.amount,
                    "refunded" if p.refunded else "bought",
                    p.created_at,
                    request_wire(asked, p),
                )
                for p, title, asked in found
            ],
            currency,
        )

    @router.post(
        "/books/purchases/{purchase_id}/refund_request",
        status=201,
        errors=[PurchaseNotFound, PurchaseAlreadyRefunded, RefundAlreadyRequested, TooLarge],
    )
    async def post_refund_request(
        call: Call, purchase_id: int, body: RefundRequestBody
    ) -> RefundRequestReply:
        """Ask the shop to refund my purchase, with an optional `reason` (up to 500
        characters): once per purchase (`books.refund_already_requested`), not after a
        refund (`books.purchase_refunded`). The shop's staff see it beside the purchase
        and grant it (the refund) or decline it."""
        made = await actions.ask_refund(room, call.me, purchase_id, body.reason)
        return RefundRequestReply(RefundRequestWire("open", made.reason, made.created_at, None))

    @router.get("/books/shelf")
    async def get_shelf(call: Call) -> ShelfReply:
        """My bookshelf: the works on it, last read first, with my progress."""
        found = await actions.shelf(room, call.me)
        return ShelfReply([ShelfItem(work_wire(w), progress_wire(p)) for w, p in found], currency)

    @router.put("/books/shelf/{work_id}", status=204, errors=[WorkNotFound])
    async def put_shelf(call: Call, work_id: int) -> None:
        """Put a work on my bookshelf (I am told of its new chapters)."""
        await actions.shelve(room, call.me, WorkId(work_id), True)

    @router.delete("/books/shelf/{work_id}", status=204)
    async def delete_shelf(call: Call, work_id: int) -> None:
        """Take a work off my bookshelf (what I bought stays mine)."""
        await actions.shelve(room, call.me, WorkId(work_id), False)

    @router.put(
        "/books/shelf/{work_id}/progress",
        errors=[WorkNotFound, InvalidInput, SpendingLimitInvalid],
    )
    async def put_progress(call: Call, work_id: int, body: ProgressBody) -> ProgressReply:
        """Save where I am (`chapter`, `position` per mille) and/or my auto-purchase
        setting (`auto_purchase`, `spending_limit`); my other devices hear a
        `collection` event, `bookshelf`."""
        saved = await actions.save_progress(
            room,
            call.me,
            WorkId(work_id),
            body.chapter,
            body.position,
            body.auto_purchase,
            body.spending_limit,
        )
        return ProgressReply(progress_wire(saved))

    @router.get("/books/ebooks")
    async def get_ebooks(call: Call) -> EbooksReply:
        """The files of the shop's digital products I hold, e-books (`pdf`, `epub`)
        first; fetch them through `/media/urls` like any media."""
        found = await actions.ebooks(room, call.me)
        return EbooksReply(
            [EbookWire(e.product_id, e.shop_id, e.name, e.format, e.file) for e in found]
        )

    return [router]
