"""The merchant API's errors, in the one error tree (core/errors.py). Each moves nothing.

Every class also names what the WeChat Pay protocol answers for it: `err_code` (its
`err_code` field), and `protocol`: True when the request is not even accepted (the reply
says `return_code` FAIL, as WeChat does for a bad signature or unreadable XML), False for
a business failure (`return_code` SUCCESS, `result_code` FAIL). REST callers (the payer's
pay sheet, the console) get the stable `code` and an HTTP status, as for any error.

InvalidInput                          invalid_input
├── WxPayXmlInvalid                   wxpay.xml_invalid
├── WxPayParamMissing                 wxpay.param_missing
└── WxPayParamInvalid                 wxpay.param_invalid
Forbidden                             forbidden
├── WxPayMethodInvalid                wxpay.post_required
├── WxPaySignatureInvalid             wxpay.signature_invalid
│   └── WxPayRequestReplayed          wxpay.request_replayed
├── WxPayMerchantUnknown              wxpay.merchant_unknown
├── WxPayAppidMismatch                wxpay.appid_mismatch
├── WxPayMerchantRestricted           wxpay.merchant_restricted
└── WxPayNotPayer                     wxpay.not_payer
NotFound                              not_found
├── WxPayApiUnknown                   wxpay.api_unknown
├── WxPayOrderNotFound                wxpay.order_not_found
├── WxPayRefundNotFound               wxpay.refund_not_found
└── WxPayNotMerchant                  wxpay.not_merchant
Conflict                              conflict
├── WxPayOutTradeNoUsed               wxpay.out_trade_no_used
├── WxPayOrderPaid                    wxpay.order_paid
├── WxPayOrderClosed                  wxpay.order_closed
├── WxPayOrderNotPaid                 wxpay.order_not_paid
├── WxPayRefundExceeds                wxpay.refund_exceeds
├── WxPayRefundMismatch               wxpay.refund_mismatch
└── WxPaySettlementShort              wxpay.settlement_short

What the protocol answers for each (FAIL: `return_code` FAIL, the request not taken):

wxpay.xml_invalid           XML_FORMAT_ERROR (FAIL)
wxpay.param_missing         LACK_PARAMS
wxpay.param_invalid         PARAM_ERROR
wxpay.post_required         REQUIRE_POST_METHOD (FAIL)
wxpay.signature_invalid     SIGNERROR (FAIL)
wxpay.request_replayed      SIGNERROR (FAIL)
wxpay.merchant_unknown      MCHID_NOT_EXIST (FAIL)
wxpay.appid_mismatch        APPID_MCHID_NOT_MATCH (FAIL)
wxpay.merchant_restricted   NOAUTH (FAIL)
wxpay.not_payer             NOAUTH
wxpay.api_unknown           INVALID_REQUEST (FAIL)
wxpay.order_not_found       ORDERNOTEXIST
wxpay.refund_not_found      REFUNDNOTEXIST
wxpay.not_merchant          MCHID_NOT_EXIST (FAIL)
wxpay.out_trade_no_used     OUT_TRADE_NO_USED
wxpay.order_paid            ORDERPAID
wxpay.order_closed          ORDERCLOSED
wxpay.order_not_paid        TRADE_STATE_ERROR
wxpay.refund_exceeds        INVALID_REQUEST
wxpay.refund_mismatch       REFUND_FEE_MISMATCH
wxpay.settlement_short      NOTENOUGH
"""

from __future__ import annotations

from typing import ClassVar

from microletter.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class WxPayError:
    """What the protocol says for an error (a mixin; the tree above decides the rest)."""

    err_code: ClassVar[str] = "SYSTEMERROR"
    protocol: ClassVar[bool] = False  # True: return_code FAIL (the request was not taken)


class WxPayXmlInvalid(WxPayError, InvalidInput):
    code = "wxpay.xml_invalid"
    hint = "The body is not a WeChat Pay <xml> document in UTF-8."
    err_code = "XML_FORMAT_ERROR"
    protocol = True


