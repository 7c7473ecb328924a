"""The Bot API's errors, in the one error tree (core/errors.py). Each carries the
Telegram answer the libraries expect: `error_code` (also the HTTP status) and a
`description` that starts the way Telegram's do ("Bad Request: ...").

InvalidInput                          invalid_input
├── BotBadRequest                     telegram.bad_request
└── BotUsernameInvalid                telegram.username_invalid
Unauthenticated                       auth.required
└── BotUnauthorized                   telegram.unauthorized
Forbidden                             forbidden
├── BotForbidden                      telegram.forbidden
└── NotBotOwner                       telegram.not_owner
NotFound                              not_found
├── BotMethodNotFound                 telegram.method_not_found
├── ChatNotFound                      telegram.chat_not_found
├── BotNotFound                       telegram.bot_not_found
└── ButtonNotFound                    telegram.button_not_found
Conflict                              conflict
└── BotConflict                       telegram.conflict
RateLimited                           rate_limited
└── BotFlood                          telegram.too_many_requests
"""

from __future__ import annotations

from typing import Any, ClassVar

from microletter.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)


class BotApiError:
    """Mixed into the classes below: the Bot API's answer for the error."""

    error_code: ClassVar[int] = 400
    prefix: ClassVar[str] = "Bad Request: "


class BotBadRequest(BotApiError, InvalidInput):
    code = "telegram.bad_request"
    hint = "Bad Request: the parameters are not valid for this method."

    def __init__(self, what: str, **details: Any) -> None:
        super().__init__(f"Bad Request: {what}", **details)


class BotUsernameInvalid(InvalidInput):
    code = "telegram.username_invalid"
    hint = "A bot's username is 5-32 characters of a-z, 0-9 and _, and ends in 'bot'."


class BotUnauthorized(BotApiError, Unauthenticated):
    code = "telegram.unauthorized"
    hint = "Unauthorized"
    error_code = 401


class BotForbidden(BotApiError, Forbidden):
    code = "telegram.forbidden"
    hint = "Forbidden: the bot may not do this."
    error_code = 403

    def __init__(self, what: str, **details: Any) -> None:
        super().__init__(f"Forbidden: {what}", **details)


class NotBotOwner(Forbidden):
    code = "telegram.not_owner"
    hint = "Only the developer who made the bot may change it."


class BotMethodNotFound(BotApiError, NotFound):
    code = "telegram.method_not_found"
    hint = "Not Found"
    error_code = 404


class ChatNotFound(BotApiError, NotFound):
    code = "telegram.chat_not_found"
    hint = "Bad Request: chat not found"


class BotNotFound(NotFound):
    code = "telegram.bot_not_found"
    hint = "No such bot."


class ButtonNotFound(NotFound):
    code = "telegram.button_not_found"
    hint = "That message has no such button (it may have been edited or deleted)."


class BotConflict(BotApiError, Conflict):
    code = "telegram.conflict"
    hint = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"  # noqa: E501 - Telegram's exact words
    error_code = 409


class BotFlood(BotApiError, RateLimited):
    code = "telegram.too_many_requests"
    hint = "Too Many Requests: retry later"
    error_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
