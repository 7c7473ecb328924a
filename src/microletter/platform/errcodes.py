"""Errors as the WeChat protocol writes them on its own paths (/cgi-bin, /sns): always
HTTP 200 with `{"errcode", "errmsg"}`. Decided once per class by walking the MRO, like
gateway/errors.py does for HTTP statuses.

The codes are the ones SDKs react to: 40001, 40014 and 42001 make wechatpy fetch a new
token and retry, so they are used only for tokens that really are bad or expired, never
for a permission problem (48001) or anything a fresh token would not fix.
"""

from __future__ import annotations

from typing import Any

from microletter.core import errors as e
from microletter.platform import errors as p

ERRCODES: dict[type[e.MicroletterError], tuple[int, str]] = {
    e.MicroletterError: (-1, "system error"),
    e.Unavailable: (-1, "system busy"),
    e.InvalidInput: (40035, "invalid parameter"),
    e.MalformedBody: (47001, "data format error"),
    e.TooLarge: (45002, "content size out of limit"),
    p.MenuInvalid: (40016, "invalid button"),
    p.MessageTypeUnsupported: (40008, "invalid message type"),
    p.MediaTypeInvalid: (40004, "invalid media type"),
    p.RedirectInvalid: (10003, "redirect_uri domain mismatch"),
    e.Unauthenticated: (40001, "invalid credential"),
    p.AppSecretInvalid: (40125, "invalid appsecret"),
    p.AccessTokenMissing: (41001, "access_token missing"),
    p.AccessTokenInvalid: (40001, "invalid credential, access_token is invalid or not latest"),
    p.AccessTokenExpired: (42001, "access_token expired"),
    p.OAuthCodeInvalid: (40029, "invalid code"),
    p.OAuthCodeUsed: (40163, "code been used"),
    p.OAuthCodeExpired: (42003, "code expired"),
    p.RefreshTokenInvalid: (40030, "invalid refresh_token"),
    p.RefreshTokenExpired: (42002, "refresh_token expired"),
    e.Forbidden: (48001, "api unauthorized"),
    p.AccountRestricted: (50002, "user limited"),
    e.NotFollowing: (43004, "require subscribe"),
    p.ReplyWindowClosed: (45015, "response out of time limit or subscription is canceled"),
    e.NotFound: (40035, "invalid parameter"),
    p.AccountNotFound: (40013, "invalid appid"),
    p.OpenIdNotFound: (40003, "invalid openid"),
    p.MenuNotFound: (46003, "menu no exist"),
    e.MediaNotFound: (40007, "invalid media_id"),
    p.AccountMediaNotFound: (40007, "invalid media_id"),
    p.TemplateNotFound: (40037, "invalid template_id"),
    p.QrCodeNotFound: (40097, "invalid ticket"),
    e.Conflict: (-1, "system busy"),
    p.AccountLimitReached: (48001, "api unauthorized"),
    e.RateLimited: (45009, "reach max api daily quota limit"),
    p.BroadcastQuotaExceeded: (45028, "has no masssend quota"),
    e.SyncReset: (-1, "system error"),
    # the protocol's conventions
    p.GrantTypeInvalid: (40002, "invalid grant_type"),
    p.AppIdMissing: (41002, "appid missing"),
    p.AppSecretMissing: (41004, "appsecret missing"),
    p.GetRequired: (43001, "require GET method"),
    p.PostRequired: (43002, "require POST method"),
    p.ApiUnsupported: (48001, "api unauthorized"),
    p.JsSignatureInvalid: (63002, "invalid signature"),
    # follower tags
    p.TagNameInvalid: (45158, "tag name too long"),
    p.TagNameTaken: (45157, "invalid tag name"),
    p.TagLimitReached: (45056, "too many tags now, no need to add new"),
    p.TagReserved: (45058, "can't modify sys tag"),
    p.TagNotFound: (45159, "invalid tag id"),
    p.FollowerTagLimit: (45059, "user has too many tags"),
    p.OpenIdListInvalid: (40032, "invalid openid list size"),
    # material, menus, customer service, mass sends, statistics
    p.MaterialNotFound: (40007, "invalid media_id"),
    p.MaterialLimitReached: (45001, "media count out of limit"),
    p.MatchRuleInvalid: (65304, "matchrule is empty or invalid"),
    p.MenuRequired: (65303, "there is no selfmenu, please create selfmenu first"),
    p.ConditionalMenuNotFound: (65301, "no such menuid"),
    p.ConditionalMenuLimit: (65305, "too many personalized menus"),
    p.KfAccountInvalid: (65404, "invalid kf_account"),
    p.KfNicknameInvalid: (65403, "invalid nickname"),
    p.KfAccountNotFound: (65401, "invalid kf_account"),
    p.KfAccountTaken: (65406, "kf_account exsited"),
    p.KfLimitReached: (65405, "kf account count exceeds the limit"),
    p.MassJobNotFound: (40035, "invalid parameter"),
    p.DateInvalid: (61500, "date format error"),
    p.DateRangeInvalid: (61501, "date range error"),
}


def errcode(error: e.MicroletterError) -> tuple[int, str]:
    for cls in type(error).__mro__:
        found = ERRCODES.get(cls)
        if found is not None:
            return found
    return ERRCODES[e.MicroletterError]


def error_json(error: e.MicroletterError) -> dict[str, Any]:
    """The protocol's error body; errmsg carries our message and hint after the code's."""
    code, text = errcode(error)
    return {"errcode": code, "errmsg": f"{text}: {error.message}"}


OK: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
