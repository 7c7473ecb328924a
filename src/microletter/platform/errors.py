"""The open platform's errors, in the one error tree (core/errors.py), under its branches.

    InvalidInput                          invalid_input
    ├── MenuInvalid                       platform.menu_invalid
    ├── MessageTypeUnsupported            platform.message_type_unsupported
    ├── MediaTypeInvalid                  platform.media_type_invalid
    ├── WebhookRefused                    platform.webhook_refused
    ├── WebhookVerificationFailed         platform.webhook_unverified
    ├── OAuthDomainInvalid                platform.oauth_domain_invalid
    ├── RedirectInvalid                   platform.redirect_invalid
    │   └── RedirectDomainMismatch        platform.redirect_domain_mismatch
    ├── GrantTypeInvalid                  platform.grant_type_invalid
    ├── AppIdMissing                      platform.appid_missing
    ├── AppSecretMissing                  platform.appsecret_missing
    ├── GetRequired                       platform.get_required
    ├── PostRequired                      platform.post_required
    ├── TagNameInvalid                    platform.tag_name_invalid
    ├── OpenIdListInvalid                 platform.openid_list_invalid
    ├── MatchRuleInvalid                  platform.matchrule_invalid
    ├── KfAccountInvalid                  platform.kf_account_invalid
    ├── KfNicknameInvalid                 platform.kf_nickname_invalid
    ├── DateInvalid                       platform.date_invalid
    ├── DateRangeInvalid                  platform.date_range_invalid
    └── NoticeSourceInvalid               platform.notice_source_invalid
    Unauthenticated                       auth.required
    ├── AppSecretInvalid                  platform.appsecret_invalid
    ├── AccessTokenMissing                platform.access_token_missing
    ├── AccessTokenInvalid                platform.access_token_invalid
    ├── AccessTokenExpired                platform.access_token_expired
    ├── OAuthCodeInvalid                  platform.oauth_code_invalid
    ├── OAuthCodeUsed                     platform.oauth_code_used
    ├── OAuthCodeExpired                  platform.oauth_code_expired
    ├── RefreshTokenInvalid               platform.refresh_token_invalid
    └── RefreshTokenExpired               platform.refresh_token_expired
    Forbidden                             forbidden
    ├── NotAccountOwner                   platform.not_owner
    ├── ScopeNotGranted                   platform.scope_not_granted
    ├── ReplyWindowClosed                 platform.reply_window_closed
    ├── AccountRestricted                 platform.account_restricted
    ├── ApiUnsupported                    platform.api_unsupported
    ├── JsSignatureInvalid                platform.js_signature_invalid
    └── TagReserved                       platform.tag_reserved
    NotFound                              not_found
    ├── AccountNotFound                   platform.account_not_found
    ├── OpenIdNotFound                    platform.openid_not_found
    ├── MenuNotFound                      platform.menu_not_found
    ├── AccountMediaNotFound              platform.media_not_found
    ├── TemplateNotFound                  platform.template_not_found
    ├── QrCodeNotFound                    platform.qrcode_not_found
    ├── TagNotFound                       platform.tag_not_found
    ├── MaterialNotFound                  platform.material_not_found
    ├── ConditionalMenuNotFound           platform.conditional_menu_not_found
    ├── KfAccountNotFound                 platform.kf_account_not_found
    └── MassJobNotFound                   platform.mass_job_not_found
    Conflict                              conflict
    ├── AccountLimitReached               platform.account_limit
    ├── TagNameTaken                      platform.tag_name_taken
    ├── TagLimitReached                   platform.tag_limit
    ├── FollowerTagLimit                  platform.follower_tag_limit
    ├── MaterialLimitReached              platform.material_limit
    ├── MenuRequired                      platform.menu_required
    ├── ConditionalMenuLimit              platform.conditional_menu_limit
    ├── KfAccountTaken                    platform.kf_account_taken
    └── KfLimitReached                    platform.kf_limit
    RateLimited                           rate_limited
    └── BroadcastQuotaExceeded            platform.broadcast_quota

They also carry a WeChat `errcode` on the WeChat protocol's own paths (/cgi-bin, /sns):
errcodes.py maps them. `NotFollowing` (platform.not_following) stays in the core's tree:
the core's Store serves the channels a user follows.
"""

from __future__ import annotations

from microletter.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)


class MenuInvalid(InvalidInput):
    code = "platform.menu_invalid"
    hint = "The menu is not valid: at most 3 buttons of at most 5 sub-buttons each."


