"""The wallet's /api/v1 routes: my wallet, statement and receipts, the payment password,
transfers in a chat, and the operators' credits, debits, statements and reconcile."""

from __future__ import annotations

from microletter.core.errors import (
    BadCredentials,
    ConversationNotFound,
    NotMember,
    NotOperator,
    TooLarge,
    UserNotFound,
)
from microletter.core.ids import ConversationId, UserId
from microletter.gateway.api import Call, Router
from microletter.wallet import actions
from microletter.wallet.actions import Receipt, Wallet
from microletter.wallet.errors import (
    AmountInvalid,
    AmountTooLarge,
    FundingRequestNotFound,
    FundingRequestSettled,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InsufficientFunds,
    NotTransferRecipient,
    PaymentTokenExpired,
    PaymentTokenInvalid,
    PayPasswordInvalid,
    PayPasswordNotSet,
    PayPasswordWrong,
    TransferNotAllowed,
    TransferNotFound,
    TransferSettled,
    WalletLocked,
    WalletTransactionNotFound,
)
from microletter.wallet.rules import (
    TOPUP,
    WITHDRAWAL,
    FundingId,
    FundingRequest,
    Line,
    TransactionId,
    Transfer,
    TransferId,
)
from microletter.wallet.wire import (
    AdjustBody,
    CurrencyWire,
    DecideBody,
    EntryWire,
    FundingBody,
    FundingListReply,
    FundingQuery,
    FundingReply,
    FundingWire,
    LineWire,
    MismatchWire,
    PayPasswordBody,
    ReceiptReply,
    ReceiptWire,
    ReconcileReply,
    SettleBody,
    StatementQuery,
    StatementReply,
    TokenReply,
    TransferBody,
    TransferReply,
    TransferWire,
    VerifyBody,
    WalletReply,
)

MONEY_ERRORS = [AmountInvalid, AmountTooLarge, IdempotencyKeyInvalid, IdempotencyKeyReused]


