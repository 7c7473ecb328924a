"""The red packets' errors, in the one error tree (core/errors.py). Each moves nothing.
Amounts, payment tokens, idempotency keys and funds are judged by the wallet with its
own codes (`wallet.amount_invalid`, `wallet.insufficient_funds`, ...).

InvalidInput                          invalid_input
├── RedPacketKindInvalid              redpacket.kind_invalid
├── SharesInvalid                     redpacket.shares_invalid
├── AmountTooSmall                    redpacket.amount_too_small
├── AmountUneven                      redpacket.amount_uneven
├── ShareTooLarge                     redpacket.share_too_large
└── RecipientInvalid                  redpacket.recipient_invalid
Forbidden                             forbidden
├── RedPacketNotAllowed               redpacket.not_allowed
└── NotForYou                         redpacket.not_for_you
NotFound                              not_found
└── RedPacketNotFound                 redpacket.not_found
Conflict                              conflict
├── AlreadyOpened                     redpacket.already_opened
├── Exhausted                         redpacket.exhausted
└── RedPacketExpired                  redpacket.expired
"""

from __future__ import annotations

from microletter.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class RedPacketKindInvalid(InvalidInput):
    code = "redpacket.kind_invalid"
    hint = "A red packet is normal, lucky or exclusive."


class SharesInvalid(InvalidInput):
    code = "redpacket.shares_invalid"
    hint = "The number of shares is a whole number from 1 to the group's size (and the limit)."


class AmountTooSmall(InvalidInput):
    code = "redpacket.amount_too_small"
    hint = "Every share holds at least one minor unit (fen, cent)."


class AmountUneven(InvalidInput):
    code = "redpacket.amount_uneven"
    hint = "A normal red packet's amount divides evenly into its shares."


class ShareTooLarge(InvalidInput):
    code = "redpacket.share_too_large"
    hint = "A share may hold at most the limit the operator set."


class RecipientInvalid(InvalidInput):
    code = "redpacket.recipient_invalid"
    hint = "An exclusive red packet is for one other member of the group."


class RedPacketNotAllowed(Forbidden):
    code = "redpacket.not_allowed"
    hint = "Red packets are sent in groups and one-to-one chats (exclusive ones in groups)."


class NotForYou(Forbidden):
    code = "redpacket.not_for_you"
    hint = "This red packet is for someone else."


class RedPacketNotFound(NotFound):
    code = "redpacket.not_found"
    hint = "No such red packet in your conversations."


class AlreadyOpened(Conflict):
    code = "redpacket.already_opened"
    hint = "You opened this red packet already."


class Exhausted(Conflict):
    code = "redpacket.exhausted"
    hint = "Too late: every share of this red packet was taken."


class RedPacketExpired(Conflict):
    code = "redpacket.expired"
    hint = "This red packet expired; what was left went back to its sender."