class MessageTypeUnsupported(InvalidInput):
    code = "platform.message_type_unsupported"
    hint = "This message type is not supported here."


class MediaTypeInvalid(InvalidInput):
    code = "platform.media_type_invalid"
    hint = "Media type must be image, voice, video or thumb, in a format and size it allows."


class WebhookRefused(InvalidInput):
    code = "platform.webhook_refused"
    hint = "The webhook URL is not allowed: use http(s) to a public address."


class WebhookVerificationFailed(InvalidInput):
    code = "platform.webhook_unverified"
    hint = "The webhook did not answer the verification request with the echostr."


class OAuthDomainInvalid(InvalidInput):
    code = "platform.oauth_domain_invalid"
    hint = (
        "A web-authorization domain is a host name only, such as h5.example.com (no scheme,"
        " port, path or wildcard; an internationalized name in its xn-- form), at most 5."
    )


class RedirectInvalid(InvalidInput):
    code = "platform.redirect_invalid"
    hint = (
        "The redirect_uri must be an absolute http(s) URL with a plain host name: no"
        " credentials, backslashes, spaces or control characters."
    )


class RedirectDomainMismatch(RedirectInvalid):
    code = "platform.redirect_domain_mismatch"
    hint = (
        "The redirect_uri's host must be exactly one of the account's web-authorization"
        " domains; its developer registers them in the developer console."
    )


class AppSecretInvalid(Unauthenticated):
    code = "platform.appsecret_invalid"
    hint = "The AppID and AppSecret do not match."


class AccessTokenMissing(Unauthenticated):
    code = "platform.access_token_missing"
    hint = "Send the access_token query parameter (from /cgi-bin/token)."


class AccessTokenInvalid(Unauthenticated):
    code = "platform.access_token_invalid"
    hint = "The access_token is not valid (or the AppSecret was reset since); fetch a new one."


class AccessTokenExpired(Unauthenticated):
    code = "platform.access_token_expired"
    hint = "The access_token expired; fetch a new one."


class OAuthCodeInvalid(Unauthenticated):
    code = "platform.oauth_code_invalid"
    hint = "The authorization code is not valid for this AppID."


class OAuthCodeUsed(Unauthenticated):
    code = "platform.oauth_code_used"
    hint = "The authorization code was already used."


class OAuthCodeExpired(Unauthenticated):
    code = "platform.oauth_code_expired"
    hint = "The authorization code expired (codes live 5 minutes)."


class RefreshTokenInvalid(Unauthenticated):
    code = "platform.refresh_token_invalid"
    hint = "The refresh_token is not valid for this AppID."


class RefreshTokenExpired(Unauthenticated):
    code = "platform.refresh_token_expired"
    hint = "The refresh_token expired (they live 30 days); authorize again."


class NotAccountOwner(Forbidden):
    code = "platform.not_owner"
    hint = "Only the developer who created this official account may do this."


class ScopeNotGranted(Forbidden):
    code = "platform.scope_not_granted"
    hint = "The user did not grant this scope (user info needs snsapi_userinfo)."


class ReplyWindowClosed(Forbidden):
    code = "platform.reply_window_closed"
    hint = "Customer-service messages are allowed within 48 hours of the user's last action."


class AccountRestricted(Forbidden):
    code = "platform.account_restricted"
    hint = (
        "The owner of this official account is suspended by the server's operators; its API"
        " is closed until they lift the suspension."
    )


class AccountNotFound(NotFound):
    code = "platform.account_not_found"
    hint = "No official account has that id or AppID."


class OpenIdNotFound(NotFound):
    code = "platform.openid_not_found"
    hint = "No user has that OpenID for this official account."


class MenuNotFound(NotFound):
    code = "platform.menu_not_found"
    hint = "The official account has no menu."


class AccountMediaNotFound(NotFound):
    code = "platform.media_not_found"
    hint = "No media has that media_id for this official account (temporary media: 3 days)."


class TemplateNotFound(NotFound):
    code = "platform.template_not_found"
    hint = "No template has that template_id for this official account."


class QrCodeNotFound(NotFound):
    code = "platform.qrcode_not_found"
    hint = "No QR code has that ticket, or it expired."


class AccountLimitReached(Conflict):
    code = "platform.account_limit"
    hint = "You have created as many official accounts as allowed."