def routers(room: Wallet) -> list[Router]:
    currency = CurrencyWire(room.settings.currency.code, room.settings.currency.exponent)

    def receipt_reply(r: Receipt, replayed: bool = False) -> ReceiptReply:
        t = r.transaction
        entries = [
            EntryWire(
                e.account_id,
                r.accounts[e.account_id].kind if e.account_id in r.accounts else "",
                e.amount,
                e.balance_after if r.operator or e.account_id == r.mine else None,
            )
            for e in t.entries
        ]
        amount = sum(e.amount for e in t.entries if e.account_id == r.mine)
        wire = ReceiptWire(
            t.id, t.kind, amount, t.memo, t.ref, t.actor_id, t.reverses, t.created_at, entries
        )
        return ReceiptReply(wire, currency, replayed)

    def statement_reply(lines: list[Line]) -> StatementReply:
        return StatementReply(
            [
                LineWire(
                    x.transaction_id,
                    x.kind,
                    x.amount,
                    x.balance_after,
                    x.memo,
                    x.ref,
                    x.created_at,
                )
                for x in lines
            ],
            currency,
        )

    def transfer_reply(t: Transfer, replayed: bool = False) -> TransferReply:
        wire = TransferWire(
            t.id,
            t.conversation_id,
            t.seq,
            t.sender_id,
            t.recipient_id,
            t.amount,
            t.note,
            t.status,
            t.created_at,
            t.expires_at,
            t.settled_at,
        )
        return TransferReply(wire, currency, replayed)

    router = Router("/api/v1", tags=["wallet"])

    @router.get("/wallet")
    async def get_wallet(call: Call) -> WalletReply:
        """My wallet: balance (minor units), the server's currency and its exponent,
        whether a payment password is set and until when payments are locked."""
        o = await actions.overview(room, call.me)
        return WalletReply(o.balance, currency, o.has_pay_password, o.locked_until)

    @router.get("/wallet/statement")
    async def get_statement(call: Call, query: StatementQuery) -> StatementReply:
        """My wallet's movements, newest first, 50 a page (`before`: a transaction id)."""
        return statement_reply(await actions.statement(room, call.me, query.before))

    @router.get("/wallet/transactions/{transaction_id}", errors=[WalletTransactionNotFound])
    async def get_receipt(call: Call, transaction_id: int) -> ReceiptReply:
        """The receipt of a transaction that touched my wallet."""
        found = await actions.receipt(room, call.me, TransactionId(transaction_id))
        return receipt_reply(found)

    @router.put("/wallet/pay-password", errors=[BadCredentials, PayPasswordInvalid], rate="auth")
    async def put_pay_password(call: Call, body: PayPasswordBody) -> None:
        """Set or change the 6-digit payment password; the login password proves it is
        you. Clears a lock."""
        await actions.set_pay_password(room, call.me, body.login_password, body.pay_password)

    @router.post(
        "/wallet/pay-password/verify",
        errors=[PayPasswordInvalid, PayPasswordNotSet, PayPasswordWrong, WalletLocked],
    )
    async def verify_pay_password(call: Call, body: VerifyBody) -> TokenReply:
        """Check the payment password: a payment token for one payment within a few
        minutes. Five wrong ones in a row lock payments for a while (`wallet.locked`)."""
        token, expires = await actions.verify_pay_password(room, call.me, body.pay_password)
        return TokenReply(token, expires)

    @router.post(
        "/conversations/{cid}/transfers",
        status=201,
        errors=[
            *MONEY_ERRORS,
            TooLarge,
            PaymentTokenInvalid,
            PaymentTokenExpired,
            InsufficientFunds,
            ConversationNotFound,
            NotMember,
            TransferNotAllowed,
        ],
    )
    async def send_transfer(call: Call, cid: int, body: TransferBody) -> TransferReply:
        """Send money to the other person of a one-to-one chat: a `transfer` card appears
        in the chat; they accept or return it; unaccepted, it is refunded after 24 hours.

        Needs a payment token (`/wallet/pay-password/verify`) and an `idempotency_key`:
        the same key again returns the first transfer (`replayed`) and moves nothing."""
        found, first = await actions.send_transfer(
            room,
            call.me,
            ConversationId(cid),
            body.amount,
            body.note,
            body.idempotency_key,
            body.payment_token,
        )
        return transfer_reply(found, not first)

    @router.get("/wallet/transfers/{transfer_id}", errors=[TransferNotFound])
    async def get_transfer(call: Call, transfer_id: int) -> TransferReply:
        """A transfer I sent or was sent, with its status."""
        return transfer_reply(await actions.transfer(room, call.me, TransferId(transfer_id)))

    settle_errors = [
        IdempotencyKeyInvalid,
        IdempotencyKeyReused,
        TransferNotFound,
        NotTransferRecipient,
        TransferSettled,
    ]

    @router.post("/wallet/transfers/{transfer_id}/accept", errors=settle_errors)
    async def accept_transfer(call: Call, transfer_id: int, body: SettleBody) -> TransferReply:
        """Accept a transfer sent to me: the money moves to my wallet."""
        found, first = await actions.settle_transfer(
            room, call.me, TransferId(transfer_id), "accept", body.idempotency_key
        )
        return transfer_reply(found, not first)

    @router.post("/wallet/transfers/{transfer_id}/return", errors=settle_errors)
    async def return_transfer(call: Call, transfer_id: int, body: SettleBody) -> TransferReply:
        """Return a transfer sent to me: the money goes back to its sender."""
        found, first = await actions.settle_transfer(
            room, call.me, TransferId(transfer_id), "return", body.idempotency_key
        )
        return transfer_reply(found, not first)

    admin = Router("/api/v1/admin", tags=["admin"])
    adjust_errors = [*MONEY_ERRORS, NotOperator, UserNotFound, InsufficientFunds, TooLarge]

    async def adjust(call: Call, user_id: int, body: AdjustBody, debit: bool) -> ReceiptReply:
        moved, first = await actions.adjust(
            room,
            call.me,
            UserId(user_id),
            body.amount,
            debit,
            body.reason,
            body.idempotency_key,
        )
        return receipt_reply(await actions.receipt(room, call.me, moved.id), not first)

    @admin.post("/wallets/{user_id}/credit", errors=adjust_errors)
    async def credit_wallet(call: Call, user_id: int, body: AdjustBody) -> ReceiptReply:
        """Credit a user's wallet from the funding account, with a reason for the audit
        log (operators only)."""
        return await adjust(call, user_id, body, False)

    @admin.post("/wallets/{user_id}/debit", errors=adjust_errors)
    async def debit_wallet(call: Call, user_id: int, body: AdjustBody) -> ReceiptReply:
        """Debit a user's wallet back to the funding account, with a reason (operators
        only); never below zero."""
        return await adjust(call, user_id, body, True)

    @admin.get("/wallets/{user_id}/statement", errors=[NotOperator, UserNotFound])
    async def admin_statement(call: Call, user_id: int, query: StatementQuery) -> StatementReply:
        """Any user's wallet statement (operators only)."""
        lines = await actions.statement(room, call.me, query.before, UserId(user_id))
        return statement_reply(lines)

    @admin.get("/wallet/reconcile", errors=[NotOperator])
    async def admin_reconcile(call: Call) -> ReconcileReply:
        """Check the ledger now: every transaction sums to zero, every balance is the sum
        of its postings (operators only)."""
        r = await actions.reconcile(room, call.me)
        return ReconcileReply(
            r.ok,
            r.transactions,
            r.postings,
            r.accounts,
            [MismatchWire(m.what, m.subject, m.expected, m.found) for m in r.mismatches],
        )

    def funding_wire(r: FundingRequest) -> FundingWire:
        return FundingWire(
            r.id,
            r.user_id,
            r.direction,
            r.amount,
            r.status,
            r.created_at,
            r.decided_at,
            r.transaction_id,
        )

    async def ask(call: Call, direction: str, body: FundingBody) -> FundingReply:
        found, after, first = await actions.request_funding(
            room, call.me, direction, body.amount, body.idempotency_key, body.payment_token
        )
        return FundingReply(funding_wire(found), currency, after, not first)

    @router.post("/wallet/topups", status=201, errors=MONEY_ERRORS)
    async def request_topup(call: Call, body: FundingBody) -> FundingReply:
        """Ask to top up `amount` through the provider (the built-in one: an operator
        approves it); `next` says what to do next."""
        return await ask(call, TOPUP, body)

    @router.post(
        "/wallet/withdrawals",
        status=201,
        errors=[*MONEY_ERRORS, PaymentTokenInvalid, PaymentTokenExpired, InsufficientFunds],
    )
    async def request_withdrawal(call: Call, body: FundingBody) -> FundingReply:
        """Ask to withdraw `amount` (with a payment token): it leaves the balance at once
        and is paid out, or comes back, when the provider decides."""
        return await ask(call, WITHDRAWAL, body)

    @router.get("/wallet/funding-requests")
    async def my_funding_requests(call: Call, query: FundingQuery) -> FundingListReply:
        """My top-ups and withdrawals, newest first (`before`: a request's id; `limit`
        a page, 100 at most)."""
        found = await actions.funding_requests(
            room, call.me, query.status, limit=query.limit, before=query.before
        )
        return FundingListReply([funding_wire(r) for r in found], currency)

    @admin.get("/wallet/funding-requests", errors=[NotOperator])
    async def all_funding_requests(call: Call, query: FundingQuery) -> FundingListReply:
        """Everyone's top-ups and withdrawals (`?status=pending`), newest first and paged
        as the user's own list; operators only."""
        found = await actions.funding_requests(
            room, call.me, query.status, everyone=True, limit=query.limit, before=query.before
        )
        return FundingListReply([funding_wire(r) for r in found], currency)

    decide_errors = [
        NotOperator,
        FundingRequestNotFound,
        FundingRequestSettled,
        IdempotencyKeyInvalid,
        IdempotencyKeyReused,
        TooLarge,
    ]

    @admin.post("/wallet/funding-requests/{request_id}/approve", errors=decide_errors)
    async def approve_funding(call: Call, request_id: int, body: DecideBody) -> FundingReply:
        """Approve a top-up (funding → wallet) or a withdrawal (paid out), with a reason."""
        found, first = await actions.decide_funding(
            room, call.me, FundingId(request_id), True, body.reason, body.idempotency_key
        )
        return FundingReply(funding_wire(found), currency, None, not first)

    @admin.post("/wallet/funding-requests/{request_id}/reject", errors=decide_errors)
    async def reject_funding(call: Call, request_id: int, body: DecideBody) -> FundingReply:
        """Reject a request (a withdrawal's money goes back to the wallet)."""
        found, first = await actions.decide_funding(
            room, call.me, FundingId(request_id), False, body.reason, body.idempotency_key
        )
        return FundingReply(funding_wire(found), currency, None, not first)

    return [router, admin]
