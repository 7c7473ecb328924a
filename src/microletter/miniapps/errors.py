"""Mini apps' errors, in the one error tree (core/errors.py). On /sns/jscode2session they
are written in WeChat's conventions (errcode/errmsg, protocol.py); on /api/v1 as every
other error; in the JS bridge the web client turns them into the SDK's `errMsg`.

InvalidInput                          invalid_input
├── AppNameInvalid                    miniapp.name_invalid
├── AppUrlInvalid                     miniapp.url_invalid
├── AppDomainInvalid                  miniapp.domain_invalid
├── SharePathInvalid                  miniapp.share_path_invalid
├── JsApiListInvalid                  miniapp.js_api_list_invalid
├── StorageInvalid                    miniapp.storage_invalid
└── RankingPeriodInvalid              miniapp.period_invalid
Forbidden                             forbidden
├── PageNotJsSafe                     miniapp.page_not_js_safe
├── AppIdMismatch                     miniapp.appid_mismatch
└── StorageSignatureInvalid           miniapp.storage_signature_invalid
NotFound                              not_found
├── AppNotFound                       miniapp.not_found
├── LoginCodeInvalid                  miniapp.code_invalid
├── LoginCodeExpired                  miniapp.code_expired
├── ShareTicketInvalid                miniapp.share_ticket_invalid
└── PlayerNotFound                    miniapp.player_not_found
Conflict                              conflict
├── LoginCodeUsed                     miniapp.code_used
└── AppLimitReached                   miniapp.limit_reached
"""

from __future__ import annotations

from microletter.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class AppNameInvalid(InvalidInput):
    code = "miniapp.name_invalid"
    hint = "A mini app's name has 1 to 30 characters."


class AppUrlInvalid(InvalidInput):
    code = "miniapp.url_invalid"
    hint = "An http(s) URL is needed; the entry URL must be on one of the app's JS-safe domains."


class AppDomainInvalid(InvalidInput):
    code = "miniapp.domain_invalid"
    hint = (
        "JS-safe domains are 1 to 5 host names (with a port if not the default), not this"
        " server's own host."
    )


class SharePathInvalid(InvalidInput):
    code = "miniapp.share_path_invalid"
    hint = (
        "A shared path is the app's own: a path such as /page?id=1, or a URL on a JS-safe domain."
    )


class JsApiListInvalid(InvalidInput):
    code = "miniapp.js_api_list_invalid"
    hint = "jsApiList is a list of at most 100 API names."


class PageNotJsSafe(Forbidden):
    code = "miniapp.page_not_js_safe"
    hint = "The page is not served from one of the app's JS-safe domains: it gets no bridge."


class AppIdMismatch(Forbidden):
    code = "miniapp.appid_mismatch"
    hint = "The appId is not the AppID of the official account the app belongs to."


class AppNotFound(NotFound):
    code = "miniapp.not_found"
    hint = "No such mini app."


class LoginCodeInvalid(NotFound):
    code = "miniapp.code_invalid"
    hint = "The js_code is not one that wx.login() gave for this AppID."


class LoginCodeExpired(NotFound):
    code = "miniapp.code_expired"
    hint = "A js_code lives 5 minutes; call wx.login() again."


class ShareTicketInvalid(NotFound):
    code = "miniapp.share_ticket_invalid"
    hint = "The shareTicket is unknown, expired, or not yours or this app's."


class LoginCodeUsed(Conflict):
    code = "miniapp.code_used"
    hint = "A js_code is exchanged once; call wx.login() again."


class AppLimitReached(Conflict):
    code = "miniapp.limit_reached"
    hint = "An official account has at most 10 mini apps."


class StorageInvalid(InvalidInput):
    code = "miniapp.storage_invalid"
    hint = (
        "A game keeps at most 128 records per player: a key of 1 to 128 bytes, and a key"
        " and its string value of at most 1024 bytes together."
    )


class RankingPeriodInvalid(InvalidInput):
    code = "miniapp.period_invalid"
    hint = 'A ranking\'s period is "week" (reset every Monday, UTC) or "all".'


class StorageSignatureInvalid(Forbidden):
    code = "miniapp.storage_signature_invalid"
    hint = (
        "signature must be the hex HMAC-SHA256 of the exact POST body, keyed with the"
        " player's session key from /sns/jscode2session; sig_method=hmac_sha256."
    )


class PlayerNotFound(NotFound):
    code = "miniapp.player_not_found"
    hint = "No player with this openid has logged in to one of the account's apps (wx.login)."
