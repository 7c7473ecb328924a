"""The bot console's request and reply bodies (msgspec), as the gateway's wire.py does
it. The Bot API itself (/bot<token>/METHOD) speaks Telegram's JSON, not these."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from microletter.core.models import Conversation
from microletter.telegram.rules import Bot


class BotBody(Struct, forbid_unknown_fields=True):
    """A new bot: its `username` (5-32 of a-z 0-9 _, ending in 'bot') and shown name."""

    username: Annotated[str, Meta(max_length=32)]
    name: Annotated[str, Meta(max_length=64)] = ""


class BotPatch(Struct, forbid_unknown_fields=True):
    """Privacy mode: true (the default) shows a bot only commands, replies to it and
    mentions of it in groups; false shows it every group message."""

    privacy: bool


class BotOut(Struct):
    id: int
    username: str
    name: str
    privacy: bool
    webhook_url: str
    created_at: int

    @classmethod
    def of(cls, bot: Bot) -> BotOut:
        return cls(bot.id, bot.username, bot.name, bot.privacy, bot.webhook_url, bot.created_at)


class BotReply(Struct):
    bot: BotOut


class BotTokenReply(Struct):
    """A bot and its token: shown this once (only a hash is kept)."""

    bot: BotOut
    token: str


class BotsReply(Struct):
    bots: list[BotOut]


class StartBody(Struct, forbid_unknown_fields=True):
    username: Annotated[str, Meta(max_length=32)]


class StartReply(Struct):
    """The private chat with the bot, where `/start` was just said."""

    conversation: Conversation


class PressBody(Struct, forbid_unknown_fields=True):
    """A press of a callback button: the bot's message and the button's callback_data."""

    conversation_id: int
    seq: int
    data: Annotated[str, Meta(min_length=1, max_length=64)]


class PressReply(Struct):
    """The bot's answerCallbackQuery, if it came within 10 seconds (`answered`): `text`
    to show as a toast, or as an alert with `show_alert`; `url` to open."""

    answered: bool
    text: str
    show_alert: bool
    url: str


class CommandsQuery(Struct, forbid_unknown_fields=True):
    conversation_id: int


class CommandOut(Struct):
    command: str
    description: str


class BotCommandsOut(Struct):
    bot_id: int
    username: str
    commands: list[CommandOut]

    @classmethod
    def of(cls, bot: Bot) -> BotCommandsOut:
        listed = [CommandOut(c.command, c.description) for c in bot.commands]
        return cls(bot.id, bot.username, listed)


class CommandsReply(Struct):
    """The command lists (setMyCommands) of the bots in a conversation, for "/"."""

    bots: list[BotCommandsOut]
