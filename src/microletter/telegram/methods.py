"""The Bot API's methods: each reads its parameters, calls the actions and returns the
`result`. Names are matched as Telegram matches them, case-insensitively; a name not in
METHODS answers 404 Not Found (routes.py). docs/platform.md lists them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from microletter.core.media import MediaKind
from microletter.core.models import JsonValue, MessageKind
from microletter.telegram import actions, callbacks, editing, files
from microletter.telegram.actions import Bots
from microletter.telegram.entities import Entity, formatted
from microletter.telegram.errors import BotBadRequest, BotConflict
from microletter.telegram.objects import chat_full_json, me_json, user_json
from microletter.telegram.params import Params
from microletter.telegram.rules import (
    Bot,
    check_commands,
    check_inline_keyboard,
    check_reply_keyboard,
)

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


def markup_of(p: Params, *, inline_only: bool = False) -> dict[str, JsonValue] | None:
    """reply_markup, checked: an inline keyboard (shown under the message), or a reply
    keyboard, its removal or force_reply (shown by the composer)."""
    markup = p.mapping("reply_markup")
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise BotBadRequest("reply markup must be an InlineKeyboardMarkup")
    elif "keyboard" in markup:
        check_reply_keyboard(markup["keyboard"])
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise BotBadRequest("can't parse reply keyboard markup JSON object")
    return dict(markup)


@method("sendMessage")
async def send_message(room: Bots, bot: Bot, p: Params) -> object:
    raw = p.text("text")
    if raw is None or not raw.strip():
        raise BotBadRequest("message text is empty")
    text, entities = formatted(raw, p.text("parse_mode"), p.value("entities"))
    if not text.strip():
        raise BotBadRequest("message text is empty")
    chat = await actions.chat_of(room, bot, p.chat_id())
    seq, lenient = reply_seq(p)
    reply_to = await actions.reply_target(room, bot, chat, seq, lenient)
    return await actions.send(
        room, bot, chat, MessageKind.TEXT, text, reply_to=reply_to,
        data=message_data(entities, markup_of(p)),
    )  # fmt: skip


def message_data(
    entities: list[Entity], markup: dict[str, JsonValue] | None
) -> dict[str, JsonValue] | None:
    """What a bot's message keeps beside its text: its entities and its keyboard."""
    data: dict[str, JsonValue] = {}
    if entities:
        data["entities"] = entities
    if markup is not None:
        data["reply_markup"] = markup
    return data or None


def message_ref(p: Params) -> int:
    """The message an edit or delete names (inline messages do not exist here)."""
    if p.has("inline_message_id"):
        raise BotBadRequest("inline messages are not supported by this server")
    seq = p.integer("message_id")
    if seq is None:
        raise BotBadRequest("message identifier is not specified")
    return seq


@method("editMessageText")
async def edit_message_text(room: Bots, bot: Bot, p: Params) -> object:
    seq = message_ref(p)
    raw = p.text("text")
    if raw is None or not raw.strip():
        raise BotBadRequest("message text is empty")
    text, entities = formatted(raw, p.text("parse_mode"), p.value("entities"))
    markup = markup_of(p, inline_only=True)
    chat = await actions.chat_of(room, bot, p.chat_id())
    data: dict[str, JsonValue] = {
        "entities": entities or None,
        "reply_markup": markup,  # none given: the keyboard goes, as in Telegram
    }
    return await editing.edit(room, bot, chat, seq, text, data)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(room: Bots, bot: Bot, p: Params) -> object:
    seq = message_ref(p)
    markup = markup_of(p, inline_only=True)
    chat = await actions.chat_of(room, bot, p.chat_id())
    return await editing.edit(room, bot, chat, seq, None, {"reply_markup": markup})


@method("deleteMessage")
async def delete_message(room: Bots, bot: Bot, p: Params) -> object:
    seq = message_ref(p)
    chat = await actions.chat_of(room, bot, p.chat_id())
    await editing.delete(room, bot, chat, seq)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(room: Bots, bot: Bot, p: Params) -> object:
    await callbacks.answer(
        room, bot, p.text("callback_query_id") or "", p.text("text") or "",
        p.flag("show_alert"), p.text("url") or "",
    )  # fmt: skip
    return True


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
    text, entities = formatted(
        p.text("caption") or "", p.text("parse_mode"), p.value("caption_entities")
    )
    caption: str | None = text if text.strip() else None
    if message is MessageKind.VOICE or caption is None:
        caption, entities = None, []  # a voice note has no caption here
    return await actions.send(
        room, bot, chat, message, caption, reply_to=reply_to, media_id=media_id,
        data=message_data(entities, markup_of(p)),
    )  # fmt: skip


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
