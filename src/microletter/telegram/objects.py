"""The Bot API's objects (User, Chat, Message, Update...) as JSON, from microletter's
values. Pure: what a bot is told is decided here, not fetched."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from microletter.core.models import Conversation, ConversationKind, Message, MessageKind, User
from microletter.telegram.rules import Bot, command_entities, group_chat_id

Json = dict[str, object]


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat as the bot sees it: a group, or the private chat with `peer`."""

    conversation: Conversation
    peer: User | None = None

    @property
    def id(self) -> int:
        if self.peer is not None:
            return int(self.peer.id)
        return group_chat_id(self.conversation.id)

    @property
    def is_private(self) -> bool:
        return self.conversation.kind is not ConversationKind.GROUP


def user_json(user: User, *, is_bot: bool) -> Json:
    return {
        "id": int(user.id),
        "is_bot": is_bot,
        "first_name": user.display_name or user.username,
        "username": user.username,
        "language_code": user.locale.split("-")[0] or "en",
    }


def me_json(bot: Bot) -> Json:
    """getMe's answer."""
    return {
        "id": int(bot.id),
        "is_bot": True,
        "first_name": bot.name,
        "username": bot.username,
        "can_join_groups": True,
        "can_read_all_group_messages": not bot.privacy,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_json(chat: Chat) -> Json:
    if chat.peer is not None:
        return {
            "id": chat.id,
            "type": "private",
            "first_name": chat.peer.display_name or chat.peer.username,
            "username": chat.peer.username,
        }
    return {"id": chat.id, "type": "group", "title": chat.conversation.name}


def chat_full_json(chat: Chat) -> Json:
    """getChat's ChatFullInfo: the chat plus the fields the libraries require."""
    return {
        **chat_json(chat),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
        },
    }


def _media(message: Message) -> Mapping[str, object]:
    media = (message.data or {}).get("media")
    return media if isinstance(media, Mapping) else {}


def _file(media: Mapping[str, object]) -> Json:
    file_id = str(media.get("id", ""))
    return {"file_id": file_id, "file_unique_id": file_id, "file_size": media.get("size") or 0}


def content_json(message: Message) -> Json:
    """What a message says, in the Bot API's fields for its kind."""
    media = _media(message)
    text = message.text or ""
    if message.kind is MessageKind.TEXT:
        found: Json = {"text": text}
        entities = (message.data or {}).get("entities") or command_entities(text)
        if entities:
            found["entities"] = entities
        return found
    found = {"caption": text} if text else {}
    caption_entities = (message.data or {}).get("entities")
    if text and caption_entities:
        found["caption_entities"] = caption_entities
    if message.kind is MessageKind.IMAGE:
        size = {**_file(media), "width": media.get("width") or 0}
        size["height"] = media.get("height") or 0
        found["photo"] = [size]
    elif message.kind is MessageKind.VOICE:
        duration = media.get("duration_ms")
        seconds = (duration if isinstance(duration, int) else 0) // 1000
        found["voice"] = {**_file(media), "duration": seconds, "mime_type": media.get("mime")}
    elif message.kind in (MessageKind.FILE, MessageKind.VIDEO, MessageKind.STICKER):
        found["document"] = {
            **_file(media),
            "file_name": media.get("name") or "file",
            "mime_type": media.get("mime"),
        }
    return found


def message_json(
    message: Message,
    chat: Chat,
    sender: User,
    *,
    sender_is_bot: bool,
    reply_to: Json | None = None,
) -> Json:
    found: Json = {
        "message_id": message.seq,
        "date": message.created_at // 1000,
        "chat": chat_json(chat),
        "from": user_json(sender, is_bot=sender_is_bot),
        **content_json(message),
    }
    if reply_to is not None:
        found["reply_to_message"] = reply_to
    markup = (message.data or {}).get("reply_markup")
    if isinstance(markup, Mapping) and "inline_keyboard" in markup:
        found["reply_markup"] = dict(markup)
    edited_at = (message.data or {}).get("edited_at")
    if isinstance(edited_at, int):
        found["edit_date"] = edited_at // 1000
    return found


def is_understood(message: Message) -> bool:
    """Kinds a bot is told of (a system note or a money card is not a Bot API message)."""
    return message.kind in (
        MessageKind.TEXT,
        MessageKind.IMAGE,
        MessageKind.VOICE,
        MessageKind.FILE,
        MessageKind.VIDEO,
        MessageKind.STICKER,
    )
