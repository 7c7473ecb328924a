"""The Bot API's rules, pure: token shape, bot usernames, command lists, which group
messages a bot in privacy mode sees, and how chats are numbered. No I/O, no clock.

Chats are numbered as Telegram numbers them: a private chat has the id of the person
in it (so `chat_id` of a private chat is a user id), a group the negative of its
conversation id. A message's `message_id` is its `seq` in the conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from microletter.core.ids import ConversationId, UserId
from microletter.telegram.errors import BotBadRequest, BotUsernameInvalid

SECRET_CHARS = 35  # Telegram's tokens: "<bot id>:<35 characters of [A-Za-z0-9_-]>"
TOKEN_RE = re.compile(r"([1-9][0-9]{0,18}):([A-Za-z0-9_-]{35})")
BOT_USERNAME_RE = re.compile(r"[a-z0-9_]{2,29}bot")  # 5-32 characters, ends in "bot"
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256


@dataclass(frozen=True, slots=True)
class BotCommand:
    command: str
    description: str


@dataclass(frozen=True, slots=True)
class Bot:
    """A bot: a user of the server (`id`, `username`, `name`) made by `owner_id`, with
    its privacy mode, commands, webhook, and how far its updates were acknowledged."""

    id: UserId
    owner_id: UserId
    username: str
    name: str
    privacy: bool
    commands: tuple[BotCommand, ...]
    acked_seq: int
    webhook_url: str
    webhook_secret: str
    last_error_at: int | None
    last_error: str
    created_at: int


def make_token(bot_id: UserId, random: bytes) -> str:
    """A token of Telegram's shape from 27 random bytes (35 base64url characters)."""
    secret = base64.urlsafe_b64encode(random).decode().rstrip("=")[:SECRET_CHARS]
    if len(secret) != SECRET_CHARS:
        raise ValueError("make_token needs at least 27 random bytes")
    return f"{bot_id}:{secret}"


def split_token(token: str) -> tuple[UserId, str] | None:
    """The bot id and secret of a token of the right shape, else None."""
    found = TOKEN_RE.fullmatch(token)
    if found is None:
        return None
    return UserId(int(found[1])), found[2]


def hash_secret(secret: str) -> str:
    """What is stored of a token: its secret's SHA-256 (a token is shown once)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_secret(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def check_bot_username(username: str) -> str:
    """Telegram's rule: a bot's username ends in 'bot' (here lower-case, as all ours)."""
    if not BOT_USERNAME_RE.fullmatch(username):
        raise BotUsernameInvalid(username=username)
    return username


def check_commands(raw: object) -> tuple[BotCommand, ...]:
    """setMyCommands' `commands`: at most 100 of {command, description}."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise BotBadRequest("can't parse commands JSON object")
    if len(raw) > MAX_COMMANDS:
        raise BotBadRequest("too many commands")
    found = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise BotBadRequest("can't parse BotCommand")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not COMMAND_RE.fullmatch(command):
            raise BotBadRequest("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 0 < len(description.strip()) <= 256:
            raise BotBadRequest("command description is empty or too long")
        found.append(BotCommand(command, description))
    return tuple(found)


# --- keyboards ---

MAX_BUTTONS = 100  # per keyboard, as Telegram's
MAX_CALLBACK_DATA = 64  # bytes
BUTTON_URL_SCHEMES = ("http://", "https://", "tg://")


def _rows(raw: object, what: str) -> list[list[object]]:
    if not isinstance(raw, list) or not all(isinstance(r, list) for r in raw):
        raise BotBadRequest(f"can't parse {what}: field must be an Array of Arrays")
    if sum(len(r) for r in raw) > MAX_BUTTONS:
        raise BotBadRequest("too many buttons (at most 100)")
    return raw


def check_inline_keyboard(raw: object) -> None:
    """An inline keyboard: rows of buttons, each with a text and exactly one of
    callback_data (1-64 bytes) or url (those the web client can act on)."""
    for row in _rows(raw, "inline keyboard"):
        for button in row:
            if not isinstance(button, Mapping) or not isinstance(button.get("text"), str):
                raise BotBadRequest("can't parse inline keyboard button: Text must be non-empty")
            if not str(button["text"]).strip():
                raise BotBadRequest("can't parse inline keyboard button: Text must be non-empty")
            data, url = button.get("callback_data"), button.get("url")
            if isinstance(data, str) and 0 < len(data.encode()) <= MAX_CALLBACK_DATA:
                continue
            if data is not None:
                raise BotBadRequest("BUTTON_DATA_INVALID")
            if isinstance(url, str) and url.lower().startswith(BUTTON_URL_SCHEMES):
                continue
            if url is not None:
                raise BotBadRequest("BUTTON_URL_INVALID")
            raise BotBadRequest(
                "can't parse inline keyboard button: InlineKeyboardButton must have exactly"
                " one of optional fields"
            )


def check_reply_keyboard(raw: object) -> None:
    """A reply keyboard: rows of buttons, each a text or an object with one."""
    for row in _rows(raw, "keyboard"):
        for button in row:
            text = button.get("text") if isinstance(button, Mapping) else button
            if not isinstance(text, str) or not text.strip():
                raise BotBadRequest("can't parse keyboard button: Text must be non-empty")


# --- chats ---


def group_chat_id(cid: ConversationId) -> int:
    return -int(cid)


def conversation_of_group(chat_id: int) -> ConversationId | None:
    """The group a (negative) chat id names; None for a private chat's (positive) id."""
    return ConversationId(-chat_id) if chat_id < 0 else None


# --- text ---


def utf16_len(text: str) -> int:
    """Lengths and offsets of entities count UTF-16 code units, as Telegram's do."""
    return len(text.encode("utf-16-le")) // 2


def command_of(text: str) -> tuple[str, str | None] | None:
    """The command a text starts with and the bot it names: '/start@echo_bot x' ->
    ('start', 'echo_bot'); None if it starts with none."""
    found = re.match(r"/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,32}))?(?=\s|$)", text)
    if found is None:
        return None
    return found[1], found[2]


def command_entities(text: str) -> list[dict[str, object]]:
    """The `bot_command` entity of a text that starts with a command (how the libraries
    route commands: they read entities, not the text)."""
    found = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)", text)
    if found is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(found[0])}]


def sees_in_group(
    text: str | None,
    *,
    bot_username: str,
    privacy: bool,
    replies_to_bot: bool,
    mentions_bot: bool,
) -> bool:
    """Telegram's privacy mode: with it on, a bot in a group sees commands (meant for it,
    or for no bot in particular), replies to its own messages and messages that mention
    it; with it off, everything."""
    if not privacy or replies_to_bot or mentions_bot:
        return True
    command = command_of(text or "")
    if command is None:
        return False
    named = command[1]
    return named is None or named.lower() == bot_username.lower()
