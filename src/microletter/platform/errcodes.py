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

ERRCODES: dict[type[e.MicroletterError], tuple[int, str]] = {
    e.MicroletterError: (-1, "system error"),
    e.Unavailable: (-1, "system busy"),
    e.InvalidInput: (40035, "invalid parameter"),
    e.MalformedBody: (47001, "data format error"),
    e.TooLarge: (45002, "content size out of limit"),
    e.MenuInvalid: (40016, "invalid button"),
    e.MessageTypeUnsupported: (40008, "invalid message type"),
    e.MediaTypeInvalid: (40004, "invalid media type"),
    e.RedirectInvalid: (10003, "redirect_uri domain mismatch"),
    e.Unauthenticated: (40001, "invalid credential"),
    e.AppSecretInvalid: (40125, "invalid appsecret"),
    e.AccessTokenMissing: (41001, "access_token missing"),
    e.AccessTokenInvalid: (40001, "invalid credential, access_token is invalid or not latest"),
    e.AccessTokenExpired: (42001, "access_token expired"),
    e.OAuthCodeInvalid: (40029, "invalid code"),
    e.OAuthCodeUsed: (40163, "code been used"),
    e.OAuthCodeExpired: (42003, "code expired"),
    e.RefreshTokenInvalid: (40030, "invalid refresh_token"),
    e.RefreshTokenExpired: (42002, "refresh_token expired"),
    e.Forbidden: (48001, "api unauthorized"),
    e.AccountRestricted: (50002, "user limited"),
    e.NotFollowing: (43004, "require subscribe"),
    e.ReplyWindowClosed: (45015, "response out of time limit or subscription is canceled"),
    e.NotFound: (40035, "invalid parameter"),
    e.AccountNotFound: (40013, "invalid appid"),
    e.OpenIdNotFound: (40003, "invalid openid"),
    e.MenuNotFound: (46003, "menu no exist"),
    e.MediaNotFound: (40007, "invalid media_id"),
    e.AccountMediaNotFound: (40007, "invalid media_id"),
    e.TemplateNotFound: (40037, "invalid template_id"),
    e.QrCodeNotFound: (40097, "invalid ticket"),
    e.Conflict: (-1, "system busy"),
    e.AccountLimitReached: (48001, "api unauthorized"),
    e.RateLimited: (45009, "reach max api daily quota limit"),
    e.BroadcastQuotaExceeded: (45028, "has no masssend quota"),
    e.SyncReset: (-1, "system error"),
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
