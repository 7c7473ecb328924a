"""The one error tree of microletter. Every failure a client can see is a class here.

Codes are API: once released they are never renamed (docs/api.md lists them and a test
checks the list). The core never knows HTTP; gateway/errors.py maps classes to statuses.

    MicroletterError                      internal
    ├── InvalidInput                      invalid_input
    │   ├── MalformedBody                 invalid_input.malformed
    │   ├── TooLarge                      invalid_input.too_large
    │   │   ├── MediaTooLong              media.too_long
    │   │   └── MediaTooComplex           media.too_complex
    │   ├── UsernameInvalid               user.username_invalid
    │   ├── PasswordTooWeak               user.password_too_weak
    │   ├── MediaUnsupported              media.unsupported
    │   │   └── DecoderFailed             media.decoder_failed
    │   ├── MediaKindMismatch             media.kind_mismatch
    │   └── InvisibleCharacters           invalid_input.invisible_characters
    ├── Unauthenticated                   auth.required
    │   ├── BadCredentials                auth.bad_credentials
    │   └── InvalidToken                  auth.invalid_token
    ├── Forbidden                         forbidden
    │   ├── NotMember                     conversation.not_member
    │   ├── PermissionDenied              conversation.permission_denied
    │   ├── NotContact                    contact.required
    │   ├── Blocked                       contact.blocked
    │   ├── NotAddable                    contact.not_addable
    │   ├── YouBlocked                    contact.you_blocked
    │   ├── NotSender                     message.not_sender
    │   ├── RecallExpired                 message.recall_expired
    │   ├── NotEditable                   message.not_editable
    │   ├── ConversationReadOnly          conversation.read_only
    │   ├── BadSignature                  media.bad_signature
    │   ├── SignatureExpired              media.expired
    │   ├── NotFollowing                  platform.not_following
    │   ├── AccountSuspended              account.suspended
    │   ├── NotOperator                   admin.not_operator
    │   ├── OperatorProtected             admin.operator_protected
    │   ├── SetupTokenInvalid             admin.setup_token_invalid
    │   └── QuotaExceeded                 media.quota_exceeded
    ├── NotFound                          not_found
    │   ├── UserNotFound                  user.not_found
    │   ├── DeviceNotFound                device.not_found
    │   ├── ConversationNotFound          conversation.not_found
    │   ├── MemberNotFound                conversation.member_not_found
    │   ├── MessageNotFound               message.not_found
    │   ├── ContactRequestNotFound        contact.request_not_found
    │   ├── MediaNotFound                 media.not_found
    │   ├── InviteInvalid                 conversation.invite_invalid
    │   └── JoinRequestNotFound           conversation.join_request_not_found
    ├── Conflict                          conflict
    │   ├── UsernameTaken                 user.username_taken
    │   │   └── UsernameReserved          user.username_reserved
    │   ├── AlreadyContacts               contact.already
    │   ├── RequestAlreadyAnswered        contact.request_answered
    │   ├── GroupFull                     conversation.full
    │   └── AlreadyMember                 conversation.already_member
    ├── RateLimited                       rate_limited
    │   ├── RequestLimitReached           contact.request_limit
    │   └── MediaBusy                     media.busy
    ├── SyncReset                         sync.reset
    ├── Unavailable                       unavailable
    │   └── StorageFull                   media.storage_full
    └── NotConfigured                     not_configured

A feature room declares its own errors in its room (platform/errors.py), as subclasses of
the branches above, each with its own code and hint, and draws them in its module's
docstring the same way. A class registers itself when it is defined: the gateway maps it
by its branch, a code used twice fails at import, and `all_error_classes` lists it once
its room is loaded (the docs test loads them all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

_CODES: dict[str, type[MicroletterError]] = {}  # every code, to the class that owns it


class MicroletterError(Exception):
    """Base of every error a client may see. `code` is stable; `hint` is for humans."""

    code: ClassVar[str] = "internal"
    hint: ClassVar[str] = "Something went wrong on the server."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = vars(cls).get("code")
        taken = _CODES.get(code) if isinstance(code, str) else None
        if taken is not None and taken is not cls:
            raise TypeError(f"{cls.__qualname__} reuses the error code {code!r} of {taken}")
        if isinstance(code, str):
            _CODES[code] = cls

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


class MediaTooComplex(TooLarge):
    code = "media.too_complex"
    hint = (
        "Decoding this upload would take more than the server allows (frames, pixels, JPEG"
        " scans, streams, sample rate, memory or time); send a smaller or simpler file."
    )


class UsernameInvalid(InvalidInput):
    code = "user.username_invalid"
    hint = "Usernames are 3 to 32 characters of a-z, 0-9 and _."


class PasswordTooWeak(InvalidInput):
    code = "user.password_too_weak"
    hint = "Passwords need at least 8 characters."


class MediaUnsupported(InvalidInput):
    code = "media.unsupported"
    hint = "The upload could not be decoded as this kind of media."


class DecoderFailed(MediaUnsupported):
    code = "media.decoder_failed"
    hint = (
        "The decoder stopped on this upload (it crashed or was stopped); nothing was kept."
        " Send the file again in another format."
    )


class MediaKindMismatch(InvalidInput):
    code = "media.kind_mismatch"
    hint = "The message kind must be the kind the media was uploaded as."


class InvisibleCharacters(InvalidInput):
    code = "invalid_input.invisible_characters"
    hint = (
        "Names cannot contain invisible or text-direction characters (such as U+200B or"
        " U+202E); joiners inside emoji and in scripts that need them are fine."
    )


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


class NotAddable(Forbidden):
    code = "contact.not_addable"
    hint = "This person can't be added this way."


class YouBlocked(Forbidden):
    code = "contact.you_blocked"
    hint = "You blocked this user; unblock them first."


class NotSender(Forbidden):
    code = "message.not_sender"
    hint = "Only the sender of a message may recall it."


class RecallExpired(Forbidden):
    code = "message.recall_expired"
    hint = "The time to recall this message has passed."


class NotEditable(Forbidden):
    code = "message.not_editable"
    hint = "Only its sender may edit a message, and never a recalled one or a system note."


class ConversationReadOnly(Forbidden):
    code = "conversation.read_only"
    hint = (
        "Nobody writes in service notifications: open the app or account a notice came"
        " from to answer it."
    )


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


class UsernameReserved(UsernameTaken):
    code = "user.username_reserved"
    hint = (
        "That username is reserved for the server's operators (MICROLETTER_OPERATORS);"
        " its account is made with the setup link `microletter serve` prints."
    )


class AlreadyContacts(Conflict):
    code = "contact.already"
    hint = "You are already contacts."


class RequestAlreadyAnswered(Conflict):
    code = "contact.request_answered"
    hint = "This friend request was already accepted or declined."


class InviteInvalid(NotFound):
    code = "conversation.invite_invalid"
    hint = "This group invite is unknown, revoked or expired."


class JoinRequestNotFound(NotFound):
    code = "conversation.join_request_not_found"
    hint = "No such request to join this group."


class GroupFull(Conflict):
    code = "conversation.full"
    hint = "The group has reached its member limit."


class AlreadyMember(Conflict):
    code = "conversation.already_member"
    hint = "That user is already a member."


class RateLimited(MicroletterError):
    code = "rate_limited"
    hint = "Too many requests; slow down and retry shortly."


class RequestLimitReached(RateLimited):
    code = "contact.request_limit"
    hint = "You have asked this person to be a contact too often today; try again tomorrow."


class MediaBusy(RateLimited):
    code = "media.busy"
    hint = "Several of your uploads are being checked already; retry when one has finished."


class SyncReset(MicroletterError):
    code = "sync.reset"
    hint = "Your cursor is from another epoch or ahead of the log; reload state and resync."


class Unavailable(MicroletterError):
    code = "unavailable"
    hint = "The service is temporarily unavailable; retry shortly."


class NotConfigured(MicroletterError):
    """A feature this server offers only once its operators set it up (an engine that no
    package ships, such as translation). Not a kind of Unavailable: retrying never helps."""

    code = "not_configured"
    hint = "This server does not offer this; its operators have not set it up."


# --- moderation (operators, MICROLETTER_OPERATORS) ---
# 403s, not 401s: the caller is known (a right password, a valid token) but not allowed.


class AccountSuspended(Forbidden):
    code = "account.suspended"
    hint = "This account is suspended by the server's operators; ask them if it is a mistake."


class NotOperator(Forbidden):
    code = "admin.not_operator"
    hint = "Only the server's operators (MICROLETTER_OPERATORS) may do this."


class OperatorProtected(Forbidden):
    code = "admin.operator_protected"
    hint = "Operators cannot be suspended through the API; remove them from the operators first."


class SetupTokenInvalid(Forbidden):
    code = "admin.setup_token_invalid"
    hint = (
        "This setup link is used up or not valid. While an operator has no account,"
        " `microletter serve` prints a new one when it starts."
    )


# --- storage: quotas and free disk (core/quotas.py) ---


class QuotaExceeded(Forbidden):
    code = "media.quota_exceeded"
    hint = (
        "Your uploads fill your storage quota. Uploads you never send are deleted after a"
        " while; ask the server's operators for more room."
    )


class StorageFull(Unavailable):
    code = "media.storage_full"
    hint = "The server is low on disk space and takes no uploads for now; try again later."


UPLOAD_ERRORS: tuple[type[MicroletterError], ...] = (
    TooLarge,
    MediaTooLong,
    MediaTooComplex,
    MediaUnsupported,
    DecoderFailed,
    MediaBusy,
    QuotaExceeded,
    StorageFull,
)
"""What any upload route can answer: the body's size, the decoders' verdicts, and room."""


# --- the open platform (official accounts, WeChat protocol) ---


class NotFollowing(Forbidden):
    code = "platform.not_following"
    hint = "This user does not follow the official account."


def all_error_classes() -> list[type[MicroletterError]]:
    """Every error class, root first, in definition order (for docs and tests)."""
    seen: list[type[MicroletterError]] = []
    stack: list[type[MicroletterError]] = [MicroletterError]
    while stack:
        cls = stack.pop(0)
        seen.append(cls)
        stack[0:0] = cls.__subclasses__()
    return seen
