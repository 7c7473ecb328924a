"""The wallet's errors, in the one error tree (core/errors.py). Each moves nothing.

InvalidInput                          invalid_input
├── AmountInvalid                     wallet.amount_invalid
│   └── AmountTooLarge                wallet.amount_too_large
├── PayPasswordInvalid                wallet.pay_password_invalid
└── IdempotencyKeyInvalid             wallet.idempotency_key_invalid
Forbidden                             forbidden
├── PayPasswordNotSet                 wallet.pay_password_not_set
├── PayPasswordWrong                  wallet.pay_password_wrong
├── WalletLocked                      wallet.locked
├── PaymentTokenInvalid               wallet.payment_token_invalid
│   └── PaymentTokenExpired           wallet.payment_token_expired
├── NotTransferRecipient              wallet.not_recipient
└── TransferNotAllowed                wallet.transfer_not_allowed
NotFound                              not_found
├── TransferNotFound                  wallet.transfer_not_found
├── WalletTransactionNotFound         wallet.transaction_not_found
└── FundingRequestNotFound            wallet.request_not_found
Conflict                              conflict
├── InsufficientFunds                 wallet.insufficient_funds
├── IdempotencyKeyReused              wallet.idempotency_key_reused
├── TransferSettled                   wallet.transfer_settled
└── FundingRequestSettled             wallet.request_settled
"""

from __future__ import annotations

from microletter.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class AmountInvalid(InvalidInput):
    code = "wallet.amount_invalid"
    hint = "An amount is a positive whole number of minor units (fen, cents)."


class AmountTooLarge(AmountInvalid):
    code = "wallet.amount_too_large"
    hint = "The amount is above the largest one allowed."


class PayPasswordInvalid(InvalidInput):
    code = "wallet.pay_password_invalid"
    hint = "A payment password is exactly 6 digits."


class IdempotencyKeyInvalid(InvalidInput):
    code = "wallet.idempotency_key_invalid"
    hint = "Every request that moves money needs an idempotency_key (1-64 ASCII characters)."


class PayPasswordNotSet(Forbidden):
    code = "wallet.pay_password_not_set"
    hint = "Set a payment password first."


class PayPasswordWrong(Forbidden):
    code = "wallet.pay_password_wrong"
    hint = "The payment password is wrong."


class WalletLocked(Forbidden):
    code = "wallet.locked"
    hint = "Too many wrong payment passwords: payments are locked for a while."


class PaymentTokenInvalid(Forbidden):
    code = "wallet.payment_token_invalid"
    hint = "Confirm the payment with your payment password (the token is missing or used)."


class PaymentTokenExpired(PaymentTokenInvalid):
    code = "wallet.payment_token_expired"
    hint = "The payment confirmation expired: enter your payment password again."


class NotTransferRecipient(Forbidden):
    code = "wallet.not_recipient"
    hint = "Only the person a transfer was sent to may accept or return it."


class TransferNotAllowed(Forbidden):
    code = "wallet.transfer_not_allowed"
    hint = "Transfers go to the other person of a one-to-one chat."


class TransferNotFound(NotFound):
    code = "wallet.transfer_not_found"
    hint = "No such transfer."


class WalletTransactionNotFound(NotFound):
    code = "wallet.transaction_not_found"
    hint = "No such transaction in your wallet."


class FundingRequestNotFound(NotFound):
    code = "wallet.request_not_found"
    hint = "No such top-up or withdrawal request."


class InsufficientFunds(Conflict):
    code = "wallet.insufficient_funds"
    hint = "Not enough money in the wallet."


class IdempotencyKeyReused(Conflict):
    code = "wallet.idempotency_key_reused"
    hint = "This idempotency_key was used for a different request."


class TransferSettled(Conflict):
    code = "wallet.transfer_settled"
    hint = "The transfer was already accepted, returned or refunded."


class FundingRequestSettled(Conflict):
    code = "wallet.request_settled"
    hint = "The request was already approved or rejected."
