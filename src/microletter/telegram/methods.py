"""The Bot API's methods: each reads its parameters, calls the actions and returns the
`result`. Names are matched as Telegram matches them, case-insensitively; a name not in
METHODS answers 404 Not Found (routes.py). docs/platform.md lists them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from microletter.core.media import MediaKind
from microletter.core.models import JsonValue, MessageKind
from microletter.telegram import actions, files
from microletter.telegram.actions import Bots
from microletter.telegram.errors import BotBadRequest, BotConflict
from microletter.telegram.objects import chat_full_json, me_json, user_json
from microletter.telegram.params import Params
from microletter.telegram.rules import Bot, check_commands

Method = Callable[[Bots, Bot, Params], Awaitable[object]]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name.lower()] = fn
        return fn

    return register


@method("getMe")
async def get_me(room: Bots, bot: Bot, p: Params) -> object:
    return me_json(bot)


@method("logOut")
async def log_out(room: Bots, bot: Bot, p: Params) -> object:
    return True  # there is no cloud to log out of: the bot is already here


@method("close")
async def close(room: Bots, bot: Bot, p: Params) -> object:
    return True


@method("getUpdates")
async def get_updates(room: Bots, bot: Bot, p: Params) -> object:
    if bot.webhook_url:
        raise BotConflict()
    return await actions.get_updates(
        room, bot, p.integer("offset"), p.integer("limit", 100) or 100, p.integer("timeout", 0) or 0
    )


def reply_seq(p: Params) -> tuple[int | None, bool]:
    """The message to reply to (reply_parameters, or the older reply_to_message_id)."""
    params = p.mapping("reply_parameters")
    if params is not None:
        seq = Params(params).integer("message_id")
        if seq is None:
            raise BotBadRequest("message to be replied not found")
        return seq, Params(params).flag("allow_sending_without_reply")
    return p.integer("reply_to_message_id"), p.flag("allow_sending_without_reply")


def markup_of(p: Params) -> dict[str, JsonValue] | None:
    """reply_markup, kept with the message: inline keyboards show under it."""
    markup = p.mapping("reply_markup")
    if markup is None:
        return None
    rows = markup.get("inline_keyboard")
    if rows is not None:
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise BotBadRequest(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        for row in rows:
            for button in row:
                if not isinstance(button, Mapping) or not isinstance(button.get("text"), str):
                    raise BotBadRequest(
                        "can't parse inline keyboard button: Text must be non-empty"
                    )
    return {"reply_markup": dict(markup)}


@method("sendMessage")
async def send_message(room: Bots, bot: Bot, p: Params) -> object:
    text = p.text("text")
    if text is None or not text.strip():
        raise BotBadRequest("message text is empty")
    chat = await actions.chat_of(room, bot, p.chat_id())
    seq, lenient = reply_seq(p)
    reply_to = await actions.reply_target(room, bot, chat, seq, lenient)
    return await actions.send(
        room, bot, chat, MessageKind.TEXT, text, reply_to=reply_to, data=markup_of(p)
    )


@method("sendChatAction")
async def send_chat_action(room: Bots, bot: Bot, p: Params) -> object:
    chat = await actions.chat_of(room, bot, p.chat_id())
    if not p.text("action"):
        raise BotBadRequest("action is empty")
    await actions.typing(room, bot, chat)
    return True


@method("getChat")
async def get_chat(room: Bots, bot: Bot, p: Params) -> object:
    return chat_full_json(await actions.chat_of(room, bot, p.chat_id()))


@method("getChatMember")
async def get_chat_member(room: Bots, bot: Bot, p: Params) -> object:
    chat = await actions.chat_of(room, bot, p.chat_id())
    user, status = await actions.member_of(room, bot, chat, p.need_int("user_id"))
    return {"status": status, "user": user_json(user, is_bot=await room.is_bot(user.id))}


@method("leaveChat")
async def leave_chat(room: Bots, bot: Bot, p: Params) -> object:
    chat = await actions.chat_of(room, bot, p.chat_id())
    await actions.leave(room, bot, chat)
    return True


@method("setMyCommands")
async def set_my_commands(room: Bots, bot: Bot, p: Params) -> object:
    await room.store.set_commands(bot.id, check_commands(p.value("commands")))
    return True


@method("getMyCommands")
async def get_my_commands(room: Bots, bot: Bot, p: Params) -> object:
    return [{"command": c.command, "description": c.description} for c in bot.commands]


@method("deleteMyCommands")
async def delete_my_commands(room: Bots, bot: Bot, p: Params) -> object:
    await room.store.set_commands(bot.id, ())
    return True


@method("setWebhook")
async def set_webhook(room: Bots, bot: Bot, p: Params) -> object:
    url = p.text("url", "") or ""
    secret = p.text("secret_token", "") or ""
    await actions.set_webhook(room, bot, url, secret, p.flag("drop_pending_updates"))
    return True


@method("deleteWebhook")
async def delete_webhook(room: Bots, bot: Bot, p: Params) -> object:
    await actions.set_webhook(room, bot, "", "", p.flag("drop_pending_updates"))
    return True


@method("getWebhookInfo")
async def get_webhook_info(room: Bots, bot: Bot, p: Params) -> object:
    return await actions.webhook_info(room, bot)


async def _send_file(
    room: Bots, bot: Bot, p: Params, field: str, kind: MediaKind, message: MessageKind
) -> object:
    chat = await actions.chat_of(room, bot, p.chat_id())
    seq, lenient = reply_seq(p)
    reply_to = await actions.reply_target(room, bot, chat, seq, lenient)
    media_id = await files.media_of(room, bot, p, field, kind)
    caption = (p.text("caption") or "").strip() or None
    if message is MessageKind.VOICE:
        caption = None  # a voice note has no caption here
    return await actions.send(
        room, bot, chat, message, caption, reply_to=reply_to, media_id=media_id
    )


@method("sendPhoto")
async def send_photo(room: Bots, bot: Bot, p: Params) -> object:
    return await _send_file(room, bot, p, "photo", MediaKind.IMAGE, MessageKind.IMAGE)


@method("sendVoice")
async def send_voice(room: Bots, bot: Bot, p: Params) -> object:
    return await _send_file(room, bot, p, "voice", MediaKind.VOICE, MessageKind.VOICE)


@method("sendDocument")
async def send_document(room: Bots, bot: Bot, p: Params) -> object:
    return await _send_file(room, bot, p, "document", MediaKind.FILE, MessageKind.FILE)


@method("getVoiceTranscript")
async def get_voice_transcript(room: Bots, bot: Bot, p: Params) -> object:
    """microletter's extension (docs/platform.md, section 11): the text of a voice
    message the bot can see, made once by the server's recognizer and kept. `language`
    is a BCP 47 tag (default: the sender's). Not in Telegram's Bot API."""
    if room.transcribe is None:
        raise BotBadRequest("voice transcripts are not available on this server")
    seq = p.integer("message_id")
    if seq is None:
        raise BotBadRequest("message_id is empty")
    chat = await actions.chat_of(room, bot, p.chat_id())
    text, language = await room.transcribe(bot.id, chat.conversation.id, seq, p.text("language"))
    return {"text": text, "language": language}


@method("getFile")
async def get_file(room: Bots, bot: Bot, p: Params) -> object:
    file_id = p.text("file_id")
    if not file_id:
        raise BotBadRequest("file_id is empty")
    return await files.get_file(room, bot, file_id)
