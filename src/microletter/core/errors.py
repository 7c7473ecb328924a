"""The one error tree of microletter. Every failure a client can see is a class here.

Codes are API: once released they are never renamed (docs/api.md lists them and a test
checks the list). The core never knows HTTP; gateway/errors.py maps classes to statuses.

    MicroletterError                      internal
    ├── InvalidInput                      invalid_input
    │   ├── MalformedBody                 invalid_input.malformed
    │   ├── TooLarge                      invalid_input.too_large
    │   │   └── MediaTooLong              media.too_long
    │   ├── UsernameInvalid               user.username_invalid
    │   ├── PasswordTooWeak               user.password_too_weak
    │   ├── MediaUnsupported              media.unsupported
    │   ├── MediaKindMismatch             media.kind_mismatch
    │   ├── MenuInvalid                   platform.menu_invalid
    │   ├── MessageTypeUnsupported        platform.message_type_unsupported
    │   ├── MediaTypeInvalid              platform.media_type_invalid
    │   ├── WebhookRefused                platform.webhook_refused
    │   ├── WebhookVerificationFailed     platform.webhook_unverified
    │   └── RedirectInvalid               platform.redirect_invalid
    ├── Unauthenticated                   auth.required
    │   ├── BadCredentials                auth.bad_credentials
    │   ├── InvalidToken                  auth.invalid_token
    │   ├── AppSecretInvalid              platform.appsecret_invalid
    │   ├── AccessTokenMissing            platform.access_token_missing
    │   ├── AccessTokenInvalid            platform.access_token_invalid
    │   ├── AccessTokenExpired            platform.access_token_expired
    │   ├── OAuthCodeInvalid              platform.oauth_code_invalid
    │   ├── OAuthCodeUsed                 platform.oauth_code_used
    │   ├── OAuthCodeExpired              platform.oauth_code_expired
    │   ├── RefreshTokenInvalid           platform.refresh_token_invalid
    │   └── RefreshTokenExpired           platform.refresh_token_expired
    ├── Forbidden                         forbidden
    │   ├── NotMember                     conversation.not_member
    │   ├── PermissionDenied              conversation.permission_denied
    │   ├── NotContact                    contact.required
    │   ├── Blocked                       contact.blocked
    │   ├── YouBlocked                    contact.you_blocked
    │   ├── NotSender                     message.not_sender
    │   ├── RecallExpired                 message.recall_expired
    │   ├── BadSignature                  media.bad_signature
    │   ├── SignatureExpired              media.expired
    │   ├── NotAccountOwner               platform.not_owner
    │   ├── ScopeNotGranted               platform.scope_not_granted
    │   ├── NotFollowing                  platform.not_following
    │   ├── ReplyWindowClosed             platform.reply_window_closed
    │   ├── AccountSuspended              account.suspended
    │   ├── AccountRestricted             platform.account_restricted
    │   ├── NotOperator                   admin.not_operator
    │   └── OperatorProtected             admin.operator_protected
    ├── NotFound                          not_found
    │   ├── UserNotFound                  user.not_found
    │   ├── DeviceNotFound                device.not_found
    │   ├── ConversationNotFound          conversation.not_found
    │   ├── MemberNotFound                conversation.member_not_found
    │   ├── MessageNotFound               message.not_found
    │   ├── ContactRequestNotFound        contact.request_not_found
    │   ├── MediaNotFound                 media.not_found
    │   ├── AccountNotFound               platform.account_not_found
    │   ├── OpenIdNotFound                platform.openid_not_found
    │   ├── MenuNotFound                  platform.menu_not_found
    │   ├── AccountMediaNotFound          platform.media_not_found
    │   ├── TemplateNotFound              platform.template_not_found
    │   └── QrCodeNotFound                platform.qrcode_not_found
    ├── Conflict                          conflict
    │   ├── UsernameTaken                 user.username_taken
    │   ├── AlreadyContacts               contact.already
    │   ├── RequestAlreadyAnswered        contact.request_answered
    │   ├── GroupFull                     conversation.full
    │   ├── AlreadyMember                 conversation.already_member
    │   └── AccountLimitReached           platform.account_limit
    ├── RateLimited                       rate_limited
    │   └── BroadcastQuotaExceeded        platform.broadcast_quota
    ├── SyncReset                         sync.reset
    └── Unavailable                       unavailable

The open platform's errors (`platform.*`) also carry a WeChat `errcode` on the WeChat
protocol's own paths (/cgi-bin, /sns); platform/errcodes.py maps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class MicroletterError(Exception):
    """Base of every error a client may see. `code` is stable; `hint` is for humans."""

    code: ClassVar[str] = "internal"
    hint: ClassVar[str] = "Something went wrong on the server."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.hint
        self.details: Mapping[str, Any] = details
        super().__init__(self.message)


class InvalidInput(MicroletterError):
    code = "invalid_input"
    hint = "The request is not valid."


class MalformedBody(InvalidInput):
    code = "invalid_input.malformed"
    hint = "The body could not be parsed."


class TooLarge(InvalidInput):
    code = "invalid_input.too_large"
    hint = "The request or one of its fields is too large."


class MediaTooLong(TooLarge):
    code = "media.too_long"
    hint = "The recording is too long."


class UsernameInvalid(InvalidInput):
    code = "user.username_invalid"
    hint = "Usernames are 3 to 32 characters of a-z, 0-9 and _."


class PasswordTooWeak(InvalidInput):
    code = "user.password_too_weak"
    hint = "Passwords need at least 8 characters."


class MediaUnsupported(InvalidInput):
    code = "media.unsupported"
    hint = "The upload could not be decoded as this kind of media."


class MediaKindMismatch(InvalidInput):
    code = "media.kind_mismatch"
    hint = "The message kind must be the kind the media was uploaded as."


class Unauthenticated(MicroletterError):
    code = "auth.required"
    hint = "Log in first: send 'Authorization: Bearer <token>'."


class BadCredentials(Unauthenticated):
    code = "auth.bad_credentials"
    hint = "Wrong username or password."


class InvalidToken(Unauthenticated):
    code = "auth.invalid_token"
    hint = "The token is unknown, revoked or logged out. Log in again."


class Forbidden(MicroletterError):
    code = "forbidden"
    hint = "You may not do this."


class NotMember(Forbidden):
    code = "conversation.not_member"
    hint = "You are not a member of this conversation."


class PermissionDenied(Forbidden):
    code = "conversation.permission_denied"
    hint = "Only the owner or an admin of the group may do this."


class NotContact(Forbidden):
    code = "contact.required"
    hint = "One-to-one messages need an accepted contact. Send a friend request first."


class Blocked(Forbidden):
    code = "contact.blocked"
    hint = "This user does not accept messages or requests from you."


class YouBlocked(Forbidden):
    code = "contact.you_blocked"
    hint = "You blocked this user; unblock them first."


class NotSender(Forbidden):
    code = "message.not_sender"
    hint = "Only the sender of a message may recall it."


class RecallExpired(Forbidden):
    code = "message.recall_expired"
    hint = "The time to recall this message has passed."


class BadSignature(Forbidden):
    code = "media.bad_signature"
    hint = "The media link is not valid; ask for a new one."


class SignatureExpired(Forbidden):
    code = "media.expired"
    hint = "The media link has expired; ask for a new one."


class NotFound(MicroletterError):
    code = "not_found"
    hint = "There is nothing here."


class UserNotFound(NotFound):
    code = "user.not_found"
    hint = "No user has that name or id."


class DeviceNotFound(NotFound):
    code = "device.not_found"
    hint = "No such device on your account."


class ConversationNotFound(NotFound):
    code = "conversation.not_found"
    hint = "No conversation has that id."


class MemberNotFound(NotFound):
    code = "conversation.member_not_found"
    hint = "That user is not a member of this conversation."


class MessageNotFound(NotFound):
    code = "message.not_found"
    hint = "No message has that sequence number in this conversation."


class ContactRequestNotFound(NotFound):
    code = "contact.request_not_found"
    hint = "No pending friend request has that id."


class MediaNotFound(NotFound):
    code = "media.not_found"
    hint = "No media has that id, or you may not see it."


class Conflict(MicroletterError):
    code = "conflict"
    hint = "The request conflicts with the current state."


class UsernameTaken(Conflict):
    code = "user.username_taken"
    hint = "That username is taken; pick another."


class AlreadyContacts(Conflict):
    code = "contact.already"
    hint = "You are already contacts."


class RequestAlreadyAnswered(Conflict):
    code = "contact.request_answered"
    hint = "This friend request was already accepted or declined."


class GroupFull(Conflict):
    code = "conversation.full"
    hint = "The group has reached its member limit."


class AlreadyMember(Conflict):
    code = "conversation.already_member"
    hint = "That user is already a member."


class RateLimited(MicroletterError):
    code = "rate_limited"
    hint = "Too many requests; slow down and retry shortly."


class SyncReset(MicroletterError):
    code = "sync.reset"
    hint = "Your cursor is from another epoch or ahead of the log; reload state and resync."


class Unavailable(MicroletterError):
    code = "unavailable"
    hint = "The service is temporarily unavailable; retry shortly."


# --- moderation (operators, MICROLETTER_OPERATORS) ---
# 403s, not 401s: the caller is known (a right password, a valid token) but not allowed.


class AccountSuspended(Forbidden):
    code = "account.suspended"
    hint = "This account is suspended by the server's operators; ask them if it is a mistake."


class AccountRestricted(Forbidden):
    code = "platform.account_restricted"
    hint = (
        "The owner of this official account is suspended by the server's operators; its API"
        " is closed until they lift the suspension."
    )


class NotOperator(Forbidden):
    code = "admin.not_operator"
    hint = "Only the server's operators (MICROLETTER_OPERATORS) may do this."


class OperatorProtected(Forbidden):
    code = "admin.operator_protected"
    hint = "Operators cannot be suspended through the API; remove them from the operators first."


# --- the open platform (official accounts, WeChat protocol) ---


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


class RedirectInvalid(InvalidInput):
    code = "platform.redirect_invalid"
    hint = "The redirect_uri must be an http(s) URL."


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


class NotFollowing(Forbidden):
    code = "platform.not_following"
    hint = "This user does not follow the official account."


class ReplyWindowClosed(Forbidden):
    code = "platform.reply_window_closed"
    hint = "Customer-service messages are allowed within 48 hours of the user's last action."


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


def all_error_classes() -> list[type[MicroletterError]]:
    """Every error class, root first, in definition order (for docs and tests)."""
    seen: list[type[MicroletterError]] = []
    stack: list[type[MicroletterError]] = [MicroletterError]
    while stack:
        cls = stack.pop(0)
        seen.append(cls)
        stack[0:0] = cls.__subclasses__()
    return seen