class BroadcastQuotaExceeded(RateLimited):
    code = "platform.broadcast_quota"
    hint = "The official account has used its broadcasts for today."


# --- the protocol's own conventions ---


class GrantTypeInvalid(InvalidInput):
    code = "platform.grant_type_invalid"
    hint = "grant_type must be client_credential (authorization_code for OAuth)."


class AppIdMissing(InvalidInput):
    code = "platform.appid_missing"
    hint = "Send the appid query parameter."


class AppSecretMissing(InvalidInput):
    code = "platform.appsecret_missing"
    hint = "Send the secret query parameter (the AppSecret)."


class GetRequired(InvalidInput):
    code = "platform.get_required"
    hint = "This API is called with GET."


class PostRequired(InvalidInput):
    code = "platform.post_required"
    hint = "This API is called with POST."


class ApiUnsupported(Forbidden):
    code = "platform.api_unsupported"
    hint = "This server does not provide this API (docs/platform.md lists the ones it does)."


class JsSignatureInvalid(Forbidden):
    code = "platform.js_signature_invalid"
    hint = (
        "The wx.config signature was not made with a live JS-SDK ticket of this account"
        " (for this page's URL, nonceStr and timestamp)."
    )


# --- follower tags ---


class TagNameInvalid(InvalidInput):
    code = "platform.tag_name_invalid"
    hint = "A tag name is 1 to 30 bytes of visible text."


class OpenIdListInvalid(InvalidInput):
    code = "platform.openid_list_invalid"
    hint = "The list of OpenIDs is empty or too long for this API."


class TagReserved(Forbidden):
    code = "platform.tag_reserved"
    hint = "Tags 0, 1 and 2 are reserved by the protocol and cannot be changed."


class TagNotFound(NotFound):
    code = "platform.tag_not_found"
    hint = "The official account has no tag with that id."


class TagNameTaken(Conflict):
    code = "platform.tag_name_taken"
    hint = "The official account has a tag of that name already."


class TagLimitReached(Conflict):
    code = "platform.tag_limit"
    hint = "An official account has at most 100 tags."


class FollowerTagLimit(Conflict):
    code = "platform.follower_tag_limit"
    hint = "A follower carries at most 20 tags."


# --- material, menus, customer service, statistics ---


class MaterialNotFound(NotFound):
    code = "platform.material_not_found"
    hint = "The official account has no permanent material with that media_id."


class MaterialLimitReached(Conflict):
    code = "platform.material_limit"
    hint = "The official account keeps as much permanent material of this type as allowed."


class MatchRuleInvalid(InvalidInput):
    code = "platform.matchrule_invalid"
    hint = "A conditional menu's matchrule names at least one of the fields it can match."


class MenuRequired(Conflict):
    code = "platform.menu_required"
    hint = "Create the default menu (menu/create) before conditional menus."


class ConditionalMenuNotFound(NotFound):
    code = "platform.conditional_menu_not_found"
    hint = "The official account has no conditional menu with that menuid."


class ConditionalMenuLimit(Conflict):
    code = "platform.conditional_menu_limit"
    hint = "An official account has at most 20 conditional menus."


class KfAccountInvalid(InvalidInput):
    code = "platform.kf_account_invalid"
    hint = "A kf_account is name@account: up to 10 letters, digits or _ before the @."


class KfNicknameInvalid(InvalidInput):
    code = "platform.kf_nickname_invalid"
    hint = "A customer-service nickname is 1 to 16 visible characters."


class KfAccountNotFound(NotFound):
    code = "platform.kf_account_not_found"
    hint = "The official account has no customer-service account of that name."


class KfAccountTaken(Conflict):
    code = "platform.kf_account_taken"
    hint = "The official account has a customer-service account of that name already."


class KfLimitReached(Conflict):
    code = "platform.kf_limit"
    hint = "An official account has at most 100 customer-service accounts."


class MassJobNotFound(NotFound):
    code = "platform.mass_job_not_found"
    hint = "The official account sent no mass message with that msg_id."


class DateInvalid(InvalidInput):
    code = "platform.date_invalid"
    hint = "Dates are written YYYY-MM-DD."


class DateRangeInvalid(InvalidInput):
    code = "platform.date_range_invalid"
    hint = "The range starts on or before its end, spans at most 7 days and ends before today."


class NoticeSourceInvalid(InvalidInput):
    code = "platform.notice_source_invalid"
    hint = "A notice's sender is named app:<id> or account:<id>, as its card's `source.key`."
