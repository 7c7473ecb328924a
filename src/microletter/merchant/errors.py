"""The merchant room's errors, in the one error tree (core/errors.py). Each is raised
before anything moved (or rolls back what did): a refused request moves no money.

InvalidInput                          invalid_input
└── PoolInvalid                       merchant.pool_invalid
NotFound                              not_found
└── ClaimNotFound                     merchant.claim_not_found
Conflict                              conflict
├── AlreadySettled                    merchant.already_settled
├── NotSettleable                     merchant.not_settleable
├── CreditOverLimit                   merchant.credit_over_limit
├── CreditLineInUse                   merchant.credit_in_use
├── CreditPoolShort                   merchant.credit_pool_short
├── NothingOwed                       merchant.nothing_owed
├── NotCovered                        merchant.not_covered
├── ClaimNotDue                       merchant.claim_not_due
└── ClaimExists                       merchant.claim_exists
"""

from __future__ import annotations

from microletter.core.errors import Conflict, InvalidInput, NotFound


class PoolInvalid(InvalidInput):
    code = "merchant.pool_invalid"
    hint = "A pool is cover or credit."


class ClaimNotFound(NotFound):
    code = "merchant.claim_not_found"
    hint = "No claim for this order."


class AlreadySettled(Conflict):
    code = "merchant.already_settled"
    hint = "This order's money already reached the merchant's balance; nothing moved."


class NotSettleable(Conflict):
    code = "merchant.not_settleable"
    hint = "Only a delivered or fulfilled order that was not refunded is settled."


class CreditOverLimit(Conflict):
    code = "merchant.credit_over_limit"
    hint = "The draw is above the credit line's limit (a share of 90 days of settled sales)."


class CreditLineInUse(Conflict):
    code = "merchant.credit_in_use"
    hint = "The line is drawn: it reopens once what is owed is repaid in full."


class CreditPoolShort(Conflict):
    code = "merchant.credit_pool_short"
    hint = "The operator's credit pool cannot lend this much now."


class NothingOwed(Conflict):
    code = "merchant.nothing_owed"
    hint = "Nothing is owed on the credit line (or less than the amount given)."


class NotCovered(Conflict):
    code = "merchant.not_covered"
    hint = "This order has no return-shipping cover."


class ClaimNotDue(Conflict):
    code = "merchant.claim_not_due"
    hint = "A claim is paid once the shop confirms that the goods came back."


class ClaimExists(Conflict):
    code = "merchant.claim_exists"
    hint = "This order's claim was already made; it is paid once."