class WxPayParamMissing(WxPayError, InvalidInput):
    code = "wxpay.param_missing"
    hint = "A required parameter is missing."
    err_code = "LACK_PARAMS"


class WxPayParamInvalid(WxPayError, InvalidInput):
    code = "wxpay.param_invalid"
    hint = "A parameter is not valid."
    err_code = "PARAM_ERROR"


class WxPayMethodInvalid(WxPayError, Forbidden):
    code = "wxpay.post_required"
    hint = "The merchant API takes POST requests only."
    err_code = "REQUIRE_POST_METHOD"
    protocol = True


class WxPaySignatureInvalid(WxPayError, Forbidden):
    code = "wxpay.signature_invalid"
    hint = "The signature does not match the parameters and the merchant's API key."
    err_code = "SIGNERROR"
    protocol = True


class WxPayRequestReplayed(WxPaySignatureInvalid):
    code = "wxpay.request_replayed"
    hint = "This nonce_str was used before: a signed request is accepted once."


class WxPayMerchantUnknown(WxPayError, Forbidden):
    code = "wxpay.merchant_unknown"
    hint = "No merchant has this mch_id."
    err_code = "MCHID_NOT_EXIST"
    protocol = True


class WxPayAppidMismatch(WxPayError, Forbidden):
    code = "wxpay.appid_mismatch"
    hint = "The appid is not the merchant's official account."
    err_code = "APPID_MCHID_NOT_MATCH"
    protocol = True


class WxPayMerchantRestricted(WxPayError, Forbidden):
    code = "wxpay.merchant_restricted"
    hint = "The merchant's official account is suspended: it takes no payments."
    err_code = "NOAUTH"
    protocol = True


class WxPayNotPayer(WxPayError, Forbidden):
    code = "wxpay.not_payer"
    hint = "This order is for another person to pay."
    err_code = "NOAUTH"


class WxPayApiUnknown(WxPayError, NotFound):
    code = "wxpay.api_unknown"
    hint = "This server does not provide that merchant API."
    err_code = "INVALID_REQUEST"
    protocol = True


class WxPayOrderNotFound(WxPayError, NotFound):
    code = "wxpay.order_not_found"
    hint = "No such order."
    err_code = "ORDERNOTEXIST"


class WxPayRefundNotFound(WxPayError, NotFound):
    code = "wxpay.refund_not_found"
    hint = "No such refund."
    err_code = "REFUNDNOTEXIST"


class WxPayNotMerchant(WxPayError, NotFound):
    code = "wxpay.not_merchant"
    hint = "This official account is not a merchant yet: enable payments in its console."
    err_code = "MCHID_NOT_EXIST"
    protocol = True


class WxPayOutTradeNoUsed(WxPayError, Conflict):
    code = "wxpay.out_trade_no_used"
    hint = "This out_trade_no was used for a different order."
    err_code = "OUT_TRADE_NO_USED"


class WxPayOrderPaid(WxPayError, Conflict):
    code = "wxpay.order_paid"
    hint = "The order is paid already."
    err_code = "ORDERPAID"


class WxPayOrderClosed(WxPayError, Conflict):
    code = "wxpay.order_closed"
    hint = "The order is closed (by the merchant, or it expired)."
    err_code = "ORDERCLOSED"


class WxPayOrderNotPaid(WxPayError, Conflict):
    code = "wxpay.order_not_paid"
    hint = "The order is not paid, so there is nothing to refund."
    err_code = "TRADE_STATE_ERROR"


class WxPayRefundExceeds(WxPayError, Conflict):
    code = "wxpay.refund_exceeds"
    hint = "The refunds would add up to more than the order's amount."
    err_code = "INVALID_REQUEST"


class WxPayRefundMismatch(WxPayError, Conflict):
    code = "wxpay.refund_mismatch"
    hint = "This out_refund_no was used with other amounts or another order."
    err_code = "REFUND_FEE_MISMATCH"


class WxPaySettlementShort(WxPayError, Conflict):
    code = "wxpay.settlement_short"
    hint = "The merchant's settlement account holds less than the refund."
    err_code = "NOTENOUGH"
